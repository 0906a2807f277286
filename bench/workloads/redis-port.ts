/**
 * The `redis` group: what a Redis user's first test shows. redis-benchmark
 * (Debian redis-tools) with 50 connections, SET then GET in three modes — no
 * pipelining over `keys` random keys (`-P 1 -r`), pipelines of 16 (`-P 16
 * -r`), and pipelines of 16 on one key (`-P 16` without `-r`, redis-benchmark's
 * default) — against one node's Redis port of a local cluster of its own (N, W,
 * R as the suite's, the port's QUORUM), then the same against a Redis primary
 * with 2 replicas and AOF `everysec`, in the same run. CPU is the servers'
 * (the nodes', or Redis's three processes) and this process's; redis-benchmark's
 * own is not counted.
 */
import { execFile } from 'node:child_process';
import { LocalCluster } from '../cluster/local-cluster.js';
import { measure, type Run } from '../measure.js';
import { findBinary } from '../peers/launch.js';
import { runPeer } from '../peers/peer.js';
import { replicatedRedisPeer } from '../peers/redis-replicated.js';
import { connectRedis } from '../peers/redis-server.js';
import { retry } from '../retry.js';
import type { Measurement, SkippedPeer } from '../results.js';
import type { BenchContext } from './context.js';

/** Connections, as in the issue's and most users' runs. */
const CONNECTIONS = 50;
/** Keys the warm-up writes before the clock starts. */
const WARM_UP_KEYS = 64;

/** A redis-benchmark mode: its name in the workload ids, and the arguments it adds. */
interface Mode {
  id: string;
  args: (keys: number) => string[];
  what: string;
}

/** The three modes, in the order they run. */
export const REDIS_MODES: readonly Mode[] = [
  { id: 'p1', args: (keys) => ['-P', '1', '-r', String(keys)], what: 'no pipelining, random keys' },
  { id: 'p16', args: (keys) => ['-P', '16', '-r', String(keys)], what: 'pipelines of 16, random keys' },
  { id: 'p16-one-key', args: () => ['-P', '16'], what: 'pipelines of 16, one key' },
];

/** The commands each mode runs, SET first so that GET finds the keys. */
export const REDIS_TESTS = ['set', 'get'] as const;

/** The id of a measurement of this group: `redis-port-set-p1` … */
export function redisPortWorkload(test: (typeof REDIS_TESTS)[number], mode: string): string {
  return `redis-port-${test}-${mode}`;
}

/** What the group measured, the Redis version it measured beside dstash, and the systems it could not. */
export interface RedisPortOutcome {
  measurements: Measurement[];
  versions: Record<string, string>;
  skipped: SkippedPeer[];
}

/**
 * One redis-benchmark run: its requests a second from the CSV, as a run of
 * `ops` (its wall time derived from that rate), and 1 error when it reported
 * a server error.
 */
function redisBenchmark(port: number, args: readonly string[], ops: number): Promise<Run> {
  const argv = ['-h', '127.0.0.1', '-p', String(port), '-c', String(CONNECTIONS), '-n', String(ops), '--csv', ...args];
  return new Promise((resolve, reject) => {
    execFile('redis-benchmark', argv, { timeout: 10 * 60_000 }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`redis-benchmark ${argv.join(' ')} failed: ${err.message} ${stderr}`));
      const row = /^"[A-Z]+","([\d.]+)"/m.exec(stdout);
      if (!row) return reject(new Error(`redis-benchmark printed no figures: ${stdout.slice(0, 300)} ${stderr.slice(0, 300)}`));
      const rps = Number(row[1]);
      resolve({ ms: (ops / rps) * 1000, errors: /error/i.test(stderr) ? 1 : 0 });
    });
  });
}

/** Every mode and test against the Redis port at `port`, as `system`. */
async function modes(ctx: BenchContext, system: Measurement['system'], port: number, target: string): Promise<Measurement[]> {
  const { ops, keys } = ctx.options;
  const out: Measurement[] = [];
  for (const mode of REDIS_MODES) {
    for (const test of REDIS_TESTS) {
      const args = ['-t', test, ...mode.args(keys)];
      const name = redisPortWorkload(test, mode.id);
      out.push(await ctx.progress.around(`${system} ${name}`, () => measure(ctx, {
        name,
        system,
        description: `redis-benchmark -c ${CONNECTIONS} ${args.join(' ')} (${mode.what}) against ${target}`,
        ops,
      }, () => redisBenchmark(port, args, ops))));
    }
  }
  return out;
}

/** Runs the group; a missing redis-benchmark or redis-server is a skip with the reason, as a missing peer is. */
export async function redisPortWorkloads(main: BenchContext): Promise<RedisPortOutcome> {
  if (!(await findBinary('redis-benchmark'))) {
    return { measurements: [], versions: {}, skipped: [{ peer: 'redis (workload)', reason: 'redis-benchmark is not on the PATH (install it: apt-get install redis-tools)' }] };
  }
  const { options } = main;
  const measurements: Measurement[] = [];
  main.progress.note(`starting a ${options.nodes}-node cluster with Redis ports for redis-benchmark`);
  const cluster = await LocalCluster.start({ ...options, redis: true });
  try {
    const ctx: BenchContext = { ...main, cpu: () => cluster.cpu() };
    // Off the clock, writes of keys on every preference list (64 keys, all orders of 3 nodes many times over) open the
    // node's connections to every replica.
    await retry(async () => {
      const redis = await connectRedis(cluster.redisPorts[0]!);
      try {
        const pipeline = redis.pipeline();
        for (let i = 0; i < WARM_UP_KEYS; i++) pipeline.set(`redis-benchmark:warm-up:${i}`, '1');
        const failed = (await pipeline.exec())?.find(([err]) => err);
        if (failed) throw failed[0]!;
      } finally {
        redis.disconnect();
      }
    }, 'the Redis port to take writes at QUORUM on every replica set');
    const target = `node 1 of ${options.nodes} (N=${cluster.quorums.replicas}, QUORUM)`;
    measurements.push(...(await modes(ctx, 'dstash', cluster.redisPorts[0]!, target)));
  } finally {
    await cluster.stop();
  }
  const peer = await runPeer(main, replicatedRedisPeer('everysec', (ctx, primary) => modes(ctx, 'redis-aof-everysec', primary.port, 'the primary (2 replicas, AOF everysec)')));
  if ('skipped' in peer) return { measurements, versions: {}, skipped: [{ peer: 'redis-aof-everysec (redis workload)', reason: peer.skipped }] };
  return { measurements: [...measurements, ...peer.measurements], versions: { 'redis-aof-everysec': peer.version }, skipped: [] };
}
