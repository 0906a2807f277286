/**
 * The hand-written codec of the KV service's batch streams (server side)
 * against proto-loader's (protobufjs) encoding of the same .proto: the node
 * reads what any client writes into what proto-loader would have given it,
 * and clients read the node's answers exactly as they read the generic
 * codec's. Malformed input fails cleanly.
 */
import assert from 'node:assert/strict';
import * as protoLoader from '@grpc/proto-loader';
import { DstashError, ErrorCode, InvalidArgumentError } from '../../../src/errors.js';
import { KvService, PROTO_DIR, PROTO_LOADER_OPTIONS } from '../../../src/protocol/definitions.js';
import { decodeDeleteBatch, decodeLookupBatch, decodePutBatch, encodeLookupBatchResult, encodeWriteBatchResult } from '../../../src/protocol/kv-codec.js';
import type { KvLookupOutcome, KvWriteOutcome } from '../../../src/protocol/kv-messages.js';
import { OK_STATUS, toEntryStatus } from '../../../src/protocol/status.js';
import { encodeVersion } from '../../../src/version.js';
import { assertCutsFailCleanly } from '../../helpers/truncated-input.js';

/** proto-loader's generic codec of each message, as every other protobuf implementation would write and read it. */
const reference = protoLoader.loadSync('dstash/v1/kv.proto', { ...PROTO_LOADER_OPTIONS, includeDirs: [PROTO_DIR] });
function generic(type: string): { serialize(o: object): Buffer; deserialize(b: Buffer): Record<string, unknown> } {
  return reference[`dstash.v1.${type}`] as unknown as { serialize(o: object): Buffer; deserialize(b: Buffer): Record<string, unknown> };
}

const b = (s: string): Buffer => Buffer.from(s);
const version = encodeVersion(1_700_000_000_000, 3, 0xfffffffe);
const isInvalid = (err: unknown): boolean => err instanceof DstashError && err.code === ErrorCode.InvalidArgument;

const putBatch = {
  id: 2 ** 40 + 7,
  index: 'índex',
  entries: [
    { key: b('k1'), value: b('v'.repeat(300)), ttlMs: 2 ** 33 },
    { key: Buffer.alloc(0), value: Buffer.alloc(0), ttlMs: 0 },
    { key: Buffer.alloc(40, 7), value: b('x'), ttlMs: 1 },
  ],
  consistency: 'CONSISTENCY_ALL',
};

/** What the node's handlers answered before this codec: outcomes mapped to the generated shapes, as proto-loader encoded them. */
function genericWriteResult(o: KvWriteOutcome): object {
  return o.error ? { status: toEntryStatus(o.error), version: Buffer.alloc(0) } : { status: OK_STATUS, version: o.version ?? Buffer.alloc(0) };
}

function genericLookupResult(o: KvLookupOutcome): object {
  if (o.error) return { status: toEntryStatus(o.error), found: false };
  if (!o.found) return { status: OK_STATUS, found: false };
  return { status: OK_STATUS, found: true, value: o.value ?? Buffer.alloc(0), version: o.version ?? Buffer.alloc(0), expiresAtMs: o.expiresAt ?? 0 };
}

const invalid = new InvalidArgumentError(ErrorCode.InvalidKey, 'invalid key: empty');
const writeOutcomes: KvWriteOutcome[] = [{ version }, { error: invalid }, { version: Buffer.alloc(0) }];
const lookupOutcomes: KvLookupOutcome[] = [
  { found: true, value: b('hello'), version, expiresAt: 1_700_000_123_456 },
  { found: false },
  { found: true, value: Buffer.alloc(0), version, expiresAt: 0 },
  { error: new DstashError(ErrorCode.ReadQuorum, 'read quorum not met'), found: false },
];

