/**
 * Faults on the write path, with real node processes and load running
 * (DESIGN.md, "Quorums settle at W/R"): a frozen replica (SIGSTOP) and a
 * killed one (kill -9, restarted on its data dir) must not fail or stall a
 * QUORUM write, and every replica must hold every acknowledged key within
 * seconds of answering again, with no repair run (anti-entropy runs every
 * 10 min, and these tests do not read through the coordinator).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import type { Client } from '../../../src/index.js';
import { CallerLoad, percentile } from '../../helpers/caller-load.js';
import { untilOnHomeReplicas } from '../../helpers/cluster-checks.js';
import { ProcessCluster } from '../../helpers/process-cluster.js';
import { requireMachine } from '../../helpers/system-tool.js';
import { waitFor } from '../../helpers/wait.js';

/** The user the nodes run as in the partition test, so that iptables can cut the test's own connections only. */
const NODE_UID = 4243;

/** True when iptables can be used (root, and the binary is there). */
function iptablesWorks(): boolean {
  try {
    execFileSync('iptables', ['-w', '-L', 'OUTPUT', '-n'], { stdio: 'ignore' });
    return process.getuid?.() === 0;
  } catch {
    return false;
  }
}

/** How long a replica stays frozen. */
const FREEZE_MS = 10_000;
/** How long after a replica answers again every replica must be complete. */
const COMPLETE_WITHIN_MS = 20_000;

