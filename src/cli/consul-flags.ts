/**
 * Flags that choose and configure discovery, shared by `node start` and
 * `cluster status`: static peers (the default) or Consul.
 */
import { Flags } from '@oclif/core';
import { ConsulDiscovery } from '../discovery/consul-discovery.js';
import type { ConsulOptions } from '../discovery/consul-options.js';

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

/** A Consul discovery from the flags. */
export function consulDiscovery(flags: DiscoveryFlags): ConsulDiscovery {
  return new ConsulDiscovery(consulOptions(flags));
}
