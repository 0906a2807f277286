/**
 * The hand-written codec of the Replica batch streams against proto-loader's
 * (protobufjs) encoding of the same .proto: each side reads what the other
 * writes, unknown fields are skipped, and malformed input fails cleanly.
 */
import assert from 'node:assert/strict';
import * as protoLoader from '@grpc/proto-loader';
import { DstashError, ErrorCode, InvalidArgumentError } from '../../../src/errors.js';
import { PROTO_DIR, PROTO_LOADER_OPTIONS } from '../../../src/protocol/definitions.js';
import {
  decodeApplyBatch, decodeApplyBatchResult, decodeReadBatch, decodeReadBatchResult,
  encodeApplyBatch, encodeApplyBatchResult, encodeReadBatch, encodeReadBatchResult,
} from '../../../src/protocol/replica-codec.js';
import type { ApplyBatchMessage, ApplyBatchResultMessage, ReadBatchResultMessage } from '../../../src/protocol/replica-messages.js';
import { VARINT, WireReader, WireWriter, varintSize } from '../../../src/protocol/wire-format.js';
import { encodeVersion } from '../../../src/version.js';
import { assertCutsFailCleanly } from '../../helpers/truncated-input.js';

/** proto-loader's generic codec of each message, as every other protobuf implementation would write and read it. */
const reference = protoLoader.loadSync('dstash/v1/replica.proto', { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_DIR] });
function generic(type: string): { serialize(o: object): Buffer; deserialize(b: Buffer): Record<string, unknown> } {
  return reference[`dstash.v1.${type}`] as unknown as { serialize(o: object): Buffer; deserialize(b: Buffer): Record<string, unknown> };
}

const b = (s: string): Buffer => Buffer.from(s);
const version = encodeVersion(1_700_000_000_000, 3, 0xfffffffe);

const applyBatch: ApplyBatchMessage = {
  id: 2 ** 40 + 7,
  index: 'índex',
  hintFor: 'node-3',
  records: [
    { key: b('k1'), value: b('v'.repeat(300)), version, expiresAt: 2 ** 48 - 1, tombstone: false },
    { key: b('k2'), value: Buffer.alloc(0), version, expiresAt: 0, tombstone: true },
    { key: Buffer.alloc(40, 7), value: b('x'), version: Buffer.alloc(0), expiresAt: 128, tombstone: false },
  ],
};

/** The same batch in proto-loader's shapes. */
function genericApplyBatch(m: ApplyBatchMessage): object {
  return {
    id: m.id,
    index: m.index,
    hintFor: m.hintFor,
    records: m.records.map((r) => ({ key: r.key, value: r.value, version: r.version, expiresAtMs: r.expiresAt, tombstone: r.tombstone })),
  };
}

const invalid = new InvalidArgumentError(ErrorCode.InvalidKey, 'invalid key: empty');
const applyResult: ApplyBatchResultMessage = { id: 9, results: [{ applied: true }, { applied: false }, { error: invalid, applied: false }] };
const readResult: ReadBatchResultMessage = {
  id: 300,
  results: [
    { record: { value: b('hello'), version, expiresAt: 5, tombstone: false } },
    {},
    { syncing: true },
    { record: { value: Buffer.alloc(0), version, expiresAt: 0, tombstone: true }, syncing: true },
    { error: new DstashError(ErrorCode.Unavailable, 'store closed') },
  ],
};

const isInvalid = (err: unknown): boolean => err instanceof DstashError && err.code === ErrorCode.InvalidArgument;

