/**
 * A smoke run of the benchmark program (`--quick`: tiny key counts, no
 * peers) as a child process, so that the suite cannot rot: every workload
 * must report figures and no errors; one of the storage engine's floor
 * alone; and one with the replicated Redis peer, where redis-server is
 * installed. It times nothing: figures from a smoke run mean nothing.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResults, TargetResult } from '../../bench/results.js';
import { requireTool } from '../helpers/system-tool.js';
import { tempDir } from '../helpers/temp-dir.js';

const BENCH = fileURLToPath(new URL('../../bench/run.js', import.meta.url));

const WORKLOADS = [
  'batch-put', 'batch-lookup', 'stream-put', 'stream-lookup', 'single-put', 'single-put-1', 'single-lookup', 'mixed-50-50', 'mixed-95-5', 'cas', 'increment', 'large-put', 'large-lookup',
  'cluster-1-put', 'cluster-1-lookup', 'cluster-3-put', 'cluster-3-lookup', 'cluster-5-put', 'cluster-5-lookup',
].map((name) => `dstash ${name}`);

/** The `redis` group's workloads, each against dstash's Redis port and the replicated Redis. */
const REDIS_PORT_WORKLOADS = ['p1', 'p16', 'p16-one-key'].flatMap((mode) => ['set', 'get'].map((test) => `redis-port-${test}-${mode}`));

/** Every group but `redis`, which the Redis tools decide (its own test below). */
const ALL_BUT_REDIS = 'batch,streams,single,mixed,serial,1m,clusters,floor';

/** The `floor` group's workloads: classic-level alone. */
const FLOOR_WORKLOADS = ['leveldb write', 'leveldb getmany'];

/** The CPU targets, which carry the storage engine's floor. */
const CPU_TARGETS = [/^batch put \(N=3\) cluster CPU ≤ 15 µs per key$/, /^batch lookup \(R=2\) cluster CPU ≤ 9 µs per key$/];

/** The CPU targets of `targets`, in order; fails unless both are there. */
function cpuTargets(targets: readonly TargetResult[]): TargetResult[] {
  return CPU_TARGETS.map((pattern) => {
    const target = targets.find((t) => pattern.test(t.target));
    assert.ok(target, `a target matching ${String(pattern)}`);
    assert.equal(target.unit, 'µs');
    return target;
  });
}

