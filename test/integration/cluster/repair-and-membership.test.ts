import assert from 'node:assert/strict';
import { Client } from '../../../src/index.js';
import { HybridClock } from '../../../src/version.js';
import { exchange, nodeClients } from '../../helpers/grpc-clients.js';
import { ProcessCluster } from '../../helpers/process-cluster.js';
import { waitFor } from '../../helpers/wait.js';

describe('cluster: read repair, membership changes, reconnection, auto-batching', function () {
  this.timeout(120_000);
  let cluster: ProcessCluster;
  let client: Client;
  beforeEach(async () => {
    ({ cluster, client } = await ProcessCluster.withClient(3));
  });
  afterEach(async () => {
    await client.close();
    await cluster.stop();
  });

  async function readOn(nodeId: string, key: string): Promise<string | undefined> {
    const c = nodeClients(cluster.node(nodeId).address);
    try {
      const res = await exchange(c.replica.Read(), [{ id: 1, index: 'default', keys: [Buffer.from(key)] }]);
      const r = res.get(1)!.results[0]!;
      return r.found ? r.record!.value.toString() : undefined;
    } finally {
      c.close();
    }
  }

  it('repairs a stale replica after a read', async () => {
    await client.put('repair-me', Buffer.from('old'));
    await waitFor(async () => (await Promise.all(['node-1', 'node-2', 'node-3'].map((id) => readOn(id, 'repair-me')))).every((v) => v === 'old'), 'the write on every replica');
    // A newer version that reached node-1 and node-2 only: node-3 is stale.
    const newer = new HybridClock(7).now();
    for (const id of ['node-1', 'node-2']) {
      const c = nodeClients(cluster.node(id).address);
      await exchange(c.replica.Apply(), [{ id: 1, index: 'default', records: [{ key: Buffer.from('repair-me'), value: Buffer.from('new'), version: newer }] }]);
      c.close();
    }
    assert.equal(await readOn('node-3', 'repair-me'), 'old');
    assert.equal((await client.lookup('repair-me', { consistency: 'ALL' }))?.toString(), 'new');
    await waitFor(async () => (await readOn('node-3', 'repair-me')) === 'new', 'read repair to reach node-3');
    assert.ok(client.stats().readRepairs >= 1);
  });

  it('follows a membership change without being re-created', async () => {
    await cluster.add('node-4');
    await ProcessCluster.until(client, 4, 4);
    const ks = Array.from({ length: 2000 }, (_, i) => `grow-${i}`);
    assert.ok((await client.batchPut(ks.map((k) => ({ key: k, value: Buffer.from(k) })))).every((r) => r.ok));
    // node-4 now home-owns about 3/4 of the partitions' replica slots, so it holds some of the new keys.
    const onNode4 = await Promise.all(ks.slice(0, 200).map((k) => readOn('node-4', k)));
    assert.ok(onNode4.some((v) => v !== undefined), 'the new member receives writes');
    const back = await client.batchLookup(ks);
    assert.ok(back.every((r) => r.found));
  });

  it('reconnects to a node that comes back on the same address', async () => {
    await cluster.kill('node-1');
    await ProcessCluster.until(client, 3, 2);
    await client.put('while-down', Buffer.from('1'));
    await cluster.restart('node-1');
    await ProcessCluster.until(client, 3, 3);
    // ALL needs every home replica, node-1 included for the partitions it holds.
    const ks = Array.from({ length: 300 }, (_, i) => `after-${i}`);
    const res = await client.batchPut(ks.map((k) => ({ key: k, value: Buffer.from(k) })), { consistency: 'ALL' });
    assert.equal(res.filter((r) => !r.ok).length, 0);
  });

  it('carries 10,000 concurrent single puts on the batch streams', async () => {
    const before = client.stats();
    const puts = Array.from({ length: 10_000 }, (_, i) => client.put(`auto-${i}`, Buffer.from(String(i))));
    await Promise.all(puts);
    const after = client.stats();
    const batches = after.autoBatches - before.autoBatches;
    const messages = after.batchMessages - before.batchMessages;
    assert.ok(batches <= 20, `10,000 puts rode ${batches} batches`);
    assert.ok(messages <= 3 * 20 * 2, `and ${messages} stream messages (not one call per key)`);
    const got = await Promise.all([0, 4321, 9999].map((i) => client.lookup(`auto-${i}`)));
    assert.deepEqual(got.map((v) => v?.toString()), ['0', '4321', '9999']);
  });

  it('scans an index across the cluster, merged and de-duplicated', async () => {
    const ks = Array.from({ length: 500 }, (_, i) => `scan:${String(i).padStart(3, '0')}`);
    await client.batchPut(ks.map((k) => ({ key: k, value: Buffer.from(k) })), { index: 'scanned' });
    await client.batchPut([{ key: 'other', value: Buffer.from('x') }], { index: 'scanned' });
    await client.delete('scan:007', { index: 'scanned' });
    const seen: string[] = [];
    for await (const r of client.scan({ index: 'scanned', prefix: 'scan:' })) seen.push(r.key.toString());
    assert.equal(seen.length, 499, 'each live key once, though every key is on 3 replicas');
    assert.equal(new Set(seen).size, 499);
    assert.ok(!seen.includes('scan:007'));
    const page1: string[] = [];
    for await (const r of client.scan({ index: 'scanned', prefix: 'scan:', limit: 100 })) page1.push(r.key.toString());
    const page2: string[] = [];
    for await (const r of client.scan({ index: 'scanned', prefix: 'scan:', startAfter: page1[99] })) page2.push(r.key.toString());
    assert.deepEqual([...page1, ...page2], seen);
  });
});
