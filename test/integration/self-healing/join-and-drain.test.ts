import assert from 'node:assert/strict';
import { type Client } from '../../../src/index.js';
import { appendFile } from 'node:fs/promises';
import { runCli, startCli } from '../../helpers/cli.js';
import { info, missingOnHomeReplicas } from '../../helpers/cluster-checks.js';
import { CallerLoad } from '../../helpers/caller-load.js';
import { Load, lostWrites } from '../../helpers/load.js';
import { ProcessCluster, type ClusterNode } from '../../helpers/process-cluster.js';
import { waitFor } from '../../helpers/wait.js';

describe('self-healing: join and drain under load', function () {
  this.timeout(180_000);
  let cluster: ProcessCluster;
  let client: Client;
  afterEach(async () => {
    await client?.close();
    await cluster?.stop();
  });

  /** Waits until a node that joined has received every partition it owns. */
  const untilReceived = (node: ClusterNode): Promise<unknown> => waitFor(async () => {
    const i = await info(node.address);
    return i.transfer && i.transfer.partitionsMoved > 0 && i.transfer.partitionsRemaining === 0;
  }, `${node.id} to receive its partitions`, 60_000);
  const addresses = (): Map<string, string> => new Map(cluster.nodes.filter((n) => n.process.child.exitCode === null).map((n) => [n.id, n.address]));

  it('a 4th node joins under load: afterwards every home replica holds its keys, and no acknowledged write is missing', async () => {
    ({ cluster, client } = await ProcessCluster.withClient(3, ['--anti-entropy-interval', '0']));
    const load = new Load(client, 'join');
    load.start();
    await load.until(1000);
    const joinedAt = Date.now();
    const fourth = await cluster.add('node-4');
    await ProcessCluster.until(client, 4, 4);
    await untilReceived(fourth);
    await load.until(load.acked.size + 1000);
    const figures = await load.stop();

    // Old owners hand over what they no longer own on the membership change; a repair catches
    // the writes a client made with its old view while that ran.
    const repair = await runCli(['cluster', 'repair', '--node', fourth.address, '--json']);
    assert.equal(repair.code, 0, repair.stderr);
    const missing = await missingOnHomeReplicas(load.acked, addresses());
    const converged = Date.now() - joinedAt;
    const lost = await lostWrites(client, load.acked);
    console.log(`      join: ${figures.writesAcknowledged} writes acknowledged, ${lost} lost, ${figures.writesFailed + figures.readsFailed} failed requests, ${figures.readsWrong} wrong reads, converged in ${converged} ms`);
    assert.deepEqual(missing.slice(0, 10), [], `${missing.length} key copies missing on their home replicas`);
    assert.equal(lost, 0);
    assert.equal(figures.readsWrong, 0, figures.errors.join('\n'));
  });

  it('a node drains under load with zero failed QUORUM requests and zero lost writes', async () => {
    ({ cluster, client } = await ProcessCluster.withClient(4, ['--anti-entropy-interval', '0']));
    const load = new Load(client, 'drain');
    load.start();
    await load.until(1000);
    const started = Date.now();
    const drained = cluster.node('node-4');
    const res = await runCli(['node', 'drain', '--node', drained.address]);
    assert.equal(res.code, 0, res.stderr);
    assert.match(res.stdout, /done: 1024\/1024 partitions/);
    // "keys moved" adds up over the phases: it never goes back to 0.
    const moved = [...res.stdout.matchAll(/(\d+) keys moved/g)].map((m) => Number(m[1]));
    assert.ok(moved.length >= 3 && moved.at(-1)! > 0, res.stdout);
    assert.deepEqual(moved, [...moved].sort((a, b) => a - b), `keys moved went down: ${moved.join(', ')}`);
    assert.equal(await drained.process.exited(), 0, 'the drained node exits 0');
    await ProcessCluster.until(client, 3, 3);
    const drainMs = Date.now() - started;
    await load.until(load.acked.size + 500);
    const figures = await load.stop();
    const lost = await lostWrites(client, load.acked);
    console.log(`      drain: ${figures.writesAcknowledged} writes acknowledged, ${lost} lost, ${figures.writesFailed + figures.readsFailed} failed requests, drained in ${drainMs} ms`);
    assert.equal(figures.writesFailed + figures.readsFailed, 0, figures.errors.join('\n'));
    assert.equal(figures.readsWrong, 0, figures.errors.join('\n'));
    assert.equal(lost, 0);
    const missing = await missingOnHomeReplicas(load.acked, addresses());
    assert.deepEqual(missing.slice(0, 10), [], `${missing.length} key copies missing on their home replicas`);
  });

  it('32 callers at QUORUM while a node drains and a fifth joins: no write or read waits 1 s during the drain, none fails, none is lost', async () => {
    ({ cluster, client } = await ProcessCluster.withClient(4, ['--anti-entropy-interval', '0']));
    const readKeys = new Map(Array.from({ length: 2000 }, (_, i) => [`stall-read-${i}`, `value-${i}`] as const));
    const written = await client.batchPut([...readKeys].map(([key, value]) => ({ key, value: Buffer.from(value) })));
    assert.ok(written.every((w) => w.ok));
    const writes = new CallerLoad(client, { prefix: 'stall', callers: 24, kind: 'put', maxCalls: 1_000_000 });
    const reads = new CallerLoad(client, { prefix: 'stall-read', callers: 8, kind: 'lookup', readKeys, maxCalls: 1_000_000 });
    writes.start();
    reads.start();
    await writes.untilMore(2000);
    const [writeLimit, readLimit] = [writes.latencyLimit(), reads.latencyLimit()];
    const startedAt = Date.now();
    const drained = cluster.node('node-4');
    const res = await runCli(['node', 'drain', '--node', drained.address]);
    assert.equal(res.code, 0, res.stderr);
    assert.equal(await drained.process.exited(), 0, 'the drained node exits 0');
    const drainedAt = Date.now();
    await ProcessCluster.until(client, 3, 3);
    const joinedAt = Date.now();
    const fifth = await cluster.add('node-5');
    await ProcessCluster.until(client, 4, 4);
    await untilReceived(fifth);
    await writes.untilMore(2000);
    const [w, r] = [await writes.stop(), await reads.stop()];
    // The slowest call that started from the drain until the fifth node was added, and the slowest after.
    const slowest = (load: CallerLoad, from: number, to: number): number => Math.max(0, ...load.latencies.filter((_, i) => load.startedAt[i]! >= from && load.startedAt[i]! < to));
    const during = { writes: slowest(writes, startedAt, joinedAt), reads: slowest(reads, startedAt, joinedAt) };
    console.log(`      drain ${drainedAt - startedAt} ms: slowest write ${during.writes.toFixed(0)} ms, read ${during.reads.toFixed(0)} ms; then a join: slowest write ${slowest(writes, joinedAt, Infinity).toFixed(0)} ms, read ${slowest(reads, joinedAt, Infinity).toFixed(0)} ms; `
      + `${w.requests} writes (${w.failed} failed), ${r.requests} reads (${r.failed} failed); slowest writes (ms after the drain started): ${writes.slowest(startedAt, 3)}; slowest reads: ${reads.slowest(startedAt, 3)}`);
    assert.equal(w.failed, 0, w.errors.join('\n'));
    assert.equal(r.failed, 0, r.errors.join('\n'));

    // Writes a caller made with its old view while the partitions moved reach their new home replicas by repair, as in the join test.
    const repair = await runCli(['cluster', 'repair', '--node', fifth.address, '--json']);
    assert.equal(repair.code, 0, repair.stderr);
    const acked = new Map([...readKeys, ...writes.acked]);
    assert.equal(await lostWrites(client, acked), 0);
    const missing = await missingOnHomeReplicas(acked, addresses());
    assert.deepEqual(missing.slice(0, 10), [], `${missing.length} key copies missing on their home replicas`);
    assert.ok(during.writes < writeLimit, `over ${writeLimit} ms: slowest writes (ms after the drain started, node-5 added at ${joinedAt - startedAt}): ${writes.slowest(startedAt)}`);
    assert.ok(during.reads < readLimit, `over ${readLimit} ms: slowest reads (ms after the drain started, node-5 added at ${joinedAt - startedAt}): ${reads.slowest(startedAt)}`);
  });

  it('a drained node restarted by a supervisor stays out of the cluster until started with --rejoin', async () => {
    ({ cluster, client } = await ProcessCluster.withClient(3, ['--anti-entropy-interval', '0']));
    const node = cluster.node('node-3');
    assert.equal((await runCli(['node', 'drain', '--node', node.address])).code, 0);
    assert.equal(await node.process.exited(), 0);
    await ProcessCluster.until(client, 2, 2);

    const again = startCli(cluster.startArgs('node-3', node.dataDir, node.port));
    const outcome = await Promise.race([again.exited(), again.event('serving').then(() => 'serving', () => 'no event')]);
    if (outcome === 'serving') again.child.kill('SIGKILL');
    assert.equal(outcome, 2, `a restart of the drained node: ${again.stderr()}`);
    assert.match(again.stderr(), /DSTASH_DATA_DIR_MISMATCH/);
    await again.event('drained');

    // --rejoin starts it; with static discovery it is a member again once it is listed again.
    const back = await cluster.restart('node-3', ['--rejoin']);
    await appendFile(cluster.peersFile, `node-3@${back.address}\n`);
    await ProcessCluster.until(client, 3, 3);
  });
});
