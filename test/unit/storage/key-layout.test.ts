/** The storage-key layout: order, ranges and decoding. */
import assert from 'node:assert/strict';
import { randomBytes, randomInt } from 'node:crypto';
import { DstashError, ErrorCode } from '../../../src/errors.js';
import {
  decodeDataKey,
  decodePurgeKey,
  encodeDataKey,
  encodeMetaKey,
  encodePurgeKey,
  partitionRange,
  prefixRange,
  purgeRangeUpTo,
  type KeyRange,
} from '../../../src/storage/key-layout.js';

const isCode = (code: string) => (err: unknown) => err instanceof DstashError && err.code === code;
const within = (key: Buffer, range: KeyRange): boolean => Buffer.compare(key, range.gte) >= 0 && Buffer.compare(key, range.lt) < 0;

describe('storage/key-layout', () => {
  it('sorts data keys by partition, then index name, then key bytes', () => {
    const indexes = ['a', 'aa', 'b', 'B', 'a.b', 'a-b', 'x_1', 'z'.repeat(64)];
    const addresses = Array.from({ length: 2000 }, () => ({
      partition: [0, 1, 255, 256, 65535][randomInt(5)],
      index: indexes[randomInt(indexes.length)],
      key: randomBytes(randomInt(0, 4)),
    }));
    const byTuple = [...addresses].sort((a, b) => a.partition - b.partition || (a.index < b.index ? -1 : a.index > b.index ? 1 : 0) || Buffer.compare(a.key, b.key));
    const byBytes = [...addresses].sort((a, b) => Buffer.compare(encodeDataKey(a.partition, a.index, a.key), encodeDataKey(b.partition, b.index, b.key)));
    assert.deepEqual(byBytes, byTuple);
  });

  it('decodes what it encodes, binary keys included', () => {
    const key = Buffer.from([0x00, 0xff, 0x00]);
    const decoded = decodeDataKey(encodeDataKey(513, 'my.index', key));
    assert.deepEqual({ ...decoded, key: decoded.key.toString('hex') }, { partition: 513, index: 'my.index', key: '00ff00' });
  });

  it('refuses bad partitions and index names, and calls other bytes corrupt', () => {
    assert.throws(() => encodeDataKey(65536, 'i', Buffer.from('k')), isCode(ErrorCode.InvalidArgument));
    assert.throws(() => encodeDataKey(-1, 'i', Buffer.from('k')), isCode(ErrorCode.InvalidArgument));
    assert.throws(() => encodeDataKey(0, 'bad index', Buffer.from('k')), isCode(ErrorCode.InvalidIndex));
    assert.throws(() => encodeDataKey(0, 'é', Buffer.from('k')), isCode(ErrorCode.InvalidIndex));
    assert.throws(() => decodeDataKey(Buffer.from('d\x00\x01')), isCode(ErrorCode.Corrupt));
    assert.throws(() => decodeDataKey(encodeMetaKey('x')), isCode(ErrorCode.Corrupt));
    assert.throws(() => decodePurgeKey(Buffer.from('x123')), isCode(ErrorCode.Corrupt));
  });

  it('bounds a prefix range to one partition, index and prefix, 0xff bytes included', () => {
    const range = prefixRange(7, 'idx', Buffer.from([0x61, 0xff]));
    assert.ok(within(encodeDataKey(7, 'idx', Buffer.from([0x61, 0xff])), range));
    assert.ok(within(encodeDataKey(7, 'idx', Buffer.from([0x61, 0xff, 0xff, 0x00])), range));
    assert.ok(!within(encodeDataKey(7, 'idx', Buffer.from([0x62])), range));
    assert.ok(!within(encodeDataKey(7, 'idx2', Buffer.from([0x61, 0xff])), range));
    assert.ok(!within(encodeDataKey(8, 'idx', Buffer.from([0x61, 0xff])), range));
    const all = prefixRange(7, 'idx', Buffer.alloc(0));
    assert.ok(within(encodeDataKey(7, 'idx', Buffer.alloc(0)), all));
    assert.ok(!within(encodeDataKey(7, 'idx-', Buffer.alloc(0)), all));
  });

  it('bounds a partition range to that partition, the last one included', () => {
    for (const partition of [0, 255, 65535]) {
      const range = partitionRange(partition);
      assert.ok(within(encodeDataKey(partition, 'a', Buffer.alloc(0)), range));
      assert.ok(within(encodeDataKey(partition, 'z'.repeat(64), Buffer.alloc(100, 0xff)), range));
      if (partition > 0) assert.ok(!within(encodeDataKey(partition - 1, 'z', Buffer.alloc(8, 0xff)), range));
      if (partition < 65535) assert.ok(!within(encodeDataKey(partition + 1, 'a', Buffer.alloc(0)), range));
    }
  });

  it('sorts purge keys by time and finds the due ones', () => {
    const dataKey = encodeDataKey(1, 'i', Buffer.from('k'));
    const range = purgeRangeUpTo(1000);
    assert.ok(within(encodePurgeKey(1, dataKey), range));
    assert.ok(within(encodePurgeKey(1000, dataKey), range));
    assert.ok(!within(encodePurgeKey(1001, dataKey), range));
    assert.ok(Buffer.compare(encodePurgeKey(255, dataKey), encodePurgeKey(256, dataKey)) < 0);
    const decoded = decodePurgeKey(encodePurgeKey(123_456_789, dataKey));
    assert.equal(decoded.purgeAt, 123_456_789);
    assert.ok(decoded.dataKey.equals(dataKey));
  });
});
