import assert from 'node:assert/strict';
import { HybridClock } from '../../../src/version.js';
import { exchange, unary } from '../../helpers/grpc-clients.js';
import { startTestNode, type TestNode } from '../../helpers/in-process-node.js';
import { waitFor } from '../../helpers/wait.js';
import type { PutBatch } from '../../../src/protocol/generated/dstash/v1/PutBatch.js';
import type { ScanResponse__Output } from '../../../src/protocol/generated/dstash/v1/ScanResponse.js';

const b = (s: string): Buffer => Buffer.from(s);

describe('node: KV protocol round trips', function () {
  let t: TestNode;
  beforeEach(async () => { t = await startTestNode(); });
  afterEach(async () => { await t.stop(); });

  it('puts, looks up and deletes one key', async () => {
    const kv = t.clients.kv;
    const put = await unary<{ version: Buffer }>(kv, kv.Put, { index: 'users', key: b('alice'), value: b('{"age":30}') });
    assert.equal(put.version.length, 12);
    const got = await unary<{ found: boolean; value: Buffer; version: Buffer }>(kv, kv.Lookup, { index: 'users', key: b('alice') });
    assert.equal(got.found, true);
    assert.equal(got.value.toString(), '{"age":30}');
    assert.deepEqual(got.version, put.version);
    const del = await unary<{ version: Buffer }>(kv, kv.Delete, { index: 'users', key: b('alice') });
    assert.ok(Buffer.compare(del.version, put.version) > 0, 'a delete is newer than the put it deletes');
    const after = await unary<{ found: boolean }>(kv, kv.Lookup, { index: 'users', key: b('alice') });
    assert.equal(after.found, false);
  });

  it('tells a missing key apart from an empty value', async () => {
    const kv = t.clients.kv;
    await unary(kv, kv.Put, { index: 'default', key: b('empty'), value: Buffer.alloc(0) });
    const empty = await unary<{ found: boolean; value: Buffer }>(kv, kv.Lookup, { index: 'default', key: b('empty') });
    const missing = await unary<{ found: boolean }>(kv, kv.Lookup, { index: 'default', key: b('missing') });
    assert.deepEqual([empty.found, empty.value.length], [true, 0]);
    assert.equal(missing.found, false);
  });

  it('keeps indexes apart', async () => {
    const kv = t.clients.kv;
    await unary(kv, kv.Put, { index: 'a', key: b('k'), value: b('in a') });
    await unary(kv, kv.Put, { index: 'b', key: b('k'), value: b('in b') });
    const a = await unary<{ value: Buffer }>(kv, kv.Lookup, { index: 'a', key: b('k') });
    const c = await unary<{ found: boolean }>(kv, kv.Lookup, { index: 'c', key: b('k') });
    assert.equal(a.value.toString(), 'in a');
    assert.equal(c.found, false);
  });

  it('expires a record after its TTL', async () => {
    const kv = t.clients.kv;
    const put = await unary<{ version: Buffer }>(kv, kv.Put, { index: 'default', key: b('short'), value: b('v'), ttlMs: 1000 });
    assert.equal(put.version.length, 12);
    const first = await unary<{ found: boolean; expiresAtMs: number }>(kv, kv.Lookup, { index: 'default', key: b('short') });
    assert.ok(first.found && first.expiresAtMs > Date.now() - 1000);
    await waitFor(async () => !(await unary<{ found: boolean }>(kv, kv.Lookup, { index: 'default', key: b('short') })).found, 'the record to expire');
  });

  it('carries batches of 10,000 on PutStream and LookupStream', async () => {
    const kv = t.clients.kv;
    const batches: PutBatch[] = [];
    for (let id = 0; id < 10; id++) {
      batches.push({ id, index: 'bulk', entries: Array.from({ length: 1000 }, (_, i) => ({ key: b(`k${id * 1000 + i}`), value: b(`v${id * 1000 + i}`) })) });
    }
    batches.push({ id: 10, index: 'bulk', entries: Array.from({ length: 10_000 }, (_, i) => ({ key: b(`big${i}`), value: b(`w${i}`) })) });
    const puts = await exchange(kv.PutStream(), batches);
    assert.equal(puts.size, 11);
    for (const [id, res] of puts) {
      assert.equal(res.results.length, id === 10 ? 10_000 : 1000);
      assert.ok(res.results.every((r) => r.status?.code === 0 && r.version.length === 12));
    }
    const lookups = await exchange(kv.LookupStream(), [
      { id: 1, index: 'bulk', keys: Array.from({ length: 10_000 }, (_, i) => b(`k${i}`)) },
      { id: 2, index: 'bulk', keys: Array.from({ length: 10_000 }, (_, i) => b(`big${i}`)) },
      { id: 3, index: 'bulk', keys: [b('nope')] },
    ]);
    const one = lookups.get(1)!.results;
    assert.equal(one.length, 10_000);
    one.forEach((r, i) => assert.equal(r.value.toString(), `v${i}`));
    assert.ok(lookups.get(2)!.results.every((r, i) => r.found && r.value.toString() === `w${i}`));
    assert.equal(lookups.get(3)!.results[0]!.found, false);
  });

  it('deletes in batches on DeleteStream', async () => {
    const kv = t.clients.kv;
    await exchange(kv.PutStream(), [{ id: 1, index: 'd', entries: [{ key: b('x'), value: b('1') }, { key: b('y'), value: b('2') }] }]);
    const dels = await exchange(kv.DeleteStream(), [{ id: 7, index: 'd', keys: [b('x')] }]);
    assert.equal(dels.get(7)!.results[0]!.status?.code, 0);
    const res = await exchange(kv.LookupStream(), [{ id: 1, index: 'd', keys: [b('x'), b('y')] }]);
    assert.deepEqual(res.get(1)!.results.map((r) => r.found), [false, true]);
  });

  it('scans an index by prefix, with a limit, resumable after a key', async () => {
    const kv = t.clients.kv;
    const entries = Array.from({ length: 300 }, (_, i) => ({ key: b(`user:${String(i).padStart(3, '0')}`), value: b(String(i)) }));
    entries.push({ key: b('other:1'), value: b('x') });
    await exchange(kv.PutStream(), [{ id: 1, index: 'scan', entries }]);
    await unary(kv, kv.Delete, { index: 'scan', key: b('user:007') });
    const scan = (req: object): Promise<Buffer[]> => new Promise((resolve, reject) => {
      const keys: Buffer[] = [];
      const call = kv.Scan(req);
      call.on('data', (r: ScanResponse__Output) => keys.push(...r.entries.map((e) => e.key)));
      call.on('error', reject);
      call.on('end', () => resolve(keys));
    });
    const all = await scan({ index: 'scan', prefix: b('user:') });
    assert.equal(all.length, 299, 'every live user key once, the deleted one left out');
    assert.ok(all.every((k) => k.toString().startsWith('user:')));
    const first = await scan({ index: 'scan', prefix: b('user:'), limit: 100 });
    assert.deepEqual(first, all.slice(0, 100));
    const rest = await scan({ index: 'scan', prefix: b('user:'), startAfter: first[first.length - 1] });
    assert.deepEqual(rest, all.slice(100));
  });

  it('applies versioned records last-writer-wins on the Replica service', async () => {
    const clock = new HybridClock(1);
    const older = clock.now();
    const newer = clock.now();
    const rep = t.clients.replica;
    const applied = await exchange(rep.Apply(), [
      { id: 1, index: 'r', records: [{ key: b('k'), value: b('new'), version: newer }] },
    ]);
    assert.equal(applied.get(1)!.results[0]!.applied, true);
    const stale = await exchange(rep.Apply(), [
      { id: 2, index: 'r', records: [{ key: b('k'), value: b('old'), version: older }] },
    ]);
    assert.equal(stale.get(2)!.results[0]!.applied, false, 'an older version is ignored, and the caller is told');
    const read = await exchange(rep.Read(), [{ id: 3, index: 'r', keys: [b('k'), b('none')] }]);
    const [hit, miss] = read.get(3)!.results;
    assert.equal(hit!.record!.value.toString(), 'new');
    assert.deepEqual(hit!.record!.version, newer);
    assert.equal(miss!.found, false);
  });
});
