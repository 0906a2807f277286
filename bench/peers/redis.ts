/**
 * Redis as a peer (redis-server from Debian, ioredis): MSET and MGET of
 * `batchSize` keys a command, all commands sent at once; one pipeline of
 * SETs and one of GETs over the whole data set; and single SET and GET calls
 * from the same number of concurrent callers as dstash's. No persistence
 * (`--save ''`, no AOF): Redis as a cache, its fastest configuration.
 */
import type { Redis } from 'ioredis';
import { timed } from '../measure.js';
import type { Measurement } from '../results.js';
import { callerWorkloads } from '../workloads/callers.js';
import type { BenchContext } from '../workloads/context.js';
import { batchArgs, measureMget, measureRedis, wrongValues } from './redis-batches.js';
import { connectRedis, redisServerArgs, redisVersion } from './redis-server.js';
import type { PeerSpec } from './peer.js';

async function workloads(ctx: BenchContext, redis: Redis): Promise<Measurement[]> {
  const { options, dataSet } = ctx;
  const { keys, values } = dataSet;
  const n = keys.length;
  const args = batchArgs(ctx);
  const out = [
    await measureRedis(ctx, 'redis', 'mset', `MSET of ${options.batchSize} keys a command, ${n} keys`, async () => {
      const { ms, value } = await timed(() => Promise.all(args.mset.map((kv) => redis.mset(...kv))));
      return { ms, errors: value.filter((reply) => reply !== 'OK').length * options.batchSize };
    }),
    await measureMget(ctx, 'redis', redis, args),
    await measureRedis(ctx, 'redis', 'pipeline-set', `one pipeline of ${n} SETs`, async () => {
      const { ms, value } = await timed(() => {
        const pipeline = redis.pipeline();
        for (let i = 0; i < n; i++) pipeline.set(keys[i]!, values[i]!);
        return pipeline.exec();
      });
      return { ms, errors: (value ?? []).filter(([err]) => err).length };
    }),
    await measureRedis(ctx, 'redis', 'pipeline-get', `one pipeline of ${n} GETs`, async () => {
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
  args: ([port], dir) => redisServerArgs(port!, dir, ['--appendonly', 'no']),
  async connect([port]) {
    const client = await connectRedis(port!);
    return { client, version: await redisVersion(client), close: async () => void (await client.quit()) };
  },
  run: workloads,
};
