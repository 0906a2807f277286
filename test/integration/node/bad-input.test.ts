import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import * as grpc from '@grpc/grpc-js';
import { REASON_METADATA_KEY } from '../../../src/protocol/status.js';
import { exchange, healthStatus, unary } from '../../helpers/grpc-clients.js';
import { startTestNode, type TestNode } from '../../helpers/in-process-node.js';

const b = (s: string): Buffer => Buffer.from(s);
const MAX_VALUE = 1024;

/** Every bad single-key put, with the reason code it must be answered with. */
const BAD_PUTS: { name: string; request: Record<string, unknown>; reason: string }[] = [
  { name: 'an empty index name', request: { index: '', key: b('k'), value: b('v') }, reason: 'DSTASH_INVALID_INDEX' },
  { name: 'an index name with a slash', request: { index: 'a/b', key: b('k'), value: b('v') }, reason: 'DSTASH_INVALID_INDEX' },
  { name: 'an index name of 65 characters', request: { index: 'x'.repeat(65), key: b('k'), value: b('v') }, reason: 'DSTASH_INVALID_INDEX' },
  { name: 'an empty key', request: { index: 'i', key: Buffer.alloc(0), value: b('v') }, reason: 'DSTASH_INVALID_KEY' },
  { name: 'a key of 4 KiB + 1', request: { index: 'i', key: Buffer.alloc(4097, 1), value: b('v') }, reason: 'DSTASH_INVALID_KEY' },
  { name: 'a value over the limit', request: { index: 'i', key: b('k'), value: Buffer.alloc(MAX_VALUE + 1) }, reason: 'DSTASH_INVALID_VALUE' },
  { name: 'a TTL of 200 years', request: { index: 'i', key: b('k'), value: b('v'), ttlMs: 200 * 365 * 24 * 3600 * 1000 }, reason: 'DSTASH_INVALID_ARGUMENT' },
];

function reasonOf(err: unknown): string | undefined {
  return (err as grpc.ServiceError).metadata?.get(REASON_METADATA_KEY)[0] as string | undefined;
}

describe('node: bad input', function () {
  let t: TestNode;
  beforeEach(async () => { t = await startTestNode({ maxValueBytes: MAX_VALUE, maxMessageBytes: 1024 * 1024 }); });
  afterEach(async () => { await t.stop(); });

  async function assertStillServing(): Promise<void> {
    assert.equal(await healthStatus(t.clients.health), 'SERVING');
    const kv = t.clients.kv;
    await unary(kv, kv.Put, { index: 'ok', key: b('alive'), value: b('yes') });
    const got = await unary<{ value: Buffer }>(kv, kv.Lookup, { index: 'ok', key: b('alive') });
    assert.equal(got.value.toString(), 'yes');
  }

  for (const bad of BAD_PUTS) {
    it(`answers a unary put with ${bad.name} with INVALID_ARGUMENT ${bad.reason}`, async () => {
      const kv = t.clients.kv;
      await assert.rejects(unary(kv, kv.Put, bad.request), (err: grpc.ServiceError) => {
        assert.equal(err.code, grpc.status.INVALID_ARGUMENT);
        assert.equal(reasonOf(err), bad.reason);
        return true;
      });
      await assertStillServing();
    });

    it(`answers a batched put with ${bad.name} per entry, and stores the good entries`, async () => {
      const { index, ...entry } = bad.request as { index: string };
      const res = await exchange(t.clients.kv.PutStream(), [
        { id: 1, index, entries: [entry, { key: b('good'), value: b('v') }] },
      ]);
      const [first, second] = res.get(1)!.results;
      assert.equal(first!.status!.code, grpc.status.INVALID_ARGUMENT);
      assert.equal(first!.status!.reason, bad.reason);
      if (bad.reason === 'DSTASH_INVALID_INDEX') assert.equal(second!.status!.reason, bad.reason, 'a bad index fails the whole batch');
      else assert.equal(second!.status!.code, 0);
      await assertStillServing();
    });
  }

  it('answers bad lookup keys per entry', async () => {
    const res = await exchange(t.clients.kv.LookupStream(), [
      { id: 1, index: 'i', keys: [Buffer.alloc(0), Buffer.alloc(5000), b('fine')] },
    ]);
    assert.deepEqual(res.get(1)!.results.map((r) => r.status!.reason), ['DSTASH_INVALID_KEY', 'DSTASH_INVALID_KEY', '']);
  });

  it('rejects replica records with a malformed version, without storing them', async () => {
    const res = await exchange(t.clients.replica.Apply(), [
      { id: 1, index: 'i', records: [{ key: b('k'), value: b('v'), version: b('short') }] },
    ]);
    assert.equal(res.get(1)!.results[0]!.status!.reason, 'DSTASH_INVALID_ARGUMENT');
    const kv = t.clients.kv;
    assert.equal((await unary<{ found: boolean }>(kv, kv.Lookup, { index: 'i', key: b('k') })).found, false);
  });

  it('answers a malformed protobuf message with an error status and keeps serving', async () => {
    const client = new grpc.Client(t.node.address, grpc.credentials.createInsecure());
    const garbage = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01, 0x02]);
    const err = await new Promise<grpc.ServiceError | null>((resolve) => {
      client.makeUnaryRequest('/dstash.v1.KV/Put', (x: Buffer) => x, (x: Buffer) => x, garbage, (e) => resolve(e));
    });
    client.close();
    assert.ok(err, 'the call fails');
    assert.notEqual(err.code, grpc.status.OK);
    await assertStillServing();
  });

  it('survives garbage bytes on its port', async () => {
    const socket = connect(t.node.port, '127.0.0.1');
    await once(socket, 'connect');
    socket.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n\x00\xff\xfe garbage \x16\x03\x01'));
    socket.write(Buffer.alloc(4096, 0xab));
    // Wait until the garbage is flushed; the server may keep the broken connection open, so close it ourselves.
    await new Promise<void>((resolve) => socket.end(resolve));
    socket.destroy();
    await assertStillServing();
  });
});
