/**
 * The one place that picks a {@link Discovery} implementation (DESIGN.md,
 * Discovery): the SDK client, the node and the CLI name their source of
 * members and share these rules, so a source means the same everywhere.
 */
import { ErrorCode, InvalidArgumentError } from '../errors.js';
import type { TlsFiles } from '../protocol/tls.js';
import type { TokenSource } from '../protocol/bearer-token.js';
import { ConsulDiscovery } from './consul-discovery.js';
import type { ConsulOptions } from './consul-options.js';
import type { Discovery, Member } from './discovery.js';
import { DnsDiscovery } from './dns-discovery.js';
import type { DnsOptions } from './dns-options.js';
import { JoinDiscovery } from './join-discovery.js';

/**
 * Where the members come from: exactly one of static (`peers`, `peersFile`
 * and `join` together count as one source), `dns`, `consul` or a `discovery`
 * of the caller's own. A field counts as given unless it is undefined.
 */
export interface DiscoverySource {
  /** Peers as `host:port` or `id@host:port` (static discovery). */
  peers?: string[];
  /** A file listing peers, re-read when it changes (static discovery). */
  peersFile?: string;
  /** Running members to ask, at start, to add this node (static discovery; needs `self`). */
  join?: string[];
  /** Members from DNS records (see DnsOptions). */
  dns?: Partial<DnsOptions> & Pick<DnsOptions, 'name'>;
  /** Members registered in Consul (see ConsulOptions). */
  consul?: ConsulOptions;
  /** A discovery built elsewhere, used as it is. */
  discovery?: Discovery;
}

/** What the static and DNS discoveries built here share; Consul has its own health and TLS options. */
export interface DiscoveryContext {
  /**
   * How often each member's gRPC health is probed, in ms; `dns.healthIntervalMs` wins over it.
   * @default 1000 (the discoveries' own default)
   */
  healthIntervalMs?: number;
  /**
   * TLS to the members.
   * @default undefined (plaintext)
   */
  tls?: TlsFiles;
  /**
   * Bearer token of the calls that learn each member's id, when the nodes ask for one.
   * @default undefined
   */
  token?: TokenSource | string;
  /**
   * For a node's own discovery: the node itself, always a member. With it, no
   * source at all is a cluster of this node alone (static discovery).
   * @default undefined
   */
  self?: () => Member;
}

/**
 * Builds the discovery `source` names. Throws `DSTASH_INVALID_OPTIONS` when it
 * names several sources, or none without `context.self`.
 */
export function createDiscovery(source: DiscoverySource, context: DiscoveryContext = {}): Discovery {
  const { peers, peersFile, join, dns, consul, discovery } = source;
  const given = [
    ['peers (or peersFile, join)', peers !== undefined || peersFile !== undefined || join !== undefined],
    ['dns', dns !== undefined],
    ['consul', consul !== undefined],
    ['discovery', discovery !== undefined],
  ] as const;
  const named = given.filter(([, isGiven]) => isGiven).map(([name]) => name);
  if (named.length > 1 || (named.length === 0 && !context.self)) {
    throw new InvalidArgumentError(
      ErrorCode.InvalidOptions,
      `give one source of members: ${given.map(([name]) => name).join(', ')}; got ${named.length ? named.join(' and ') : 'none'}`,
    );
  }
  const { healthIntervalMs, tls, token, self } = context;
  if (discovery) return discovery;
  if (consul) return new ConsulDiscovery(consul);
  if (dns) return new DnsDiscovery({ ...dns, healthIntervalMs: dns.healthIntervalMs ?? healthIntervalMs, tls, token, self });
  return new JoinDiscovery({ peers, peersFile, join, healthIntervalMs, tls, token, self });
}
