/**
 * Flags that choose and configure discovery, shared by `node start` and
 * `cluster status`: static peers (the default), DNS or Consul.
 */
import { Flags } from '@oclif/core';
import type { ConsulOptions } from '../discovery/consul-options.js';
import type { DiscoverySource } from '../discovery/create-discovery.js';
import { ErrorCode, InvalidArgumentError } from '../errors.js';
import { dnsOptions, type DnsFlags } from './dns-flags.js';
import { splitList } from './flags.js';

/** `--discovery` and the Consul options. */
export const discoveryFlags = {
  discovery: Flags.option({ options: ['static', 'dns', 'consul'] as const, default: 'static' as const, env: 'DSTASH_DISCOVERY', description: 'How members find each other: static peers (with --join), DNS records (--dns-name), or Consul.' })(),
  'consul-addr': Flags.string({ env: 'DSTASH_CONSUL_ADDR', description: 'Consul agent host:port, or an https:// URL (default: CONSUL_HTTP_ADDR, else 127.0.0.1:8500).' }),
  'consul-token': Flags.string({ env: 'DSTASH_CONSUL_TOKEN', description: 'Consul ACL token (default: CONSUL_HTTP_TOKEN).' }),
  'consul-service': Flags.string({ default: 'dstash', env: 'DSTASH_CONSUL_SERVICE', description: 'Consul service name the nodes register as.' }),
  'consul-datacenter': Flags.string({ env: 'DSTASH_CONSUL_DATACENTER', description: 'Consul datacenter (default: the agent\'s).' }),
  'consul-ca-file': Flags.string({ env: 'DSTASH_CONSUL_CA_FILE', description: 'CA that signs the Consul agent\'s certificate (https).' }),
  'consul-check-interval': Flags.string({ default: '5s', env: 'DSTASH_CONSUL_CHECK_INTERVAL', description: 'Interval of the gRPC health check Consul runs on the node.' }),
  'consul-deregister-after': Flags.string({ default: '1m', env: 'DSTASH_CONSUL_DEREGISTER_AFTER', description: 'Consul deregisters a node whose check stays critical this long.' }),
};

/** Parsed values of {@link discoveryFlags}. */
export interface DiscoveryFlags {
  discovery: 'static' | 'dns' | 'consul';
  'consul-addr'?: string;
  'consul-token'?: string;
  'consul-service': string;
  'consul-datacenter'?: string;
  'consul-ca-file'?: string;
  'consul-check-interval': string;
  'consul-deregister-after': string;
}

/** Consul options from the flags. */
export function consulOptions(flags: DiscoveryFlags): ConsulOptions {
  return {
    address: flags['consul-addr'],
    token: flags['consul-token'],
    serviceName: flags['consul-service'],
    datacenter: flags['consul-datacenter'],
    tls: flags['consul-ca-file'] ? { ca: flags['consul-ca-file'] } : undefined,
    checkInterval: flags['consul-check-interval'],
    deregisterCriticalServiceAfter: flags['consul-deregister-after'],
  };
}

/** Parsed flags that name a source of members: `--discovery` with the DNS and Consul flags, and the static ones where a command has them. */
export interface SourceFlags extends DiscoveryFlags, DnsFlags {
  peers?: string;
  'peers-file'?: string;
  join?: string;
}

/** The source of members the flags name (for createDiscovery); flags of another source are refused with `DSTASH_INVALID_OPTIONS`. */
export function discoverySource(flags: SourceFlags): DiscoverySource {
  const invalid = (message: string): InvalidArgumentError => new InvalidArgumentError(ErrorCode.InvalidOptions, message);
  if (flags.discovery !== 'static' && (flags.peers || flags['peers-file'] || flags.join)) {
    throw invalid(`--peers, --peers-file and --join are for --discovery static; with ${flags.discovery} the members come from ${flags.discovery === 'dns' ? 'DNS' : 'the registry'}`);
  }
  switch (flags.discovery) {
    case 'consul':
      return { consul: consulOptions(flags) };
    case 'dns': {
      const dns = dnsOptions(flags);
      if (!dns) throw invalid('--discovery dns needs --dns-name');
      return { dns };
    }
    default:
      return { peers: splitList(flags.peers), peersFile: flags['peers-file'], join: splitList(flags.join) };
  }
}
