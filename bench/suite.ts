/**
 * The whole suite: dstash's workloads on its own local cluster, then the
 * storage engine's alone (once the clusters have stopped, so that nothing
 * else runs in this process), then each peer's, and the comparisons and
 * targets that tie them together.
 */
import { LocalCluster } from './cluster/local-cluster.js';
import type { PeerName } from './options.js';
import { describeMachine } from './report/machine.js';
import { compare } from './report/compare.js';
import { judgeTargets } from './report/targets.js';
import { etcdPeer } from './peers/etcd.js';
import { runPeer, type PeerOutcome } from './peers/peer.js';
import { redisPeer } from './peers/redis.js';
import { redisAofEverysecPeer, redisAofNoPeer } from './peers/redis-replicated.js';
import type { BenchResults, Measurement, SkippedPeer } from './results.js';
import { batchWorkloads, clientOptions, clusterWorkloads, largeWorkloads, putBatch, warmUp } from './workloads/batch.js';
import { callerWorkloads, dstashSingleKeys, type CallerGroup } from './workloads/callers.js';
import type { BenchContext } from './workloads/context.js';
import { floorWorkloads } from './workloads/floor.js';
import { redisPortWorkloads } from './workloads/redis-port.js';
import { serialWorkloads } from './workloads/serial.js';
import { streamWorkloads } from './workloads/streams.js';

const PEERS: Record<PeerName, (ctx: BenchContext) => Promise<PeerOutcome>> = {
  redis: (ctx) => runPeer(ctx, redisPeer),
  'redis-aof-no': (ctx) => runPeer(ctx, redisAofNoPeer),
  'redis-aof-everysec': (ctx) => runPeer(ctx, redisAofEverysecPeer),
  etcd: (ctx) => runPeer(ctx, etcdPeer),
};

/** Runs dstash's workload groups on the main cluster (`clusters` on clusters of its own). */
async function dstashWorkloads(main: BenchContext): Promise<Measurement[]> {
  const { options } = main;
  const groups = new Set(options.workloads);
  const out: Measurement[] = [];
  if (['batch', 'streams', 'single', 'mixed', 'serial', '1m'].some((g) => groups.has(g as never))) {
    main.progress.note(`starting a ${options.nodes}-node cluster (N=${options.replicas} W=${options.writeQuorum} R=${options.readQuorum}${options.inProcess ? ', in-process' : ''})`);
    const cluster = await LocalCluster.start(options);
    const ctx: BenchContext = { ...main, cpu: () => cluster.cpu() };
    const client = cluster.client(clientOptions(options));
    try {
      await warmUp(ctx, client);
      if (groups.has('batch')) out.push(...(await batchWorkloads(ctx, client)));
      if (groups.has('streams')) out.push(...(await streamWorkloads(ctx, cluster.addresses[0]!)));
      const callers = (['single', 'mixed'] as const).filter((g): g is CallerGroup => groups.has(g));
      if (callers.length > 0) {
        // The caller workloads read the data set from index batch-0, which `batch` leaves behind.
        if (!groups.has('batch')) await ctx.progress.around('loading the data set', () => putBatch(client, 'batch-0', ctx.dataSet));
        out.push(...(await callerWorkloads(ctx, 'dstash', dstashSingleKeys(client), callers)));
      }
      if (groups.has('serial')) out.push(...(await serialWorkloads(ctx, client)));
      if (groups.has('1m')) out.push(...(await largeWorkloads(ctx, client)));
    } finally {
      await client.close();
      await cluster.stop();
    }
  }
  if (groups.has('clusters')) out.push(...(await clusterWorkloads(main)));
  return out;
}

/** Runs everything the options ask for and puts the results together. */
export async function runSuite(ctx: BenchContext): Promise<BenchResults> {
  const startedAt = new Date();
  const measurements = await dstashWorkloads(ctx);
  const skipped: SkippedPeer[] = [];
  const peerVersions: Record<string, string> = {};
  if (ctx.options.workloads.includes('redis')) {
    const redis = await redisPortWorkloads(ctx);
    measurements.push(...redis.measurements);
    skipped.push(...redis.skipped);
    Object.assign(peerVersions, redis.versions);
    for (const s of redis.skipped) ctx.progress.note(`skipping ${s.peer}: ${s.reason}`);
  }
  if (ctx.options.workloads.includes('floor')) measurements.push(...(await floorWorkloads(ctx)));
  for (const name of ctx.options.peers) {
    const outcome = await PEERS[name](ctx);
    if ('skipped' in outcome) {
      ctx.progress.note(`skipping ${name}: ${outcome.skipped}`);
      skipped.push({ peer: name, reason: outcome.skipped });
    } else {
      measurements.push(...outcome.measurements);
      peerVersions[name] = outcome.version;
    }
  }
  const { json: _json, svg: _svg, markdown: _markdown, ...config } = ctx.options;
  return {
    startedAt: startedAt.toISOString(),
    durationMs: Date.now() - startedAt.getTime(),
    machine: describeMachine(),
    config,
    measurements,
    comparisons: compare(measurements),
    targets: judgeTargets(measurements, ctx.options),
    skipped,
    peerVersions,
  };
}
