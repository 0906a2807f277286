/**
 * Serial (consensus) workloads from concurrent callers: compare-and-set and
 * increment. Each caller owns one key (key number `caller`, fresh in every
 * run), so that no two callers contend: every operation is one consensus
 * round that applies, and a conflict would be a fault, not the workload.
 * etcd runs the same compare-and-set workload through the same code, with
 * the same callers and keys.
 */
import type { Client } from '../../src/index.js';
import type { Measurement } from '../results.js';
import type { BenchContext } from './context.js';
import { measureCallers } from './callers.js';

/** What a key's version is expected to be: a version the store gave out, or absent. */
export type ExpectedVersion<V> = V | 'absent';

/** A store's compare-and-set on one key. */
export interface CasStore<V> {
  /**
   * Writes `value` when the key's version is `expected` (or when it is absent,
   * with 'absent'); answers whether it applied and the key's version after
   * it (the current one when it did not apply). A failure rejects.
   */
  compareAndSet(key: Buffer, expected: ExpectedVersion<V>, value: Buffer): Promise<{ applied: boolean; version: ExpectedVersion<V> }>;
}

/**
 * `cas`: each of `callers` callers, on its own key, sets it with the version
 * its previous compare-and-set returned (the first one expects it absent).
 * An operation that did not apply counts as failed; its result carries the
 * key's current version, so the caller's next operation applies again. A
 * rejected one leaves the caller's version stale for one operation, which
 * then fails too and picks up the current one.
 */
export function casWorkload<V>(ctx: BenchContext, system: Measurement['system'], stores: (run: number) => CasStore<V>, ops: number): Promise<Measurement> {
  const { data } = ctx;
  const { callers } = ctx.options;
  const description = `compare-and-set, own key each, ${callers} callers`;
  return measureCallers(ctx, { name: 'cas', system, description }, callers, ops, (r) => {
    const store = stores(r);
    const expected = Array.from({ length: callers }, (): ExpectedVersion<V> => 'absent');
    return async (i, caller) => {
      const result = await store.compareAndSet(data.key(caller), expected[caller]!, data.value(i));
      expected[caller] = result.version;
      return result.applied;
    };
  });
}

/** dstash's compare-and-set, in index `cas-<run>`. */
export function dstashCas(client: Client): (run: number) => CasStore<Buffer> {
  return (run) => {
    const index = `cas-${run}`;
    return {
      async compareAndSet(key, expected, value) {
        const result = await client.compareAndSet(key, expected, value, { index });
        return { applied: result.applied, version: result.found ? result.version! : 'absent' };
      },
    };
  };
}

/**
 * `increment`: each of `callers` callers increments its own counter, in
 * index `increment-<run>`. After each run the counters are read back
 * (linearizably, off the clock) and must sum to the operations that
 * succeeded, or the run fails: a wrong count must not become a figure.
 */
export function incrementWorkload(ctx: BenchContext, client: Client, ops: number): Promise<Measurement> {
  const { data } = ctx;
  const { callers } = ctx.options;
  const description = `increment, own counter each, ${callers} callers`;
  const index = (run: number): string => `increment-${run}`;
  return measureCallers(ctx, { name: 'increment', system: 'dstash', description }, callers, ops, (r) => async (_i, caller) => {
    await client.increment(data.key(caller), 1, { index: index(r) });
    return true;
  }, async (r, result) => {
    const counters = Math.min(callers, ops);
    const values = await Promise.all(Array.from({ length: counters }, (_, c) => client.serialLookup(data.key(c), { index: index(r) })));
    const sum = values.reduce((total, v) => total + (v.found ? BigInt(v.value!.toString('ascii')) : 0n), 0n);
    const succeeded = BigInt(ops - result.errors);
    if (sum !== succeeded) throw new Error(`increment: the ${counters} counters sum to ${sum}, but ${succeeded} of ${ops} increments succeeded`);
  });
}

/**
 * Unmeasured increments each caller makes before the serial workloads. One
 * each was not enough: the first measured workload (`cas`) then paid for
 * compiling the consensus path in the client and the nodes, and came out at
 * about half the throughput of `increment` right after it.
 */
const SERIAL_WARM_UP_ROUNDS = 20;

/**
 * The `serial` group on dstash: `cas` then `increment`, `serialOps`
 * operations each. Unmeasured increments first (not in a `quick` run), as
 * the batch warm-up does for the plain paths: the client opens its
 * connections to the acceptors, and the consensus path gets compiled.
 */
export async function serialWorkloads(ctx: BenchContext, client: Client): Promise<Measurement[]> {
  const { serialOps, callers } = ctx.options;
  if (!ctx.options.quick) {
    await ctx.progress.around('warming up serial operations', () => Promise.all(
      Array.from({ length: callers }, async (_, c) => {
        for (let round = 0; round < SERIAL_WARM_UP_ROUNDS; round++) await client.increment(ctx.data.key(c), 1, { index: 'warm-up-serial' });
      }),
    ));
  }
  return [await casWorkload(ctx, 'dstash', dstashCas(client), serialOps), await incrementWorkload(ctx, client, serialOps)];
}
