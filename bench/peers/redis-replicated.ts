/**
 * Redis with durability, as a peer: a primary and 2 replicas (`--replicaof`),
 * each its own redis-server on loopback with its own data dir and an
 * append-only file, which the kernel flushes (`appendfsync no`, peer
 * `redis-aof-no`) or Redis fsyncs every second (`everysec`, peer
 * `redis-aof-everysec`). Measured once both replicas are online and no
 * server forks in the background (a replica rewrites its AOF after its first
 * sync, which would skew the figures): MSET of
 * `batchSize` keys, each followed by `WAIT 1` (on the primary and at least one
 * replica, as dstash's W=2), `concurrency` batches in flight on a connection
 * each; and MGET from the primary, as the in-memory peer's.
 */
import type { Redis } from 'ioredis';
import { timed } from '../measure.js';
import type { Measurement } from '../results.js';
import { retry } from '../retry.js';
import type { BenchContext } from '../workloads/context.js';
import { batchArgs, measureMget, measureRedis } from './redis-batches.js';
import { connectRedis, redisServerArgs, redisVersion } from './redis-server.js';
import type { PeerSpec } from './peer.js';

/** Replicas of the primary. */
const REPLICAS = 2;
/** Replicas each WAIT waits for: with the primary, two copies, as dstash's W=2. */
const WAIT_REPLICAS = 1;
/** How long a WAIT may block, ms; a batch whose WAIT ends short of its replica counts as failed. */
const WAIT_TIMEOUT_MS = 5000;

/** The AOF fsync policies measured. */
export type Fsync = 'no' | 'everysec';

/** A connection to the primary, and its port for more. */
export interface Primary {
  redis: Redis;
  port: number;
}

/**
 * Why the servers (primary first) are not ready to be measured, or undefined
 * once the primary lists every replica `online` and no server has a fork
 * writing its AOF or an RDB.
 */
async function notReady(servers: readonly Redis[]): Promise<string | undefined> {
  const infos = await Promise.all(servers.map((redis) => redis.info()));
  const online = infos[0]!.match(/^slave\d+:.*state=online/gm)?.length ?? 0;
  if (online < REPLICAS) return `${online} of ${REPLICAS} replicas online`;
  const busy = infos.findIndex((info) => /^(aof_rewrite_in_progress|aof_rewrite_scheduled|rdb_bgsave_in_progress):1/m.test(info));
  return busy < 0 ? undefined : `server ${busy} (0: the primary) still writing in the background`;
}

async function workloads(ctx: BenchContext, primary: Primary, system: Measurement['system']): Promise<Measurement[]> {
  const { options, dataSet } = ctx;
  const args = batchArgs(ctx);
  const inFlight = Math.min(options.concurrency, args.mset.length);
  // WAIT blocks its connection until a replica acknowledges: one connection for each batch in flight.
  const pool: Redis[] = [];
  try {
    for (let i = 0; i < inFlight; i++) pool.push(await connectRedis(primary.port));
    const description = `MSET of ${options.batchSize} keys + WAIT ${WAIT_REPLICAS}, ${inFlight} in flight, ${dataSet.keys.length} keys`;
    const put = await measureRedis(ctx, system, 'mset-wait', description, async () => {
      let next = 0;
      const connection = async (redis: Redis): Promise<number> => {
        let failed = 0;
        while (next < args.mset.length) {
          const kv = args.mset[next++]!;
          // Sent together: no round trip between the MSET and its WAIT.
          const [reply, acked] = await Promise.all([redis.mset(...kv), redis.wait(WAIT_REPLICAS, WAIT_TIMEOUT_MS)]);
          if (reply !== 'OK' || acked < WAIT_REPLICAS) failed += kv.length / 2;
        }
        return failed;
      };
      const { ms, value } = await timed(() => Promise.all(pool.map(connection)));
      return { ms, errors: value.reduce((sum, failed) => sum + failed, 0) };
    }, async () => {
      // Every run writes new keys, as dstash's do: empty the primary and the replicas first, off the clock.
      await primary.redis.flushall('SYNC');
      await primary.redis.wait(REPLICAS, WAIT_TIMEOUT_MS);
    });
    return [put, await measureMget(ctx, system, primary.redis, args)];
  } finally {
    for (const redis of pool) redis.disconnect();
  }
}

/**
 * A primary and 2 replicas with AOF and appendfsync `fsync`, on free loopback
 * ports, each with a fresh directory; measured by `run` (by default, this
 * peer's MSET + WAIT and MGET workloads).
 */
export function replicatedRedisPeer(fsync: Fsync, run?: PeerSpec<Primary>['run']): PeerSpec<Primary> {
  const name = `redis-aof-${fsync}` as const;
  return {
    name,
    binary: 'redis-server',
    aptPackage: 'redis-server',
    servers: 1 + REPLICAS,
    ports: 1 + REPLICAS,
    args: (ports, dir, server) => redisServerArgs(ports[server]!, dir, [
      '--appendonly', 'yes', '--appendfsync', fsync,
      // The replicas' first sync starts at once, not after the default 5 s wait for more replicas.
      '--repl-diskless-sync-delay', '0',
      ...(server === 0 ? [] : ['--replicaof', '127.0.0.1', String(ports[0])]),
    ]),
    async connect(ports) {
      const servers: Redis[] = [];
      try {
        for (const port of ports) servers.push(await connectRedis(port));
        await retry(async () => {
          const why = await notReady(servers);
          if (why) throw new Error(why);
        }, `${name}'s primary and replicas`);
        const redis = servers[0]!;
        const version = await redisVersion(redis);
        // The replicas' connections served the readiness check only.
        for (const replica of servers.slice(1)) replica.disconnect();
        return { client: { redis, port: ports[0]! }, version, close: async () => void (await redis.quit()) };
      } catch (err) {
        for (const redis of servers) redis.disconnect();
        throw err;
      }
    },
    run: run ?? ((ctx, primary) => workloads(ctx, primary, name)),
  };
}

/** Primary + 2 replicas, AOF written without fsync (the kernel flushes it). */
export const redisAofNoPeer = replicatedRedisPeer('no');
/** Primary + 2 replicas, AOF fsynced every second. */
export const redisAofEverysecPeer = replicatedRedisPeer('everysec');