describe('protocol/replica-codec', () => {
  it('writes ApplyBatch as protobufjs reads it, and reads what protobufjs writes', () => {
    assert.deepEqual(generic('ApplyBatch').deserialize(encodeApplyBatch(applyBatch)), genericApplyBatch(applyBatch));
    assert.deepEqual(decodeApplyBatch(generic('ApplyBatch').serialize(genericApplyBatch(applyBatch))), applyBatch);
    assert.deepEqual(decodeApplyBatch(encodeApplyBatch(applyBatch)), applyBatch);
    const bare = { id: 0, index: '', hintFor: '', records: [] };
    assert.deepEqual(decodeApplyBatch(encodeApplyBatch(bare)), bare);
    assert.equal(encodeApplyBatch(bare).length, 0, 'every field at its default is left out');
  });

  it('encodes the records of an array once, and each message with its own id, index and hint target', () => {
    const records = applyBatch.records;
    const first = encodeApplyBatch({ ...applyBatch, records });
    // The same array to another replica: another id and index, no hint; then to a stand-in with a hint again.
    const second = encodeApplyBatch({ id: 3, index: 'other', records });
    const third = encodeApplyBatch({ id: 4, index: 'other', hintFor: 'node-9', records });
    const fresh = (m: ApplyBatchMessage): Buffer => encodeApplyBatch({ ...m, records: records.slice() });
    assert.deepEqual(first, fresh(applyBatch));
    assert.deepEqual(second, fresh({ id: 3, index: 'other', records }));
    assert.deepEqual(third, fresh({ id: 4, index: 'other', hintFor: 'node-9', records }));
    assert.deepEqual(decodeApplyBatch(second), { id: 3, index: 'other', hintFor: '', records });
    assert.deepEqual(generic('ApplyBatch').deserialize(third), genericApplyBatch({ id: 4, index: 'other', hintFor: 'node-9', records }));
  });

  it('writes and reads ReadBatch like protobufjs, empty keys included', () => {
    const m = { id: 1, index: 'default', keys: [b('a'), Buffer.alloc(0), Buffer.alloc(5000, 1)] };
    assert.deepEqual(generic('ReadBatch').deserialize(encodeReadBatch(m)), m);
    assert.deepEqual(decodeReadBatch(generic('ReadBatch').serialize(m)), m);
  });

  it('writes ApplyBatchResult with an OK status on every entry, as protobufjs clients expect', () => {
    const decoded = generic('ApplyBatchResult').deserialize(encodeApplyBatchResult(applyResult)) as { id: number; results: { status: { code: number; reason: string; message: string }; applied: boolean }[] };
    assert.equal(decoded.id, 9);
    assert.deepEqual(decoded.results.map((r) => [r.status.code, r.status.reason, r.applied]), [[0, '', true], [0, '', false], [3, ErrorCode.InvalidKey, false]]);
    assert.equal(decoded.results[2]!.status.message, 'invalid key: empty');
  });

  it('reads ApplyBatchResult from protobufjs into outcomes with typed errors', () => {
    const wire = generic('ApplyBatchResult').serialize({
      id: 9,
      results: [{ status: { code: 0 }, applied: true }, { applied: false }, { status: { code: 3, reason: ErrorCode.InvalidKey, message: 'invalid key: empty' } }],
    });
    const { id, results } = decodeApplyBatchResult(wire);
    assert.equal(id, 9);
    assert.deepEqual(results.slice(0, 2), [{ applied: true }, { applied: false }]);
    assert.ok(results[2]!.error instanceof InvalidArgumentError);
    assert.equal(results[2]!.error.code, ErrorCode.InvalidKey);
    assert.deepEqual(decodeApplyBatchResult(encodeApplyBatchResult(applyResult)).results.map((r) => r.error?.code ?? r.applied), [true, false, ErrorCode.InvalidKey]);
  });

  it('writes and reads ReadBatchResult like protobufjs: found, missing, syncing and failed entries', () => {
    const decoded = generic('ReadBatchResult').deserialize(encodeReadBatchResult(readResult)) as { results: { found: boolean; syncing: boolean; record: { value: Buffer; expiresAtMs: number; tombstone: boolean } | null; status: { reason: string } }[] };
    assert.deepEqual(decoded.results.map((r) => [r.found, r.syncing, r.record?.value.toString() ?? null, r.status.reason]), [
      [true, false, 'hello', ''],
      [false, false, null, ''],
      [false, true, null, ''],
      [true, true, '', ''],
      [false, false, null, ErrorCode.Unavailable],
    ]);
    assert.equal(decoded.results[0]!.record!.expiresAtMs, 5);
    assert.equal(decoded.results[3]!.record!.tombstone, true);

    const wire = generic('ReadBatchResult').serialize(decoded);
    for (const bytes of [wire, encodeReadBatchResult(readResult)]) {
      const { id, results } = decodeReadBatchResult(bytes);
      assert.equal(id, 300);
      assert.deepEqual(results.slice(0, 4), readResult.results.slice(0, 4));
      assert.equal(results[4]!.error!.code, ErrorCode.Unavailable);
      assert.equal(results[4]!.error!.message, 'store closed');
    }
  });

  it('skips unknown fields of every wire type and merges concatenated messages as protobuf does', () => {
    const unknown = Buffer.from([
      0x78, 0x96, 0x01, // field 15, varint
      0x71, 1, 2, 3, 4, 5, 6, 7, 8, // field 14, fixed64
      0x6d, 1, 2, 3, 4, // field 13, fixed32
      0x62, 0x03, 0x61, 0x62, 0x63, // field 12, length-delimited
    ]);
    const one = encodeApplyBatch(applyBatch);
    const decoded = decodeApplyBatch(Buffer.concat([unknown, one, unknown, one]));
    assert.deepEqual(decoded, { ...applyBatch, records: [...applyBatch.records, ...applyBatch.records] }, 'repeated fields append, the last scalar wins');
  });

  it('throws DSTASH_INVALID_ARGUMENT on truncated or malformed input, never anything else', () => {
    assertCutsFailCleanly(encodeApplyBatch(applyBatch), decodeApplyBatch, isInvalid);
    assertCutsFailCleanly(encodeReadBatchResult(readResult), decodeReadBatchResult, isInvalid);
    assertCutsFailCleanly(encodeApplyBatchResult(applyResult), decodeApplyBatchResult, isInvalid);
    assert.throws(() => decodeReadBatch(Buffer.from([0x1a, 0x05, 0x61])), isInvalid, 'a length past the end');
    assert.throws(() => decodeApplyBatch(Buffer.from([0x0b])), isInvalid, 'wire type 3 (groups) is not supported');
    assert.throws(() => decodeApplyBatch(Buffer.from([0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01])), isInvalid, 'a varint over 10 bytes');
    assert.throws(() => decodeApplyBatch(Buffer.from([0x1a, 0x02, 0x0a, 0x05, 0x61, 0x62, 0x63, 0x64, 0x65])), isInvalid, 'a field overrunning its record');
  });

  it('encodes varints exactly up to 2^53, in the sizes it predicts', () => {
    for (const value of [0, 1, 127, 128, 16383, 16384, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 31, 2 ** 32 + 5, 2 ** 35, 2 ** 42, 2 ** 49, 2 ** 53 - 1]) {
      const w = new WireWriter(1 + varintSize(value));
      w.tag(1, VARINT);
      w.varint(value);
      const bytes = w.finish();
      const r = new WireReader(bytes, 'test');
      r.varint();
      assert.equal(r.varint(), value);
      assert.equal(generic('ApplyBatch').deserialize(bytes).id, value, `protobufjs reads ${value} the same`);
    }
  });
});