describe('protocol/kv-codec', () => {
  it('reads PutBatch as proto-loader does, from what proto-loader writes', () => {
    const wire = generic('PutBatch').serialize(putBatch);
    assert.deepEqual(decodePutBatch(wire), generic('PutBatch').deserialize(wire));
    assert.deepEqual(decodePutBatch(wire), putBatch);
    const empty = generic('PutBatch').serialize({});
    assert.deepEqual(decodePutBatch(empty), generic('PutBatch').deserialize(empty), 'every field at its default');
    const bareEntry = generic('PutBatch').serialize({ entries: [{}] });
    assert.deepEqual(decodePutBatch(bareEntry), generic('PutBatch').deserialize(bareEntry), 'an entry with no field set');
  });

  it('reads LookupBatch and DeleteBatch as proto-loader does, consistency names and unknown numbers included', () => {
    for (const [type, decode] of [['LookupBatch', decodeLookupBatch], ['DeleteBatch', decodeDeleteBatch]] as const) {
      for (const consistency of ['CONSISTENCY_UNSPECIFIED', 'CONSISTENCY_ONE', 'CONSISTENCY_QUORUM', 'CONSISTENCY_ALL', 7]) {
        const wire = generic(type).serialize({ id: 12, index: 'default', keys: [b('a'), Buffer.alloc(0), Buffer.alloc(5000, 1)], consistency });
        assert.deepEqual(decode(wire), generic(type).deserialize(wire), `${type} with ${consistency}`);
      }
      const empty = Buffer.alloc(0);
      assert.deepEqual(decode(empty), generic(type).deserialize(empty));
    }
  });

  it('writes PutBatchResult and DeleteBatchResult as proto-loader wrote the handlers\' results', () => {
    const ours = encodeWriteBatchResult({ id: 9, results: writeOutcomes });
    for (const type of ['PutBatchResult', 'DeleteBatchResult']) {
      const before = generic(type).serialize({ id: 9, results: writeOutcomes.map(genericWriteResult) });
      assert.deepEqual(generic(type).deserialize(ours), generic(type).deserialize(before), type);
    }
    const decoded = generic('PutBatchResult').deserialize(ours) as { results: { status: { code: number; reason: string; message: string }; version: Buffer }[] };
    assert.deepEqual(decoded.results[0]!.version, version);
    assert.deepEqual(decoded.results[1]!.status, { code: 3, reason: ErrorCode.InvalidKey, message: 'invalid key: empty' });
    assert.deepEqual(decoded.results[2]!.status, { code: 0, reason: '', message: '' }, 'an OK status is set, as before');
  });

  it('writes LookupBatchResult as proto-loader wrote the handlers\' results: found, missing, empty and failed entries', () => {
    const ours = encodeLookupBatchResult({ id: 2 ** 35, results: lookupOutcomes });
    const before = generic('LookupBatchResult').serialize({ id: 2 ** 35, results: lookupOutcomes.map(genericLookupResult) });
    assert.deepEqual(generic('LookupBatchResult').deserialize(ours), generic('LookupBatchResult').deserialize(before));
    const decoded = generic('LookupBatchResult').deserialize(ours) as { id: number; results: { found: boolean; value: Buffer; expiresAtMs: number; status: { reason: string } }[] };
    assert.equal(decoded.id, 2 ** 35);
    assert.deepEqual(decoded.results.map((r) => [r.found, r.value.toString(), r.expiresAtMs, r.status.reason]), [
      [true, 'hello', 1_700_000_123_456, ''],
      [false, '', 0, ''],
      [true, '', 0, ''],
      [false, '', 0, ErrorCode.ReadQuorum],
    ]);
  });

  it('is the codec a node serves the streams with; clients keep the generic one', () => {
    assert.equal(KvService.service.PutStream.requestDeserialize, decodePutBatch);
    assert.equal(KvService.service.LookupStream.responseSerialize, encodeLookupBatchResult);
    // A client encodes with proto-loader, and reads the node's answers with it.
    const wire = KvService.service.PutStream.requestSerialize(putBatch as never);
    assert.deepEqual(wire, generic('PutBatch').serialize(putBatch));
  });

  it('throws DSTASH_INVALID_ARGUMENT on truncated or malformed input, never anything else', () => {
    assertCutsFailCleanly(generic('PutBatch').serialize(putBatch), decodePutBatch, isInvalid);
    assertCutsFailCleanly(generic('LookupBatch').serialize({ id: 12, index: 'default', keys: [b('a'), Buffer.alloc(0), Buffer.alloc(300, 1)], consistency: 'CONSISTENCY_ALL' }), decodeLookupBatch, isInvalid);
    assert.throws(() => decodeLookupBatch(Buffer.from([0x1a, 0x05, 0x61])), isInvalid, 'a length past the end');
    assert.throws(() => decodePutBatch(Buffer.from([0x0b])), isInvalid, 'wire type 3 (groups) is not supported');
    assert.throws(() => decodePutBatch(Buffer.from([0x1a, 0x02, 0x0a, 0x05, 0x61, 0x62, 0x63, 0x64, 0x65])), isInvalid, 'a field overrunning its entry');
  });
});
