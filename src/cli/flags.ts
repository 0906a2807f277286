/**
 * Flags shared by several commands. Every flag can also come from a
 * `DSTASH_*` environment variable, so that containers configure the binary
 * without a command line.
 */
import { Flags } from '@oclif/core';
import type { CoordinatorOptions } from '../client/index.js';
import { LOG_LEVELS, type LogLevel } from '../logger.js';

/** `--log-level`, defaulting to `level`. */
export function logLevelFlag(level: LogLevel) {
  return Flags.option({
    options: LOG_LEVELS,
    default: level,
    env: 'DSTASH_LOG_LEVEL',
    description: 'Log level (structured JSON logs on stderr).',
  })();
}

/** How a node coordinates requests for callers that do not route. */
export const coordinatorFlags = {
  replicas: Flags.integer({ default: 3, min: 1, max: 16, env: 'DSTASH_REPLICAS', description: 'Replicas of each partition (N).' }),
  'write-quorum': Flags.integer({ min: 1, env: 'DSTASH_WRITE_QUORUM', description: 'Acknowledgements of a QUORUM write (W; default: a majority of N).' }),
  'read-quorum': Flags.integer({ min: 1, env: 'DSTASH_READ_QUORUM', description: 'Answers of a QUORUM read (R; default: a majority of N).' }),
};

/** Coordinator options from parsed {@link coordinatorFlags}. */
export function coordinatorOptions(flags: { replicas: number; 'write-quorum'?: number; 'read-quorum'?: number }): Partial<CoordinatorOptions> {
  return { replicas: flags.replicas, writeQuorum: flags['write-quorum'], readQuorum: flags['read-quorum'] };
}

/** Splits a comma-separated flag value. */
export function splitList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

/** TLS flags for a server or a client. */
export const tlsFlags = {
  tls: Flags.boolean({ default: false, env: 'DSTASH_TLS', description: 'Use TLS (mutual TLS when --ca-file is given to a server).' }),
  'cert-file': Flags.string({ env: 'DSTASH_CERT_FILE', description: 'PEM certificate chain of this side.', dependsOn: ['tls'] }),
  'key-file': Flags.string({ env: 'DSTASH_KEY_FILE', description: 'PEM private key of --cert-file.', dependsOn: ['tls'] }),
  'ca-file': Flags.string({ env: 'DSTASH_CA_FILE', description: 'PEM CA that signs the other side (on a node: require client certificates).', dependsOn: ['tls'] }),
};

/** `--token` (`DSTASH_TOKEN`): the bearer token of a command that calls a node. */
export const tokenFlags = {
  token: Flags.string({ env: 'DSTASH_TOKEN', description: 'Bearer token, for nodes started with --auth-token-file (role read, write, admin or cluster, as the command needs).' }),
};

/** The TLS file options named by parsed `tlsFlags`, or undefined without --tls. */
export function tlsOptions(flags: { tls: boolean; 'cert-file'?: string; 'key-file'?: string; 'ca-file'?: string }):
  { certFile?: string; keyFile?: string; caFile?: string } | undefined {
  if (!flags.tls) return undefined;
  return { certFile: flags['cert-file'], keyFile: flags['key-file'], caFile: flags['ca-file'] };
}
