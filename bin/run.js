#!/usr/bin/env node
// The dstash binary (oclif). Commands are compiled into dist/src/cli/commands.
import { execute } from '@oclif/core';

await execute({ dir: import.meta.url });
