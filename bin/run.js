#!/usr/bin/env node
// The dstash binary (oclif). Commands are compiled into dist/src/cli/commands.
import { execute } from '@oclif/core';

// Without SHELL, oclif asks the passwd database for the user's shell, which
// throws when the process runs under a uid that has no passwd entry (a
// container started with an arbitrary uid, as Kubernetes and OpenShift do).
process.env.SHELL ??= '/bin/sh';

await execute({ dir: import.meta.url });
