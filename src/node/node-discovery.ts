/**
 * The discovery a node follows: the source its options name (its own
 * `discovery`, such as Consul; DNS records; or its peers, peers file and
 * `join` members, sharing the member list with the others), built by the one
 * factory (DESIGN.md, Discovery).
 */
import { createDiscovery } from '../discovery/create-discovery.js';
import type { Discovery, Member } from '../discovery/discovery.js';
import type { NodeOptions } from './node-options.js';
import type { TokenSource } from '../protocol/bearer-token.js';

/** Builds the node's own discovery; `token`: the cluster token its probes carry; `self` describes the node (read once it listens). */
export function nodeDiscovery(o: NodeOptions, token: TokenSource | undefined, self: () => Member): Discovery {
  // Empty lists are the node's defaults, not a source: a node given no source is a cluster of itself alone.
  const list = (l: string[]): string[] | undefined => (l.length > 0 ? l : undefined);
  return createDiscovery(
    { peers: list(o.peers), peersFile: o.peersFile, join: list(o.join), dns: o.dns, discovery: o.discovery },
    { healthIntervalMs: o.healthIntervalMs, tls: o.tls, token, self },
  );
}
