/** The on-disk record encoding: round trips, what it refuses, what it calls corrupt. */
import assert from 'node:assert/strict';
import { DstashError, ErrorCode } from '../../../src/errors.js';
import { encodeDataKey } from '../../../src/storage/key-layout.js';
import { decodeForWrite, decodeRecord, encodeRecord, RECORD_HEADER_BYTES } from '../../../src/storage/record-codec.js';
import type { StoredRecord } from '../../../src/storage/store.js';
import { encodeVersion } from '../../../src/version.js';

const record = (fields: Partial<StoredRecord> = {}): StoredRecord => ({
  value: Buffer.from('value'),
  version: encodeVersion(1_700_000_000_000, 7, 42),
  expiresAt: 0,
  tombstone: false,
  ...fields,
});

const isCode = (code: string) => (err: unknown) => err instanceof DstashError && err.code === code;

describe('storage/record-codec', () => {
  it('round-trips values, tombstones and expiry times up to the 6-byte limit', () => {
    for (const original of [record(), record({ value: Buffer.alloc(0) }), record({ tombstone: true, value: Buffer.alloc(0) }), record({ expiresAt: 2 ** 48 - 1 })]) {
      const encoded = encodeRecord(original);
      assert.equal(encoded.length, RECORD_HEADER_BYTES + original.value.length);
      const decoded = decodeRecord(encoded);
      assert.deepEqual(
        { ...decoded, value: decoded.value.toString('hex'), version: decoded.version.toString('hex') },
        { ...original, value: original.value.toString('hex'), version: original.version.toString('hex') },
      );
    }
  });

  it('lays out flags, version, expiry and value as documented', () => {
    const encoded = encodeRecord(record({ tombstone: true, expiresAt: 0x0102030405, value: Buffer.from([0xaa]) }));
    assert.equal(encoded[0], 0x01);
    assert.equal(encoded.subarray(1, 13).toString('hex'), encodeVersion(1_700_000_000_000, 7, 42).toString('hex'));
    assert.equal(encoded.subarray(13, 19).toString('hex'), '000102030405');
    assert.equal(encoded.subarray(19).toString('hex'), 'aa');
  });

  it('refuses a version that is not 12 bytes and an expiry out of range', () => {
    assert.throws(() => encodeRecord(record({ version: Buffer.alloc(11) })), isCode(ErrorCode.InvalidArgument));
    for (const expiresAt of [-1, 1.5, 2 ** 48, Number.NaN]) {
      assert.throws(() => encodeRecord(record({ expiresAt })), isCode(ErrorCode.InvalidArgument));
    }
  });

  it('calls short input and unknown flags corrupt, naming the record when it can', () => {
    const dataKey = encodeDataKey(3, 'idx', Buffer.from('k'));
    assert.throws(() => decodeRecord(Buffer.alloc(RECORD_HEADER_BYTES - 1)), isCode(ErrorCode.Corrupt));
    const badFlags = encodeRecord(record());
    badFlags[0] = 0x02;
    assert.throws(() => decodeRecord(badFlags, dataKey), (err: unknown) => isCode(ErrorCode.Corrupt)(err) && /partition 3, index idx, key 0x6b/.test((err as Error).message));
  });

  it('hands a corrupt record to the writer’s handler and reads it as absent', () => {
    const reported: string[] = [];
    const dataKey = encodeDataKey(0, 'default', Buffer.from('k'));
    assert.equal(decodeForWrite(Buffer.from([0xff]), dataKey, (_key, err) => reported.push(err.code)), undefined);
    assert.deepEqual(reported, [ErrorCode.Corrupt]);
    assert.equal(decodeForWrite(encodeRecord(record()), dataKey, () => assert.fail('not corrupt'))?.value.toString(), 'value');
  });
});