describe('bench: --quick smoke run', function () {
  this.timeout(120_000);
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeEach(async () => {
    dir = await tempDir('dstash-bench-smoke-');
  });
  afterEach(() => dir.cleanup());

  const out = (name: string): string => join(dir.path, name);

  /** Runs `--quick` with `args`, outputs in the temp dir; resolves with what it printed and the JSON results. */
  async function runBench(args: string[]): Promise<{ output: string; results: BenchResults }> {
    const child = spawn(process.execPath, [BENCH, '--quick', ...args, '--json', out('results.json'), '--svg', out('chart.svg'), '--markdown', out('RESULTS.md')], {
      env: { ...process.env, CI: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { output += chunk; });
    const [code] = (await once(child, 'exit')) as [number | null];
    assert.equal(code, 0, output);
    return { output, results: JSON.parse(await readFile(out('results.json'), 'utf8')) as BenchResults };
  }

  it('runs every workload on its own cluster and writes the JSON, the chart and the report', async () => {
    const { output, results } = await runBench(['--peers', 'none', '--workloads', ALL_BUT_REDIS]);
    assert.deepEqual(results.measurements.map((m) => `${m.system} ${m.name}`), [...WORKLOADS, ...FLOOR_WORKLOADS]);
    for (const m of results.measurements) {
      assert.equal(m.errors, 0, `${m.name} had errors`);
      assert.ok(m.ops > 0 && m.ms > 0 && m.opsPerSec > 0 && m.cpuMs! > 0 && m.cpuUsPerOp! > 0, `${m.name} has figures: ${JSON.stringify(m)}`);
    }
    for (const m of results.measurements.filter((x) => /^(single-|mixed-|cas$|increment$)/.test(x.name))) {
      assert.ok(m.latency && m.latency.p50 > 0 && m.latency.p99 >= m.latency.p50 && m.latency.p999 >= m.latency.p99, `${m.name} latency`);
    }
    assert.deepEqual(results.comparisons.filter((c) => c.workload.startsWith('stream-')).map((c) => `${c.workload} ${c.peer}`),
      ['stream-put dstash batch-put', 'stream-lookup dstash batch-lookup'], 'the public streams beside the SDK\'s batches');
    assert.deepEqual(results.skipped, [], 'no peer was asked for');
    assert.ok(results.targets.length >= 7 && results.targets.every((t) => ['pass', 'miss', 'n/a'].includes(t.verdict)));
    for (const t of cpuTargets(results.targets)) {
      assert.ok(t.measured! > 0 && t.floor! > 0, `${t.target} has the cluster's figure and the floor: ${JSON.stringify(t)}`);
    }
    assert.ok(results.machine.cores > 0 && results.machine.node === process.version);
    assert.match(output, /dstash batch-put/, 'the table is printed');
    assert.match(await readFile(out('chart.svg'), 'utf8'), /^<svg[^>]*>[\s\S]*dstash batch-lookup[\s\S]*<\/svg>\n$/);
    assert.match(await readFile(out('RESULTS.md'), 'utf8'), /# dstash benchmark results[\s\S]*## Machine[\s\S]*chart\.svg[\s\S]*\(LevelDB alone: [\d.]+ µs\)/);
  });

  it('measures the storage engine alone with `--workloads floor`, without starting a cluster', async () => {
    const { output, results } = await runBench(['--workloads', 'floor']);
    assert.deepEqual(results.measurements.map((m) => `${m.system} ${m.name}`), FLOOR_WORKLOADS);
    for (const m of results.measurements) {
      assert.equal(m.errors, 0, `${m.name} had errors`);
      assert.ok(m.cpuUsPerOp! > 0 && m.serverCpuMs === undefined, `${m.name} has its CPU, no servers': ${JSON.stringify(m)}`);
    }
    assert.doesNotMatch(output, /starting a/, 'no cluster is started');
    for (const t of cpuTargets(results.targets)) {
      assert.ok(t.verdict === 'n/a' && t.floor! > 0, `${t.target} has the floor alone: ${JSON.stringify(t)}`);
    }
  });

  it('measures the replicated Redis peer (primary, 2 replicas, AOF) with its servers\' CPU, and compares it', async function () {
    requireTool(this, 'redis-server', 'redis-server');
    const { results } = await runBench(['--workloads', 'batch', '--peers', 'redis-aof-no']);
    assert.deepEqual(results.skipped, []);
    const peer = results.measurements.filter((m) => m.system === 'redis-aof-no');
    assert.deepEqual(peer.map((m) => m.name), ['mset-wait', 'mget']);
    for (const m of peer) {
      assert.equal(m.errors, 0, `${m.name} had errors`);
      assert.ok(m.opsPerSec > 0 && m.cpuMs! > 0 && m.serverCpuMs !== undefined, `${m.name} has figures: ${JSON.stringify(m)}`);
    }
    assert.deepEqual(results.comparisons.filter((c) => c.peer.startsWith('redis-aof-no')).map((c) => `${c.workload} ${c.peer}`),
      ['batch-put redis-aof-no mset-wait', 'batch-lookup redis-aof-no mget']);
    assert.ok(results.targets.some((t) => /replicated Redis MGET/.test(t.target) && t.verdict !== 'n/a'));
  });

  it('runs redis-benchmark in three modes against a node\'s Redis port and a replicated Redis, compares them and judges the Redis targets', async function () {
    requireTool(this, 'redis-benchmark', 'redis-tools');
    requireTool(this, 'redis-server', 'redis-server');
    const { results } = await runBench(['--workloads', 'redis', '--peers', 'none']);
    assert.deepEqual(results.skipped, []);
    assert.deepEqual(results.measurements.map((m) => `${m.system} ${m.name}`),
      [...REDIS_PORT_WORKLOADS.map((w) => `dstash ${w}`), ...REDIS_PORT_WORKLOADS.map((w) => `redis-aof-everysec ${w}`)]);
    for (const m of results.measurements) {
      assert.equal(m.errors, 0, `${m.system} ${m.name} had errors`);
      assert.ok(m.opsPerSec > 0 && m.cpuMs! > 0 && m.serverCpuMs !== undefined, `${m.system} ${m.name} has figures (the servers' CPU in 10 ms ticks, 0 for a short run): ${JSON.stringify(m)}`);
      assert.match(m.description, /^redis-benchmark -c 50 -t (set|get) -P (1|16)/);
    }
    assert.deepEqual(results.comparisons.map((c) => `${c.workload} ${c.peer}`), REDIS_PORT_WORKLOADS.map((w) => `${w} redis-aof-everysec ${w}`));
    const redisTargets = results.targets.filter((t) => t.target.startsWith('Redis port'));
    assert.equal(redisTargets.length, 6);
    for (const t of redisTargets) assert.ok(t.verdict !== 'n/a' && t.measured! > 0, `${t.target} is judged: ${JSON.stringify(t)}`);
    assert.match(results.peerVersions['redis-aof-everysec'] ?? '', /^\d+\.\d+/);
  });
});
