import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import type { RegisterValue } from '../../../src/consensus/acceptor-state.js';
import { GrpcAcceptorTransport } from '../../../src/client/index.js';
import { DEFAULT_COORDINATOR_OPTIONS } from '../../../src/client/client-options.js';
import { ErrorCode, hasCode } from '../../../src/errors.js';
import { PaxosService } from '../../../src/protocol/definitions.js';
import type { PaxosClient } from '../../../src/protocol/generated/dstash/v1/Paxos.js';
import type { PaxosBatchResult__Output } from '../../../src/protocol/generated/dstash/v1/PaxosBatchResult.js';
import { LocalAcceptor } from '../../../src/node/consensus/local-acceptor.js';
import { paxosHandlers } from '../../../src/node/consensus/paxos-handlers.js';
import { partLimits } from '../../../src/node/read-in-parts.js';
import { MemoryStore } from '../../../src/storage/memory-store.js';
import { encodeVersion } from '../../../src/version.js';
import { exchange } from '../../helpers/grpc-clients.js';
import { startTestNode, type TestNode } from '../../helpers/in-process-node.js';

const ballot = (ms: number, writer = 1): Buffer => encodeVersion(ms, 0, writer);
const value = (text: string, version: Buffer): RegisterValue => ({ record: { value: Buffer.from(text), version, expiresAt: 0, tombstone: false }, ops: [] });
const key = (i: number): Buffer => Buffer.from(`key-${i}`);

