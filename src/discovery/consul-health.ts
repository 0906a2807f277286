/**
 * The answer of `GET /v1/health/service/:service` (/api-docs/health#list-nodes-for-service)
 * and its mapping to dstash members. Pure functions: no I/O.
 */
import { sortMembers, type Member } from './discovery.js';

/** One health check as Consul reports it (only the fields dstash reads). */
export interface ConsulHealthCheck {
  CheckID: string;
  Status: 'passing' | 'warning' | 'critical' | 'maintenance' | string;
  ServiceID?: string;
}

/** One service instance with its node and every check that applies to it (node-level ones such as serfHealth included). */
export interface ConsulServiceEntry {
  Node: { Node: string; Address: string; Datacenter?: string };
  Service: { ID: string; Service: string; Address?: string; Port: number; Meta?: Record<string, string> | null; Tags?: string[] | null };
  Checks: ConsulHealthCheck[] | null;
}

/** `host:port`, bracketing an IPv6 literal so that the result can be dialled. */
export function joinHostPort(host: string, port: number): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Maps every instance to a member, sorted by id. A member is healthy when
 * all of its checks pass; an instance without an address of its own is
 * reached at its node's (as Consul's DNS does). When the same id shows up on
 * two nodes (a node moved while its old agent still lists it), the healthy
 * one wins, so a stale copy cannot hide a live node.
 */
export function membersFromEntries(entries: readonly ConsulServiceEntry[]): Member[] {
  const byId = new Map<string, Member>();
  for (const entry of entries) {
    const zone = entry.Service.Meta?.zone;
    const member: Member = {
      id: entry.Service.ID,
      address: joinHostPort(entry.Service.Address || entry.Node.Address, entry.Service.Port),
      ...(zone ? { zone } : {}),
      healthy: (entry.Checks ?? []).every((check) => check.Status === 'passing'),
    };
    const seen = byId.get(member.id);
    if (!seen || (!seen.healthy && member.healthy)) byId.set(member.id, member);
  }
  return sortMembers([...byId.values()]);
}
