/**
 * What `put` answers when the replicas already hold a newer version
 * (README, "Clocks"): a version newer by more than the maximum clock offset
 * (stamped by a clock far ahead, accepted by replicas with a wider bound)
 * makes the later put fail with DSTASH_CLOCK_SKEW instead of an OK that a
 * read would contradict; a version newer by less is a concurrent write,
 * answered OK with the winning version and `superseded`.
 */
import assert from 'node:assert/strict';
import { ErrorCode, type Client } from '../../../src/index.js';
import { encodeVersion, randomWriterId } from '../../../src/version.js';
import { exchange, nodeClients } from '../../helpers/grpc-clients.js';
import { ProcessCluster } from '../../helpers/process-cluster.js';

describe('cluster: a put that loses to a newer stored version', function () {
  this.timeout(120_000);
  let cluster: ProcessCluster;
  let client: Client;
  beforeEach(async () => {
    // Replicas accept versions up to a minute ahead; the client bounds clocks at 500 ms.
    ({ cluster, client } = await ProcessCluster.withClient(3, ['--max-clock-offset', '60000']));
  });
  afterEach(async () => {
    await client.close();
    await cluster.stop();
  });

  /** Stores `value` under `key` on every node with a version `aheadMs` ahead of now, as a writer with a fast clock would. */
  async function plant(key: string, value: string, aheadMs: number): Promise<Buffer> {
    const version = encodeVersion(Date.now() + aheadMs, 0, randomWriterId());
    for (const node of cluster.nodes) {
      const c = nodeClients(node.address);
      const res = await exchange(c.replica.Apply(), [{ id: 1, index: 'default', records: [{ key: Buffer.from(key), value: Buffer.from(value), version }] }]);
      c.close();
      assert.equal(res.get(1)!.results[0]!.applied, true);
    }
    return version;
  }

  it('answers DSTASH_CLOCK_SKEW, not OK, when the stored version is newer by more than the maximum offset', async () => {
    await plant('far', 'from-the-future', 30_000);
    await assert.rejects(client.put('far', Buffer.from('later')), (err: { code: string; message: string }) => {
      assert.equal(err.code, ErrorCode.ClockSkew);
      assert.match(err.message, /write lost to a newer version/);
      return true;
    });
    assert.equal((await client.lookup('far', { consistency: 'ALL' }))?.toString(), 'from-the-future', 'the error tells the truth: the old value is what reads see');
  });

  it('answers OK with the winning version and `superseded` when the stored version is newer by less', async () => {
    // A wide bound on this client, so that the planted version stays within it however slow this machine is.
    const wide = cluster.client({ maxClockOffsetMs: 20_000 });
    try {
      await ProcessCluster.until(wide, 3, 3);
      const winner = await plant('near', 'concurrent', 5000);
      const [result] = await wide.batchPut([{ key: 'near', value: Buffer.from('later') }]);
      assert.ok(result!.ok);
      assert.equal(result.superseded, true);
      assert.deepEqual(result.version, winner);
      const [fresh] = await wide.batchPut([{ key: 'fresh', value: Buffer.from('v') }]);
      assert.ok(fresh!.ok && fresh.superseded === undefined, 'an ordinary write is not superseded');
    } finally {
      await wide.close();
    }
  });
});
