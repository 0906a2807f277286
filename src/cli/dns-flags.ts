/**
 * Flags of DNS discovery (`--discovery dns`), shared by `node start` and
 * `cluster status`; defaults in DEFAULT_DNS_OPTIONS.
 */
import { Flags } from '@oclif/core';
import { DEFAULT_DNS_OPTIONS, type DnsOptions } from '../discovery/dns-options.js';

/** `--dns-name` and the other DNS discovery options. */
export const dnsFlags = {
  'dns-name': Flags.string({ env: 'DSTASH_DNS_NAME', description: 'Name whose SRV records (or A/AAAA records, with --dns-port) list the members, e.g. _grpc._tcp.dstash-headless.ns.svc.cluster.local.' }),
  'dns-port': Flags.integer({ min: 1, max: 65535, env: 'DSTASH_DNS_PORT', description: 'Members\' gRPC port when --dns-name has A/AAAA records (without it, SRV records are read).' }),
  'dns-server': Flags.string({ env: 'DSTASH_DNS_SERVER', description: 'Resolver to ask, as ip or ip:port (default: the system\'s).' }),
  'dns-interval': Flags.integer({ default: DEFAULT_DNS_OPTIONS.intervalMs, min: 10, env: 'DSTASH_DNS_INTERVAL', description: 'ms between resolutions of --dns-name.' }),
  'dns-grace': Flags.integer({ default: DEFAULT_DNS_OPTIONS.graceMs, min: 10, env: 'DSTASH_DNS_GRACE', description: 'ms a member may be missing from DNS answers before it leaves the cluster.' }),
};

/** Parsed values of {@link dnsFlags}. */
export interface DnsFlags {
  'dns-name'?: string;
  'dns-port'?: number;
  'dns-server'?: string;
  'dns-interval': number;
  'dns-grace': number;
}

/** DNS options from the flags, or undefined without `--dns-name`. */
export function dnsOptions(flags: DnsFlags): (Partial<DnsOptions> & Pick<DnsOptions, 'name'>) | undefined {
  const name = flags['dns-name'];
  if (!name) return undefined;
  return { name, port: flags['dns-port'], server: flags['dns-server'], intervalMs: flags['dns-interval'], graceMs: flags['dns-grace'] };
}
