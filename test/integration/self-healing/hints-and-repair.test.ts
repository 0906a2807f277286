import assert from 'node:assert/strict';
import { type Client } from '../../../src/index.js';
import { PlacementTable } from '../../../src/placement/index.js';
import { HybridClock } from '../../../src/version.js';
import { runCli } from '../../helpers/cli.js';
import { digestOn, info, missingOnHomeReplicas, readOn } from '../../helpers/cluster-checks.js';
import { exchange, nodeClients } from '../../helpers/grpc-clients.js';
import { Load, lostWrites } from '../../helpers/load.js';
import { ProcessCluster } from '../../helpers/process-cluster.js';
import { waitFor } from '../../helpers/wait.js';

describe('self-healing: hinted handoff and anti-entropy', function () {
  this.timeout(180_000);
  let cluster: ProcessCluster;
  let client: Client;
  afterEach(async () => {
    await client?.close();
    await cluster?.stop();
  });

  async function hintsPending(): Promise<number> {
    const live = cluster.nodes.filter((n) => n.process.child.exitCode === null && n.process.child.signalCode === null);
    return (await Promise.all(live.map((n) => info(n.address).then((i) => i.hintsPending, () => 0)))).reduce((a, b) => a + b, 0);
  }

  it('kill -9 during writes piles up hints; after a restart they are delivered and the partitions match their peers', async () => {
    ({ cluster, client } = await ProcessCluster.withClient(4, ['--anti-entropy-interval', '0']));
    const load = new Load(client, 'kill');
    load.start();
    await load.until(500);
    await cluster.kill('node-2');
    await waitFor(async () => (await hintsPending()) > 0, 'hints to pile up on the stand-ins', 30_000);
    await load.until(load.acked.size + 1000);
    const piled = await hintsPending();
    const restartedAt = Date.now();
    const node2 = await cluster.restart('node-2');
    await ProcessCluster.until(client, 4, 4);
    await load.until(load.acked.size + 500);
    const figures = await load.stop();
    await waitFor(async () => (await hintsPending()) === 0, 'every hint to be delivered', 60_000);
    const converged = Date.now() - restartedAt;

    const table = new PlacementTable(cluster.nodes.map((n) => ({ id: n.id })), { partitions: 1024, replicas: 3 });
    const mismatched: number[] = [];
    for (const p of table.partitionsOwnedBy('node-2')) {
      const mine = await digestOn(node2.address, p);
      for (const peer of table.homeReplicas(p).filter((id) => id !== 'node-2')) {
        if ((await digestOn(cluster.node(peer).address, p)) !== mine) mismatched.push(p);
      }
    }
    const missing = await missingOnHomeReplicas(load.acked, cluster.addresses());
    const lost = await lostWrites(client, load.acked);
    console.log(`      kill -9: ${figures.writesAcknowledged} writes acknowledged, ${lost} lost, ${figures.writesFailed + figures.readsFailed} failed requests, ${figures.readsWrong} wrong reads, ${piled} hints piled up, delivered and matching ${converged} ms after the restart`);
    assert.deepEqual(mismatched, [], 'node-2 holds what its peers hold in every partition it home-owns');
    assert.deepEqual(missing.slice(0, 10), [], `${missing.length} copies of acknowledged writes missing on their home replicas once every hint was delivered`);
    assert.equal(lost, 0);
    assert.equal(figures.writesFailed, 0, figures.errors.join('\n'));
    assert.equal(figures.readsFailed, 0, figures.errors.join('\n'));
    assert.equal(figures.readsWrong, 0, figures.errors.join('\n'));
  });

  it('anti-entropy brings a replica diverged by hand back in line', async () => {
    ({ cluster, client } = await ProcessCluster.withClient(3, ['--anti-entropy-interval', '0']));
    const keys = Array.from({ length: 300 }, (_, i) => `ae-${i}`);
    assert.ok((await client.batchPut(keys.map((k) => ({ key: k, value: Buffer.from('old') })), { consistency: 'ALL' })).every((r) => r.ok));

    // Straight into node-1's store: newer versions of 100 keys and 100 keys nobody else has.
    const clock = new HybridClock(99);
    const diverged = [...keys.slice(0, 100), ...Array.from({ length: 100 }, (_, i) => `ae-only-on-1-${i}`)];
    const c = nodeClients(cluster.node('node-1').address);
    await exchange(c.replica.Apply(), [{ id: 1, index: 'default', records: diverged.map((k) => ({ key: Buffer.from(k), value: Buffer.from('new'), version: clock.now() })) }]);
    c.close();
    assert.deepEqual(new Set(await readOn(cluster.node('node-2').address, diverged)), new Set(['old', undefined]));

    const started = Date.now();
    const res = await runCli(['cluster', 'repair', '--node', cluster.node('node-3').address, '--json']);
    const repairMs = Date.now() - started;
    assert.equal(res.code, 0, res.stderr);
    const results = JSON.parse(res.stdout) as { node: string; recordsPulled: number; recordsPushed: number }[];
    const moved = results.reduce((s, r) => s + r.recordsPulled + r.recordsPushed, 0);
    assert.ok(moved >= 200, `repair moved ${moved} records`);
    for (const id of ['node-2', 'node-3']) {
      assert.deepEqual(new Set(await readOn(cluster.node(id).address, diverged)), new Set(['new']), `${id} caught up`);
    }
    const differing: number[] = [];
    for (let p = 0; p < 1024; p += 1) {
      const [a, b, d] = await Promise.all(['node-1', 'node-2', 'node-3'].map((id) => digestOn(cluster.node(id).address, p)));
      if (a !== b || a !== d) differing.push(p);
    }
    console.log(`      anti-entropy: ${diverged.length} diverged records, ${moved} records moved, repair run (CLI included) ${repairMs} ms`);
    assert.deepEqual(differing, [], 'every partition digest matches on all three replicas');
  });
});
