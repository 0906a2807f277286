import assert from 'node:assert/strict';
import { ErrorCode, ReadQuorumError, WriteQuorumError, type Client } from '../../../src/index.js';
import { ProcessCluster } from '../../helpers/process-cluster.js';

const keys = (n: number, prefix = 'k'): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

describe('cluster: quorum reads and writes on 3 real nodes', function () {
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

  it('batch-puts 10,000 keys and reads every one back at QUORUM', async () => {
    const ks = keys(10_000);
    const written = await client.batchPut(ks.map((k) => ({ key: k, value: Buffer.from(`v-${k}`) })));
    assert.equal(written.filter((r) => r.ok).length, 10_000);
    const read = await client.batchLookup(ks, { consistency: 'QUORUM' });
    const wrong = read.filter((r, i) => !r.found || r.value.toString() !== `v-${ks[i]}`);
    assert.equal(wrong.length, 0);
    assert.ok(client.stats().batchMessages < 200, `batched: ${client.stats().batchMessages} messages for 20,000 keys x 3 replicas`);
  });

  it('with one node killed: QUORUM succeeds, ALL fails with typed errors', async () => {
    const ks = keys(500, 'one-down-');
    assert.ok((await client.batchPut(ks.map((k) => ({ key: k, value: Buffer.from(k) })))).every((r) => r.ok));
    await cluster.kill('node-2');
    await ProcessCluster.until(client, 3, 2);

    const writes = await client.batchPut(ks.map((k) => ({ key: k, value: Buffer.from(`new-${k}`) })), { consistency: 'QUORUM' });
    assert.equal(writes.filter((r) => !r.ok).length, 0, 'every QUORUM write succeeds');
    const reads = await client.batchLookup(ks, { consistency: 'QUORUM' });
    assert.ok(reads.every((r, i) => r.found && r.value.toString() === `new-${ks[i]}`), 'every QUORUM read sees the new value');
    await client.put('single', Buffer.from('x'));
    assert.equal((await client.lookup('single'))?.toString(), 'x');

    await assert.rejects(client.put('all-key', Buffer.from('v'), { consistency: 'ALL' }), (err: WriteQuorumError) => {
      assert.ok(err instanceof WriteQuorumError);
      assert.equal(err.code, ErrorCode.WriteQuorum);
      assert.equal(err.required, 3);
      assert.equal(err.replies.filter((r) => r.ok).length, 2, 'the two live replicas acknowledged');
      return true;
    });
    await assert.rejects(client.lookup(ks[0]!, { consistency: 'ALL' }), (err: ReadQuorumError) => {
      assert.equal(err.code, ErrorCode.ReadQuorum);
      return true;
    });
  });

  it('with two nodes killed: QUORUM writes fail with WriteQuorumError, ONE reads of existing keys succeed', async () => {
    const ks = keys(300, 'two-down-');
    assert.ok((await client.batchPut(ks.map((k) => ({ key: k, value: Buffer.from(k) })), { consistency: 'ALL' })).every((r) => r.ok));
    await cluster.kill('node-1');
    await cluster.kill('node-3');
    await ProcessCluster.until(client, 3, 1);

    const writes = await client.batchPut(ks.slice(0, 50).map((k) => ({ key: k, value: Buffer.from('lost?') })));
    assert.equal(writes.length, 50);
    for (const w of writes) {
      assert.equal(w.ok, false);
      if (!w.ok) {
        assert.ok(w.error instanceof WriteQuorumError);
        assert.deepEqual(w.error.replies.filter((r) => r.ok).map((r) => r.nodeId), ['node-2']);
      }
    }
    await assert.rejects(client.put('q', Buffer.from('v')), WriteQuorumError);
    const reads = await client.batchLookup(ks, { consistency: 'ONE' });
    assert.equal(reads.filter((r) => r.found).length, ks.length, 'every existing key is read at ONE from the survivor');
  });
});
