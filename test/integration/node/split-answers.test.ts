import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { nodeClients, unary, type NodeClients } from '../../helpers/grpc-clients.js';
import { startTestNode, type TestNode } from '../../helpers/in-process-node.js';

const MiB = 1024 * 1024;
/** A small message limit, so that a dozen values of 1 MiB are an answer past it. */
const MAX_MESSAGE_BYTES = 2 * MiB;
const KEYS = Array.from({ length: 12 }, (_, i) => Buffer.from(`large-${i}`));
const valueOf = (i: number): Buffer => Buffer.alloc(MiB, i + 1);

/** Sends one batch on a bidi stream and collects every message that answers it. */
function answers<Res extends { id: number }>(call: grpc.ClientDuplexStream<object, Res>, batch: object): Promise<Res[]> {
  return new Promise((resolve, reject) => {
    const got: Res[] = [];
    call.on('data', (res: Res) => got.push(res));
    call.on('error', reject);
    call.on('end', () => resolve(got));
    call.write(batch);
    call.end();
  });
}

describe('node: a batch answer past the message limit comes in parts with the batch id', function () {
  this.timeout(60_000);
  let t: TestNode;
  let small: NodeClients;
  beforeEach(async () => {
    t = await startTestNode({ maxValueBytes: MiB, maxMessageBytes: MAX_MESSAGE_BYTES });
    // This client takes no message past the node's limit: every part must fit in it.
    small = nodeClients(t.node.address, grpc.credentials.createInsecure(), { 'grpc.max_receive_message_length': MAX_MESSAGE_BYTES });
    for (const [i, key] of KEYS.entries()) await unary(t.clients.kv, t.clients.kv.Put, { index: 'big', key, value: valueOf(i) });
  });
  afterEach(async () => {
    small.close();
    await t.stop();
  });

  it('KV LookupStream: several LookupBatchResult messages with the id, results in order', async () => {
    const parts = await answers<{ id: number; results: { found: boolean; value: Buffer }[] }>(small.kv.LookupStream(), { id: 9, index: 'big', keys: [...KEYS, Buffer.from('missing')] });
    assert.ok(parts.length > 1, `${parts.length} message(s)`);
    assert.deepEqual(parts.map((p) => Number(p.id)), parts.map(() => 9));
    const results = parts.flatMap((p) => p.results);
    assert.equal(results.length, KEYS.length + 1);
    results.slice(0, KEYS.length).forEach((r, i) => assert.ok(r.found && r.value.equals(valueOf(i)), `key ${i}`));
    assert.equal(results[KEYS.length]!.found, false);
  });

  it('Replica.Read: several ReadBatchResult messages with the id, results in order', async () => {
    const parts = await answers<{ id: number; results: { found: boolean; record: { value: Buffer } | null }[] }>(small.replica.Read(), { id: 4, index: 'big', keys: KEYS });
    assert.ok(parts.length > 1, `${parts.length} message(s)`);
    assert.deepEqual(parts.map((p) => Number(p.id)), parts.map(() => 4));
    const results = parts.flatMap((p) => p.results);
    assert.equal(results.length, KEYS.length);
    results.forEach((r, i) => assert.ok(r.found && r.record!.value.equals(valueOf(i)), `key ${i}`));
  });
});
