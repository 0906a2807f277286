/**
 * Options of {@link DnsDiscovery}: one type, one defaults constant, one
 * `resolveDnsOptions()` that fills defaults and rejects bad values at
 * construction (DESIGN.md, Discovery).
 */
import { isIP } from 'node:net';
import { ErrorCode, InvalidArgumentError } from '../errors.js';
import type { TlsFiles } from '../protocol/tls.js';
import type { TokenSource } from '../protocol/bearer-token.js';
import type { Member } from './discovery.js';

/** How members are found in DNS. */
export interface DnsOptions {
  /**
   * The name to resolve: an SRV name such as the headless service's
   * `_grpc._tcp.dstash-headless.ns.svc.cluster.local`, or, with `port`, a
   * name whose A/AAAA records list the members.
   */
  name: string;
  /**
   * The members' gRPC port when `name` has A/AAAA records; without it `name` is read as an SRV name.
   * @default undefined (SRV)
   */
  port?: number;
  /**
   * A resolver to ask, as `host:port` (`[v6]:port`) or `host` (port 53).
   * @default undefined (the system's resolvers)
   */
  server?: string;
  /**
   * How often the name is resolved again, in ms. A member whose probes start
   * failing also triggers a resolution (its address may have changed).
   * @default 5000
   */
  intervalMs: number;
  /**
   * How long a member may be absent from the answers before it leaves the
   * member list, in ms (as Consul's DeregisterCriticalServiceAfter). Only
   * successful answers count: while the DNS server fails, the last view stays.
   * @default 60000
   */
  graceMs: number;
  /**
   * How long one DNS query waits for an answer, in ms (two tries).
   * @default 2000
   */
  timeoutMs: number;
  /**
   * How often each member's gRPC health is probed, in ms (as in static discovery).
   * @default 1000
   */
  healthIntervalMs: number;
  /**
   * TLS to the members.
   * @default undefined (plaintext)
   */
  tls?: TlsFiles;
  /**
   * Bearer token of the Info calls that learn each member's id, when the nodes ask for one.
   * @default undefined
   */
  token?: TokenSource | string;
  /**
   * For a node's own discovery: the node itself; always a member, not probed.
   * @default undefined
   */
  self?: () => Member;
}

/** The defaults of {@link DnsOptions}. */
export const DEFAULT_DNS_OPTIONS: Readonly<Omit<DnsOptions, 'name'>> = Object.freeze({ intervalMs: 5000, graceMs: 60_000, timeoutMs: 2000, healthIntervalMs: 1000 });

const NAME_PATTERN = /^(?=.{1,253}\.?$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$/;
const SERVER_PATTERN = /^(\[[0-9a-fA-F:.]+\]|[0-9.]+|[0-9a-fA-F:]+)(?::(\d{1,5}))?$/;

/** Fills the defaults of `options` and validates them; throws DSTASH_INVALID_OPTIONS. */
export function resolveDnsOptions(options: Partial<DnsOptions> & { name: string }): DnsOptions {
  const o: DnsOptions = { ...DEFAULT_DNS_OPTIONS, ...Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) } as DnsOptions;
  const bad = (message: string): never => {
    throw new InvalidArgumentError(ErrorCode.InvalidOptions, message);
  };
  if (typeof o.name !== 'string' || !NAME_PATTERN.test(o.name)) bad(`dns name ${JSON.stringify(o.name)} is not a DNS name (--dns-name)`);
  if (o.port !== undefined && (!Number.isInteger(o.port) || o.port < 1 || o.port > 65535)) bad('dns port must be 1-65535 (--dns-port)');
  if (o.server !== undefined) {
    const m = SERVER_PATTERN.exec(o.server);
    const host = m?.[1]?.replace(/^\[|\]$/g, '');
    if (!m || !host || isIP(host) === 0 || (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535))) {
      bad(`dns server ${JSON.stringify(o.server)} must be an IP address with an optional port, e.g. 10.0.0.10:53 (--dns-server)`);
    }
  }
  for (const [field, flag] of [['intervalMs', '--dns-interval'], ['graceMs', '--dns-grace'], ['timeoutMs', 'timeoutMs'], ['healthIntervalMs', '--health-interval']] as const) {
    const v = o[field];
    if (!Number.isInteger(v) || v < 10) bad(`${field} must be a whole number of at least 10 ms (${flag})`);
  }
  return o;
}
