/**
 * The discovery a node follows when it is not given one (Consul): DNS records
 * when `dns` is set, else its peers, peers file and `join` members, sharing
 * the member list with the others (DESIGN.md, Discovery).
 */
import type { Discovery, Member } from '../discovery/discovery.js';
import { DnsDiscovery } from '../discovery/dns-discovery.js';
import { JoinDiscovery } from '../discovery/join-discovery.js';
import type { NodeOptions } from './node-options.js';
import type { TokenSource } from '../protocol/bearer-token.js';

/** Builds the node's own discovery; `token`: the cluster token its probes carry; `self` describes the node (read once it listens). */
export function nodeDiscovery(o: NodeOptions, token: TokenSource | undefined, self: () => Member): Discovery {
  if (o.discovery) return o.discovery;
  if (o.dns) return new DnsDiscovery({ ...o.dns, healthIntervalMs: o.healthIntervalMs, tls: o.tls, token, self });
  return new JoinDiscovery({ peers: o.peers, peersFile: o.peersFile, join: o.join, healthIntervalMs: o.healthIntervalMs, tls: o.tls, token, self });
}
