/**
 * Redis as a peer (redis-server from Debian, ioredis): MSET and MGET of
 * `batchSize` keys a command, all commands sent at once; one pipeline of
 * SETs and one of GETs over the whole data set; and single SET and GET calls
 * from the same number of concurrent callers as dstash's. No persistence
 * (`--save ''`, no AOF): Redis as a cache, its fastest configuration.
 */
import { Redis } from 'ioredis';
import { measure, timed, type Run } from '../measure.js';
import type { Measurement } from '../results.js';
import { retry } from '../retry.js';
import { callerWorkloads } from '../workloads/callers.js';
import type { BenchContext } from '../workloads/context.js';
import type { PeerSpec } from './peer.js';

/** Position ranges of `n` entries in chunks of `size`. */
function chunks(n: number, size: number): [number, number][] {
  return Array.from({ length: Math.ceil(n / size) }, (_, c) => [c * size, Math.min(n, (c + 1) * size)]);
}

/** Counts replies that are not the value stored under the same position. */
function wrongValues(replies: (Buffer | null | undefined)[], values: readonly Buffer[]): number {
  return replies.filter((reply, i) => !reply || !reply.equals(values[i]!)).length;
}

async function workloads(ctx: BenchContext, redis: Redis): Promise<Measurement[]> {
  const { options, dataSet } = ctx;
  const { keys, values } = dataSet;
  const n = keys.length;
  const ranges = chunks(n, options.batchSize);
  // Command arguments are built before the clock starts, as dstash's entries are.
  const msetArgs = ranges.map(([a, b]) => keys.slice(a, b).flatMap((k, j) => [k, values[a + j]!]));
  const mgetArgs = ranges.map(([a, b]) => keys.slice(a, b));
  const m = (name: string, description: string, task: () => Promise<Run>): Promise<Measurement> =>
    measure(ctx, { name, system: 'redis', description, ops: n }, () => ctx.progress.around(`redis ${name}`, task));

  const out = [
    await m('mset', `MSET of ${options.batchSize} keys a command, ${n} keys`, async () => {
      const { ms, value } = await timed(() => Promise.all(msetArgs.map((args) => redis.mset(...args))));
      return { ms, errors: value.filter((reply) => reply !== 'OK').length * options.batchSize };
    }),
    await m('mget', `MGET of ${options.batchSize} keys a command, ${n} keys`, async () => {
      const { ms, value } = await timed(() => Promise.all(mgetArgs.map((args) => redis.mgetBuffer(...args))));
      return { ms, errors: wrongValues(value.flat(), values) };
    }),
    await m('pipeline-set', `one pipeline of ${n} SETs`, async () => {
      const { ms, value } = await timed(() => {
        const pipeline = redis.pipeline();
        for (let i = 0; i < n; i++) pipeline.set(keys[i]!, values[i]!);
        return pipeline.exec();
      });
      return { ms, errors: (value ?? []).filter(([err]) => err).length };
    }),
    await m('pipeline-get', `one pipeline of ${n} GETs`, async () => {
      const { ms, value } = await timed(() => {
        const pipeline = redis.pipeline();
        for (let i = 0; i < n; i++) pipeline.getBuffer(keys[i]!);
        return pipeline.exec();
      });
      return { ms, errors: wrongValues((value ?? []).map(([, reply]) => reply as Buffer | null), values) };
    }),
  ];
  const store = { put: (key: Buffer, value: Buffer) => redis.set(key, value), lookup: (key: Buffer) => redis.getBuffer(key) };
  out.push(...(await callerWorkloads(ctx, 'redis', () => store, ['single'])));
  return out;
}

/** Redis, started on a free loopback port with a fresh directory and no persistence. */
export const redisPeer: PeerSpec<Redis> = {
  name: 'redis',
  binary: 'redis-server',
  aptPackage: 'redis-server',
  ports: 1,
  args: ([port], dir) => ['--port', String(port), '--bind', '127.0.0.1', '--protected-mode', 'yes', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning'],
  async connect([port]) {
    const client = await retry(async () => {
      const redis = new Redis({ host: '127.0.0.1', port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
      // Failures reach the caller through connect() and each command's promise.
      redis.on('error', () => undefined);
      try {
        await redis.connect();
        return redis;
      } catch (err) {
        redis.disconnect();
        throw err;
      }
    }, `redis on port ${port}`);
    const version = /redis_version:(\S+)/.exec(await client.info('server'))?.[1] ?? 'unknown';
    return { client, version, close: async () => void (await client.quit()) };
  },
  run: workloads,
};
