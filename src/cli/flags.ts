/**
 * Flags shared by several commands. Every flag can also come from a
 * `DSTASH_*` environment variable, so that containers configure the binary
 * without a command line.
 */
import { Flags } from '@oclif/core';
import { LOG_LEVELS } from '../logger.js';

/** `--log-level`. */
export const logLevelFlag = Flags.option({
  options: LOG_LEVELS,
  default: 'info' as const,
  env: 'DSTASH_LOG_LEVEL',
  description: 'Log level (structured JSON logs on stderr).',
})();

/** TLS flags for a server or a client. */
export const tlsFlags = {
  tls: Flags.boolean({ default: false, env: 'DSTASH_TLS', description: 'Use TLS (mutual TLS when --ca-file is given to a server).' }),
  'cert-file': Flags.string({ env: 'DSTASH_CERT_FILE', description: 'PEM certificate chain of this side.', dependsOn: ['tls'] }),
  'key-file': Flags.string({ env: 'DSTASH_KEY_FILE', description: 'PEM private key of --cert-file.', dependsOn: ['tls'] }),
  'ca-file': Flags.string({ env: 'DSTASH_CA_FILE', description: 'PEM CA that signs the other side (on a node: require client certificates).', dependsOn: ['tls'] }),
};

/** The TLS file options named by parsed `tlsFlags`, or undefined without --tls. */
export function tlsOptions(flags: { tls: boolean; 'cert-file'?: string; 'key-file'?: string; 'ca-file'?: string }):
  { certFile?: string; keyFile?: string; caFile?: string } | undefined {
  if (!flags.tls) return undefined;
  return { certFile: flags['cert-file'], keyFile: flags['key-file'], caFile: flags['ca-file'] };
}
