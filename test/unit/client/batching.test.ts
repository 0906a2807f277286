import assert from 'node:assert/strict';
import { AutoBatcher } from '../../../src/client/auto-batcher.js';
import { planMessages } from '../../../src/client/message-plan.js';
import { codecs, keyBytes } from '../../../src/client/index.js';
import { ErrorCode, type DstashError } from '../../../src/index.js';

describe('client batching', () => {
  it('splits each replica\'s entries into messages bounded by count and bytes', () => {
    const plan = new Map([['a', Array.from({ length: 2500 }, (_, i) => i)], ['b', [0, 1, 2]]]);
    const byCount = planMessages(plan, () => 10, { maxBatchEntries: 1000, maxBatchBytes: 1 << 30 });
    assert.deepEqual(byCount.map((m) => [m.target, m.entries.length]), [['a', 1000], ['a', 1000], ['a', 500], ['b', 3]]);
    const byBytes = planMessages(new Map([['a', [0, 1, 2, 3]]]), (e) => (e === 1 ? 500 : 100), { maxBatchEntries: 1000, maxBatchBytes: 300 });
    assert.deepEqual(byBytes.map((m) => m.entries), [[0], [1], [2, 3]], 'an entry larger than the limit travels alone');
  });

  it('gathers calls made in one tick into one batch per group, each caller with its own result', async () => {
    const sent: [string, number[]][] = [];
    const batcher = new AutoBatcher<number, number>(async (key, items) => {
      sent.push([key, items]);
      return items.map((x) => x * 10);
    }, 100);
    const results = await Promise.all([1, 2, 3].map((x) => batcher.add('g1', x)).concat([batcher.add('g2', 4)]));
    assert.deepEqual(results, [10, 20, 30, 40]);
    assert.deepEqual(sent, [['g1', [1, 2, 3]], ['g2', [4]]]);
    assert.equal(batcher.batches, 2);
  });

  it('flushes a full group at once and rejects every caller of a failed batch', async () => {
    let calls = 0;
    const batcher = new AutoBatcher<number, number>(async (_key, items) => {
      calls++;
      if (items.includes(-1)) throw new Error('boom');
      return items;
    }, 2);
    const full = Promise.all([batcher.add('g', 1), batcher.add('g', 2)]);
    assert.equal(calls, 1, 'sent as soon as it held maxItems');
    assert.deepEqual(await full, [1, 2]);
    await assert.rejects(Promise.all([batcher.add('g', -1)]), /boom/);
  });

  it('round-trips values through the codecs and rejects the wrong type', () => {
    const json = codecs.json<{ a: number[] }>();
    assert.deepEqual(json.decode(json.encode({ a: [1, 2] })), { a: [1, 2] });
    assert.equal(codecs.string.decode(codecs.string.encode('héllo')), 'héllo');
    assert.deepEqual(codecs.buffer.decode(codecs.buffer.encode(Buffer.from([0, 255]))), Buffer.from([0, 255]));
    assert.equal(codecs.string.encode('').length, 0);
    assert.throws(() => codecs.string.encode(42 as never), (e: DstashError) => e.code === ErrorCode.InvalidArgument);
    assert.throws(() => json.encode(undefined as never), (e: DstashError) => e.code === ErrorCode.InvalidArgument);
    assert.deepEqual(keyBytes('k'), Buffer.from('k'));
    assert.throws(() => keyBytes(5 as never), (e: DstashError) => e.code === ErrorCode.InvalidKey);
  });
});