describe('Paxos Batch stream (one node, real gRPC)', function () {
  this.timeout(30_000);
  let t: TestNode;
  let transport: GrpcAcceptorTransport;
  let raw: PaxosClient;
  beforeEach(async () => {
    t = await startTestNode({ maxValueBytes: 1024 });
    transport = new GrpcAcceptorTransport(t.node.address, grpc.credentials.createInsecure(), DEFAULT_COORDINATOR_OPTIONS);
    raw = new PaxosService(t.node.address, grpc.credentials.createInsecure()) as unknown as PaxosClient;
  });
  afterEach(async () => {
    transport.close();
    raw.close();
    await t.stop();
  });

  it('gathers the steps of one tick, on many keys, into a few messages, each with its own answer', async () => {
    const keys = Array.from({ length: 300 }, (_, i) => key(i));
    const promises = await Promise.all(keys.map((k) => transport.prepare('default', k, ballot(10), 5000)));
    assert.ok(promises.every((p) => p.promised));
    assert.ok(transport.messagesSent <= 3, `${transport.messagesSent} messages for 300 prepares`);
    const accepts = await Promise.all(keys.map((k, i) => transport.accept('default', k, ballot(10), value(`v${i}`, ballot(10)), 5000)));
    assert.ok(accepts.every((a) => a.accepted));
    // A lower ballot is refused, and told the one to beat; a higher one sees what was accepted.
    const [lower, higher] = await Promise.all([transport.prepare('default', keys[0]!, ballot(9), 5000), transport.prepare('default', keys[7]!, ballot(11), 5000)]);
    assert.equal(lower.promised, false);
    assert.deepEqual(lower.promisedBallot, ballot(10));
    assert.equal(higher.promised, true);
    assert.equal(higher.accepted?.record.value.toString(), 'v7');
    assert.deepEqual(higher.acceptedBallot, ballot(10));
  });

  it('runs steps on the same key in one batch in their order', async () => {
    const k = key(1);
    const [first, second, accept, stale] = await Promise.all([
      transport.prepare('default', k, ballot(20), 5000),
      transport.prepare('default', k, ballot(21), 5000),
      transport.accept('default', k, ballot(20), value('late', ballot(20)), 5000),
      transport.prepare('default', k, ballot(20, 0), 5000),
    ]);
    assert.equal(transport.messagesSent, 1);
    assert.deepEqual([first.promised, second.promised, accept.accepted, stale.promised], [true, true, false, false]);
    assert.deepEqual(accept.promisedBallot, ballot(21));
  });

  it('fails a bad entry alone, with its typed error', async () => {
    const results = await Promise.allSettled([
      transport.prepare('default', key(1), ballot(30), 5000),
      transport.prepare('default', Buffer.alloc(0), ballot(30), 5000),
      transport.prepare('bad index!', key(2), ballot(30), 5000),
      transport.accept('default', key(3), ballot(30), value('x'.repeat(2000), ballot(30)), 5000),
      transport.prepare('default', key(4), Buffer.from('short'), 5000),
      transport.prepare('default', key(5), ballot(30), 5000),
    ]);
    assert.equal(transport.messagesSent, 1);
    const codes = results.map((r) => (r.status === 'fulfilled' ? 'ok' : (r.reason as { code: string }).code));
    assert.deepEqual(codes, ['ok', ErrorCode.InvalidKey, ErrorCode.InvalidIndex, ErrorCode.InvalidValue, ErrorCode.InvalidArgument, 'ok']);
    // Nothing of the bad entries was kept: the key of the oversized accept can still promise a lower ballot.
    assert.equal((await transport.prepare('default', key(3), ballot(2), 5000)).promised, true);
  });

  it('answers an entry with no phase with INVALID_ARGUMENT, and the others as usual', async () => {
    const res = await exchange(raw.Batch(), [
      { id: 7, entries: [{}, { prepare: { index: 'default', key: key(1), ballot: ballot(40) } }] },
    ]);
    const answer = res.get(7) as PaxosBatchResult__Output;
    assert.equal(answer.results.length, 2);
    assert.equal(answer.results[0]!.status!.code, grpc.status.INVALID_ARGUMENT);
    assert.equal(answer.results[0]!.status!.reason, ErrorCode.InvalidArgument);
    assert.equal(answer.results[1]!.status!.code, grpc.status.OK);
    assert.equal(answer.results[1]!.prepare!.promised, true);
  });

  it('ends a stream carrying bytes that are no message with an error status, and keeps serving', async () => {
    const client = new grpc.Client(t.node.address, grpc.credentials.createInsecure());
    try {
      const call = client.makeBidiStreamRequest('/dstash.v1.Paxos/Batch', (x: Buffer) => x, (x: Buffer) => x);
      const failed = new Promise<grpc.ServiceError>((resolve) => call.on('error', resolve));
      // Counted, not failed from the handler: an exception there would be charged to whatever runs next.
      let answers = 0;
      call.on('data', () => answers++);
      call.write(Buffer.from([0x12, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]));
      const err = await failed;
      assert.notEqual(err.code, grpc.status.OK);
      assert.equal(answers, 0, 'no answer to garbage');
    } finally {
      client.close();
    }
    assert.equal((await transport.prepare('default', key(1), ballot(50), 5000)).promised, true);
  });

  it('speaks the unary calls to a node without the Batch stream (an earlier version)', async () => {
    const store = new MemoryStore();
    await store.open();
    const { Batch: _batch, ...unaryOnly } = paxosHandlers(new LocalAcceptor(store, 1024, 1024), { maxInFlight: 4, maxEntries: 100, parts: partLimits(1024 * 1024, 1024) });
    const server = new grpc.Server();
    server.addService(PaxosService.service, unaryOnly);
    const port = await new Promise<number>((resolve, reject) => server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p))));
    const earlier = new GrpcAcceptorTransport(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), DEFAULT_COORDINATOR_OPTIONS);
    try {
      const promises = await Promise.all([1, 2, 3].map((i) => earlier.prepare('default', key(i), ballot(10), 5000)));
      assert.ok(promises.every((p) => p.promised));
      assert.equal((await earlier.accept('default', key(1), ballot(10), value('one', ballot(10)), 5000)).accepted, true);
      const refused = await earlier.prepare('default', key(1), ballot(9), 5000);
      assert.equal(refused.promised, false);
      assert.equal(refused.accepted?.record.value.toString(), 'one');
    } finally {
      earlier.close();
      server.forceShutdown();
      await store.close();
    }
  });

  it('fails the steps in flight with a typed error when the node goes away', async () => {
    assert.equal((await transport.prepare('default', key(1), ballot(60), 5000)).promised, true);
    await t.stop();
    await assert.rejects(transport.prepare('default', key(1), ballot(61), 2000), (err) => hasCode(err, ErrorCode.Unavailable) || hasCode(err, ErrorCode.Timeout));
    t = await startTestNode();
  });
});
