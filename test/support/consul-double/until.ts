/**
 * Waiting in tests of Consul code without fixed sleeps: on membership events
 * where there are some, else by polling a condition that resolves as soon as
 * it holds, both under an overall deadline.
 */
import { ConsulHttp } from '../../../src/discovery/consul-http.js';
import { parseIndex } from '../../../src/discovery/consul-index.js';
import { resolveConsulOptions, type ConsulOptions } from '../../../src/discovery/consul-options.js';
import type { Discovery, Member } from '../../../src/discovery/discovery.js';

/** How often {@link until} looks again. */
const POLL_MS = 10;

/** Resolves once `condition()` is true; rejects naming `what` after `timeoutMs`. */
export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/**
 * Resolves with the member list as soon as `predicate` holds for it: at once
 * when it already does, else on the `onChange` event that makes it so.
 */
export function untilMembers(discovery: Discovery, predicate: (members: readonly Member[]) => boolean, what: string, timeoutMs = 10_000): Promise<readonly Member[]> {
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

/**
 * Follows `/v1/health/service/<serviceName>` on the agent that `options`
 * name (address, TLS and token resolved as dstash does) with blocking
 * queries, and resolves with the entries as soon as `predicate` holds: each
 * wait ends on the agent's answer to a change, not on a timer.
 */
export async function untilHealth(options: ConsulOptions, predicate: (entries: HealthEntry[]) => boolean, what: string, timeoutMs = 10_000): Promise<HealthEntry[]> {
  const resolved = resolveConsulOptions(options);
  const http = new ConsulHttp(resolved);
  const deadline = Date.now() + timeoutMs;
  let index = '0';
  try {
    for (;;) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      const reply = await http.request<HealthEntry[]>('GET', `/health/service/${encodeURIComponent(resolved.serviceName)}`, {
        query: { index, wait: `${Math.ceil(Math.min(remaining, 5000))}ms` },
        timeoutMs: remaining + 2000,
      });
      if (predicate(reply.body)) return reply.body;
      index = parseIndex(reply.headers['x-consul-index']).toString();
    }
  } finally {
    http.close();
  }
}
