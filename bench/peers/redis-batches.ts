/**
 * What the Redis peers' batch workloads share: the data set cut into MSET
 * and MGET arguments of `batchSize` keys (built before the clock starts, as
 * dstash's entries are), and the MGET workload, which checks every value.
 */
import type { Redis } from 'ioredis';
import { measure, timed, type Run } from '../measure.js';
import type { Measurement } from '../results.js';
import type { BenchContext } from '../workloads/context.js';

/** The arguments of each command: `[key, value, key, value, …]` for MSET, keys for MGET. */
export interface BatchArgs {
  mset: Buffer[][];
  mget: Buffer[][];
}

/** The data set in commands of `batchSize` keys. */
export function batchArgs(ctx: BenchContext): BatchArgs {
  const { keys, values } = ctx.dataSet;
  const size = ctx.options.batchSize;
  const ranges = Array.from({ length: Math.ceil(keys.length / size) }, (_, c) => [c * size, Math.min(keys.length, (c + 1) * size)] as const);
  return {
    mset: ranges.map(([a, b]) => keys.slice(a, b).flatMap((k, j) => [k, values[a + j]!])),
    mget: ranges.map(([a, b]) => keys.slice(a, b)),
  };
}

/** Counts replies that are not the value stored under the same position. */
export function wrongValues(replies: (Buffer | null | undefined)[], values: readonly Buffer[]): number {
  return replies.filter((reply, i) => !reply || !reply.equals(values[i]!)).length;
}

/** Measures workload `name` of `system` over the whole data set, with a progress line. */
export function measureRedis(ctx: BenchContext, system: Measurement['system'], name: string, description: string, task: () => Promise<Run>, prepare?: () => Promise<void>): Promise<Measurement> {
  const info = { name, system, description, ops: ctx.dataSet.keys.length };
  return measure(ctx, info, () => ctx.progress.around(`${system} ${name}`, task), prepare);
}

/** `mget`: the data set in MGETs of `batchSize` keys, all sent at once on `redis`. */
export function measureMget(ctx: BenchContext, system: Measurement['system'], redis: Redis, args: BatchArgs): Promise<Measurement> {
  const { options, dataSet } = ctx;
  return measureRedis(ctx, system, 'mget', `MGET of ${options.batchSize} keys a command, ${dataSet.keys.length} keys`, async () => {
    const { ms, value } = await timed(() => Promise.all(args.mget.map((keys) => redis.mgetBuffer(...keys))));
    return { ms, errors: wrongValues(value.flat(), dataSet.values) };
  });
}
