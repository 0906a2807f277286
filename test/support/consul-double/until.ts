/**
 * Waiting in tests of Consul code without fixed sleeps: on membership events,
 * or on the agent's own answers to blocking queries, under an overall
 * deadline. Nothing here uses dstash's Consul client: what a test waits on
 * is read the way the API documents it, independently of the code under test.
 */
import { freshRequest, type FreshOptions } from './fresh-request.js';

/** What {@link untilMembers} follows: a Discovery, described by the two calls it makes. */
export interface MemberSource<M> {
  members(): readonly M[];
  onChange(listener: (members: readonly M[]) => void): () => void;
}

/**
 * Resolves with the member list as soon as `predicate` holds for it: at once
 * when it already does, else on the `onChange` event that makes it so.
 */
export function untilMembers<M>(discovery: MemberSource<M>, predicate: (members: readonly M[]) => boolean, what: string, timeoutMs = 10_000): Promise<readonly M[]> {
  if (predicate(discovery.members())) return Promise.resolve(discovery.members());
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; members: ${JSON.stringify(discovery.members())}`));
    }, timeoutMs);
    const unsubscribe = discovery.onChange((members) => {
      if (!predicate(members)) return;
      clearTimeout(timer);
      unsubscribe();
      resolve(members);
    });
  });
}

/** One entry of `/v1/health/service/:name`, with the fields tests look at. */
export interface HealthEntry {
  Node: { Node: string; Address: string; Datacenter: string };
  Service: { ID: string; Service: string; Address: string; Port: number; Tags: string[]; Meta: Record<string, string>; CreateIndex: number; ModifyIndex: number };
  Checks: { CheckID: string; Name: string; Status: string; Output: string; ServiceID: string; Type: string; Interval: string; Timeout: string }[];
}

/** Where {@link untilHealth} reads: an agent and one service on it. */
export interface HealthTarget {
  /** `host:port` (plain HTTP) or `http(s)://host:port`. */
  address: string;
  serviceName: string;
  /** Sent as `X-Consul-Token`. @default none */
  token?: string;
  /** TLS material for an `https://` address. */
  tls?: FreshOptions['tls'];
}

/** The longest a single blocking read waits, so that the deadline is checked between reads. */
const MAX_BLOCK_MS = 5000;

/**
 * Follows `/v1/health/service/<serviceName>` on `target` with blocking
 * queries (/api-docs/features/blocking), and resolves with the entries as
 * soon as `predicate` holds: each wait ends on the agent's answer to a
 * change, not on a timer.
 */
export async function untilHealth(target: HealthTarget, predicate: (entries: HealthEntry[]) => boolean, what: string, timeoutMs = 10_000): Promise<HealthEntry[]> {
  const deadline = Date.now() + timeoutMs;
  const headers: Record<string, string> = target.token ? { 'X-Consul-Token': target.token } : {};
  const path = `/v1/health/service/${encodeURIComponent(target.serviceName)}`;
  let index = 0n;
  for (;;) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    const query = `?index=${index}&wait=${Math.ceil(Math.min(remaining, MAX_BLOCK_MS))}ms`;
    const answer = await freshRequest(target.address, 'GET', path + query, undefined, headers, { tls: target.tls, timeoutMs: remaining + 2000 });
    if (answer.status !== 200) throw new Error(`GET ${path} answered ${answer.status}: ${answer.text}`);
    const entries = JSON.parse(answer.text) as HealthEntry[];
    if (predicate(entries)) return entries;
    // The documented client rule: block on the returned index, and start over from 0 when it went backwards.
    const header = answer.headers['x-consul-index'];
    const returned = typeof header === 'string' && /^\d+$/.test(header) ? BigInt(header) : 0n;
    index = returned < index ? 0n : returned;
  }
}