describe('faults: the write path under a frozen or killed replica', function () {
  this.timeout(120_000);
  let cluster: ProcessCluster | undefined;
  let client: Client | undefined;

  let rule: string[] | undefined;

  afterEach(async () => {
    if (rule) execFileSync('iptables', ['-w', '-D', ...rule]);
    rule = undefined;
    for (const n of cluster?.nodes ?? []) n.process.child.kill('SIGCONT');
    await client?.close();
    await cluster?.stop();
    client = undefined;
    cluster = undefined;
  });

  /** Waits until every home replica holds every acknowledged key; returns the seconds it took from `since`. */
  async function complete(c: ProcessCluster, acked: ReadonlyMap<string, string>, since: number): Promise<number> {
    await untilOnHomeReplicas(acked, c.addresses(), since + COMPLETE_WITHIN_MS);
    return (Date.now() - since) / 1000;
  }

  it('SIGSTOP one of 3 nodes for 10 s under QUORUM writes: no write fails or takes 1 s, and every replica is complete within 20 s', async () => {
    ({ cluster, client } = await ProcessCluster.withClient(3));
    const load = new CallerLoad(client, { prefix: 'frozen', callers: 32, kind: 'put', maxCalls: 400_000 });
    load.start();
    await load.untilMore(2000);
    const limit = load.latencyLimit();
    const frozen = cluster.node('node-3').process.child;
    frozen.kill('SIGSTOP');
    const stoppedAt = Date.now();
    // The fault itself lasts a fixed time; nothing here waits on it to sync.
    await new Promise((resolve) => setTimeout(resolve, FREEZE_MS));
    frozen.kill('SIGCONT');
    const resumedAt = Date.now();
    const duringFreeze = load.figures.requests;
    await load.untilMore(2000);
    const figures = await load.stop();
    const seconds = await complete(cluster, load.acked, resumedAt);
    const stats = client.stats();
    console.log(`      SIGSTOP ${(resumedAt - stoppedAt) / 1000} s: ${figures.requests} requests (${duringFreeze} by the end of the freeze), ${figures.failed} failed, max ${figures.maxLatencyMs.toFixed(0)} ms, p99 ${percentile(load.latencies, 0.99).toFixed(1)} ms; every replica complete ${seconds.toFixed(1)} s after SIGCONT; hints left ${stats.hintsWritten}`);
    assert.equal(figures.failed, 0, figures.errors.join('\n'));
    assert.ok(figures.maxLatencyMs < limit, `over ${limit} ms: slowest writes (ms after SIGSTOP): ${load.slowest(stoppedAt)}`);
    assert.ok(stats.hintsWritten > 0, 'the writes node-3 missed left hints');
  });

  it('kill -9 one of 3 nodes and restart it: no write fails, and every replica is complete within 20 s of the restart', async () => {
    ({ cluster, client } = await ProcessCluster.withClient(3));
    const load = new CallerLoad(client, { prefix: 'killed', callers: 32, kind: 'put', maxCalls: 400_000 });
    load.start();
    await load.untilMore(2000);
    const limit = load.latencyLimit();
    const killedAt = Date.now();
    await cluster.kill('node-3');
    await load.untilMore(5000);
    await cluster.restart('node-3');
    const restartedAt = Date.now();
    await load.untilMore(2000);
    const figures = await load.stop();
    const seconds = await complete(cluster, load.acked, restartedAt);
    console.log(`      kill -9 + restart: ${figures.requests} requests, ${figures.failed} failed, max ${figures.maxLatencyMs.toFixed(0)} ms; every replica complete ${seconds.toFixed(1)} s after the restart; hints left ${client.stats().hintsWritten}`);
    assert.equal(figures.failed, 0, figures.errors.join('\n'));
    assert.ok(figures.maxLatencyMs < limit, `over ${limit} ms: slowest writes (ms after kill -9): ${load.slowest(killedAt)}`);
  });

  it('QUORUM reads with one replica frozen: p99 grows by no more than the speculative delay', async () => {
    ({ cluster, client } = await ProcessCluster.withClient(3));
    const keys = new Map(Array.from({ length: 2000 }, (_, i) => [`r-${i}`, `value-${i}`] as const));
    const written = await client.batchPut([...keys].map(([key, value]) => ({ key, value: Buffer.from(value) })));
    assert.ok(written.every((w) => w.ok));
    const load = new CallerLoad(client, { prefix: 'reads', callers: 32, kind: 'lookup', readKeys: keys, maxCalls: 400_000 });
    load.start();
    await load.untilMore(5000);
    const before = load.latencies.length;
    await load.untilMore(5000);
    const baseline = percentile(load.since(before), 0.99);
    const frozen = cluster.node('node-3').process.child;
    const fromFreeze = load.latencies.length;
    frozen.kill('SIGSTOP');
    // Frozen until the client's health probes notice (about 2 s): the time when only speculation helps.
    await waitFor(() => client!.members().some((m) => m.id === 'node-3' && !m.healthy), 'the client to mark the frozen node-3 unhealthy', 30_000);
    frozen.kill('SIGCONT');
    const during = load.since(fromFreeze);
    assert.ok(during.length > 0, 'reads ran while node-3 was frozen');
    const figures = await load.stop();
    const p99 = percentile(during, 0.99);
    const { speculativeReads } = client.stats();
    console.log(`      reads: ${figures.requests} requests, ${figures.failed} failed; p99 ${baseline.toFixed(1)} ms before, ${p99.toFixed(1)} ms with node-3 frozen (${during.length} reads, max ${Math.max(...during).toFixed(0)} ms); ${speculativeReads} speculative messages`);
    assert.equal(figures.failed, 0, figures.errors.join('\n'));
    assert.ok(speculativeReads > 0, 'reads asked a third replica');
    // The speculative delay is the frozen replica's recent p99 (at least speculativeMinDelayMs = 10 ms); allow scheduling noise.
    assert.ok(p99 <= baseline + 10 + 150, `p99 ${p99.toFixed(1)} ms with a frozen replica, ${baseline.toFixed(1)} ms before`);
  });

  it('the client cut off from one node (iptables), the nodes still reaching it: no write fails, and it is complete within 20 s of healing', async function () {
    requireMachine(this, iptablesWorks(), 'cutting one connection needs iptables (Debian package iptables) and root');
    // The nodes run as NODE_UID; the rule drops only packets this test process (root) sends to node-3.
    ({ cluster, client } = await ProcessCluster.withClient(3, [], () => ({ uid: NODE_UID })));
    const load = new CallerLoad(client, { prefix: 'cut', callers: 32, kind: 'put', maxCalls: 400_000 });
    load.start();
    await load.untilMore(2000);
    const limit = load.latencyLimit();
    rule = ['OUTPUT', '-p', 'tcp', '-d', '127.0.0.1', '--dport', String(cluster.node('node-3').port), '-m', 'owner', '--uid-owner', '0', '-j', 'DROP'];
    execFileSync('iptables', ['-w', '-A', ...rule]);
    const cutAt = Date.now();
    await load.untilMore(5000);
    await waitFor(() => client!.members().some((m) => m.id === 'node-3' && !m.healthy), 'the client to see node-3 unreachable');
    await load.untilMore(2000);
    execFileSync('iptables', ['-w', '-D', ...rule]);
    rule = undefined;
    const healedAt = Date.now();
    await load.untilMore(2000);
    const figures = await load.stop();
    const seconds = await complete(cluster, load.acked, healedAt);
    console.log(`      client cut off from node-3 for ${((healedAt - cutAt) / 1000).toFixed(1)} s: ${figures.requests} requests, ${figures.failed} failed, max ${figures.maxLatencyMs.toFixed(0)} ms; every replica complete ${seconds.toFixed(1)} s after healing; hints left ${client.stats().hintsWritten}`);
    assert.equal(figures.failed, 0, figures.errors.join('\n'));
    assert.ok(figures.maxLatencyMs < limit, `over ${limit} ms: slowest writes (ms after the cut, healed at ${healedAt - cutAt}): ${load.slowest(cutAt)}`);
  });
});
