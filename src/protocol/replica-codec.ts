/**
 * A hand-written protobuf codec for the Replica service's batch streams
 * (proto/dstash/v1/replica.proto: ApplyBatch, ApplyBatchResult, ReadBatch,
 * ReadBatchResult, and the Record and EntryStatus inside them), wire
 * compatible with any protobuf implementation (test/unit/protocol checks it
 * against proto-loader's). proto-loader's generic codec builds an object per
 * field and converts it again into ours; for batches of a thousand records
 * that was the largest share of a stream's cost (BASELINES.md). This one
 * encodes from and decodes into the replica shapes directly, sizes first and
 * one allocation per message, and reads bytes fields as views of the message.
 *
 * Like every proto3 encoder it leaves out fields at their default value
 * (`applied: false`, an empty value); readers fill the defaults in. An OK
 * entry status is written, empty, as proto-loader's encoder wrote it, so that
 * a generic client sees `status` set on every result as it always did.
 */
import type { EntryStatus } from './generated/dstash/v1/EntryStatus.js';
import type { ApplyBatchMessage, ApplyBatchResultMessage, ReadBatchMessage, ReadBatchResultMessage } from './replica-messages.js';
import type { ApplyOutcome, ReadOutcome, ReplicaRecord, ReplicaValue } from '../replica-types.js';
import { fromEntryStatus, toEntryStatus } from './status.js';
import { type BatchField, decodeBatch, delimitedSize, LENGTH_DELIMITED, readBytesEntry, tag, VARINT, varintSize, WireReader, WireWriter } from './wire-format.js';

const EMPTY: Buffer = Buffer.alloc(0);

// Tags of the fields, by message (field numbers from replica.proto and types.proto).
const RESULT_ID = tag(1, VARINT);
const RESULT_ENTRIES = tag(2, LENGTH_DELIMITED);
const RECORD_KEY = tag(1, LENGTH_DELIMITED);
const RECORD_VALUE = tag(2, LENGTH_DELIMITED);
const RECORD_VERSION = tag(3, LENGTH_DELIMITED);
const RECORD_EXPIRES = tag(4, VARINT);
const RECORD_TOMBSTONE = tag(5, VARINT);
const STATUS_CODE = tag(1, VARINT);
const STATUS_REASON = tag(2, LENGTH_DELIMITED);
const STATUS_MESSAGE = tag(3, LENGTH_DELIMITED);
const OUTCOME_STATUS = tag(1, LENGTH_DELIMITED);
const OUTCOME_FLAG = tag(2, VARINT); // ApplyResult.applied, ReadResult.found
const OUTCOME_RECORD = tag(3, LENGTH_DELIMITED);
const OUTCOME_SYNCING = tag(4, VARINT); // ReadResult.syncing

// Outcomes without data of their own are shared: callers only read them.
const APPLIED: ApplyOutcome = Object.freeze({ applied: true });
const NOT_APPLIED: ApplyOutcome = Object.freeze({ applied: false });
const NOT_FOUND: ReadOutcome = Object.freeze({});
const SYNCING_NOT_FOUND: ReadOutcome = Object.freeze({ syncing: true });

const APPLY_RESULT_FIELDS: OutcomeFields<ApplyOutcome> = { flag: (o) => o.applied, record: () => undefined, syncing: () => false };
const READ_RESULT_FIELDS: OutcomeFields<ReadOutcome> = { flag: (o) => o.record !== undefined, record: (o) => o.record, syncing: (o) => o.syncing === true };

/** Fields 1 (id) and 2 (index) of a batch, and field 1 (id) of a result. */
function idSize(id: number): number {
  return id === 0 ? 0 : 1 + varintSize(id);
}

function indexSize(indexBytes: number): number {
  return indexBytes === 0 ? 0 : delimitedSize(indexBytes);
}

function writeId(w: WireWriter, id: number): void {
  if (id === 0) return;
  w.tag(1, VARINT);
  w.varint(id);
}

function writeIndex(w: WireWriter, index: string, indexBytes: number): void {
  if (indexBytes > 0) w.string(2, index, indexBytes);
}

// dstash.v1.Record: `key` is absent from the records of read results.

function recordSize(r: ReplicaValue, key: Buffer): number {
  return (key.length > 0 ? delimitedSize(key.length) : 0)
    + (r.value.length > 0 ? delimitedSize(r.value.length) : 0)
    + (r.version.length > 0 ? delimitedSize(r.version.length) : 0)
    + (r.expiresAt !== 0 ? 1 + varintSize(r.expiresAt) : 0)
    + (r.tombstone ? 2 : 0);
}

function writeRecord(w: WireWriter, r: ReplicaValue, key: Buffer): void {
  if (key.length > 0) w.bytes(1, key);
  if (r.value.length > 0) w.bytes(2, r.value);
  if (r.version.length > 0) w.bytes(3, r.version);
  if (r.expiresAt !== 0) {
    w.tag(4, VARINT);
    w.varint(r.expiresAt);
  }
  if (r.tombstone) {
    w.tag(5, VARINT);
    w.varint(1);
  }
}

function readRecord(r: WireReader, end: number): ReplicaRecord {
  return readFields(r, end, true) as ReplicaRecord;
}

/** A record of a read result: its fields without the key (which read results leave out). */
function readValue(r: WireReader, end: number): ReplicaValue {
  return readFields(r, end, false);
}

function readFields(r: WireReader, end: number, withKey: boolean): ReplicaRecord | ReplicaValue {
  let key = EMPTY;
  let value = EMPTY;
  let version = EMPTY;
  let expiresAt = 0;
  let tombstone = false;
  while (r.before(end)) {
    const t = r.varint();
    if (t === RECORD_KEY) key = r.bytes();
    else if (t === RECORD_VALUE) value = r.bytes();
    else if (t === RECORD_VERSION) version = r.bytes();
    else if (t === RECORD_EXPIRES) expiresAt = r.varint();
    else if (t === RECORD_TOMBSTONE) tombstone = r.varint() !== 0;
    else r.skip(t & 7);
  }
  return withKey ? { key, value, version, expiresAt, tombstone } : { value, version, expiresAt, tombstone };
}

// dstash.v1.EntryStatus: only errors carry one (an absent status is OK).

/** Bytes of an EntryStatus's fields (without its own tag and length). */
export function statusSize(s: EntryStatus): number {
  return 1 + varintSize(s.code!) + delimitedSize(Buffer.byteLength(s.reason!)) + delimitedSize(Buffer.byteLength(s.message!));
}

/** Writes an EntryStatus as field 1 of the message being written (tag, `size` from {@link statusSize}, fields). */
export function writeStatus(w: WireWriter, s: EntryStatus, size: number): void {
  w.tag(1, LENGTH_DELIMITED);
  w.varint(size);
  w.tag(1, VARINT);
  w.varint(s.code!);
  w.string(2, s.reason!, Buffer.byteLength(s.reason!));
  w.string(3, s.message!, Buffer.byteLength(s.message!));
}

function readStatus(r: WireReader, end: number): EntryStatus {
  const s = { code: 0, reason: '', message: '' };
  while (r.before(end)) {
    const t = r.varint();
    if (t === STATUS_CODE) s.code = r.varint();
    else if (t === STATUS_REASON) s.reason = r.string();
    else if (t === STATUS_MESSAGE) s.message = r.string();
    else r.skip(t & 7);
  }
  return s;
}

/**
 * Encodes a batch: id, index, one length-delimited field 3 per entry (of
 * `sizeOf(i)` bytes written by `write(i)`), and `hintFor` (field 4).
 */
function encodeBatch(id: number, index: string, hintFor: string, count: number, sizeOf: (i: number) => number, write: (w: WireWriter, i: number) => void): Buffer {
  const indexBytes = Buffer.byteLength(index);
  const hintBytes = Buffer.byteLength(hintFor);
  let size = idSize(id) + indexSize(indexBytes) + (hintBytes > 0 ? delimitedSize(hintBytes) : 0);
  for (let i = 0; i < count; i++) size += delimitedSize(sizeOf(i));
  const w = new WireWriter(size);
  writeId(w, id);
  writeIndex(w, index, indexBytes);
  for (let i = 0; i < count; i++) {
    w.tag(3, LENGTH_DELIMITED);
    w.varint(sizeOf(i));
    write(w, i);
  }
  if (hintBytes > 0) w.string(4, hintFor, hintBytes);
  return w.finish();
}

/** ApplyBatch.hint_for (ReadBatch has no field 4). */
const HINT_FOR: BatchField<string> = { tag: tag(4, LENGTH_DELIMITED), read: (r) => r.string(), absent: '' };

/** What a batch result's outcome holds besides its status: field 2, field 3 and field 4. */
interface OutcomeFields<O> {
  /** `applied` or `found`. */
  flag(o: O): boolean;
  record(o: O): ReplicaValue | undefined;
  /** `syncing` (read results only). */
  syncing(o: O): boolean;
}

/**
 * Encodes a batch result: id, then one field-2 outcome per entry: its status
 * when it failed, else its fields.
 */
function encodeResults<O extends { error?: unknown }>(id: number, outcomes: readonly O[], fields: OutcomeFields<O>): Buffer {
  const n = outcomes.length;
  const statuses = new Array<EntryStatus | undefined>(n);
  const sizes = new Int32Array(n * 3); // per outcome: its size, its status's, its record's
  let size = idSize(id);
  for (let i = 0; i < n; i++) {
    const o = outcomes[i]!;
    let body = 0;
    if (o.error) {
      const status = toEntryStatus(o.error);
      statuses[i] = status;
      sizes[i * 3 + 1] = statusSize(status);
      body = delimitedSize(sizes[i * 3 + 1]!);
    } else {
      const record = fields.record(o);
      body = 2; // the empty OK status
      if (fields.flag(o)) body += 2;
      if (fields.syncing(o)) body += 2;
      if (record) {
        sizes[i * 3 + 2] = recordSize(record, EMPTY);
        body += delimitedSize(sizes[i * 3 + 2]!);
      }
    }
    sizes[i * 3] = body;
    size += delimitedSize(body);
  }
  const w = new WireWriter(size);
  writeId(w, id);
  for (let i = 0; i < n; i++) {
    const o = outcomes[i]!;
    w.tag(2, LENGTH_DELIMITED);
    w.varint(sizes[i * 3]!);
    const status = statuses[i];
    if (status) {
      writeStatus(w, status, sizes[i * 3 + 1]!);
      continue;
    }
    w.tag(1, LENGTH_DELIMITED);
    w.varint(0);
    if (fields.flag(o)) {
      w.tag(2, VARINT);
      w.varint(1);
    }
    const record = fields.record(o);
    if (record) {
      w.tag(3, LENGTH_DELIMITED);
      w.varint(sizes[i * 3 + 2]!);
      writeRecord(w, record, EMPTY);
    }
    if (fields.syncing(o)) {
      w.tag(4, VARINT);
      w.varint(1);
    }
  }
  return w.finish();
}

/** Decodes a batch result's id and its outcomes, each built by `outcome` from its fields. */
function decodeResults<O>(buf: Buffer, name: string, outcome: (status: EntryStatus | undefined, flag: boolean, record: ReplicaValue | undefined, syncing: boolean) => O): { id: number; results: O[] } {
  const r = new WireReader(buf, name);
  let id = 0;
  const results: O[] = [];
  while (r.before(buf.length)) {
    const t = r.varint();
    if (t === RESULT_ENTRIES) {
      const end = r.delimited();
      let status: EntryStatus | undefined;
      let flag = false;
      let record: ReplicaValue | undefined;
      let syncing = false;
      while (r.before(end)) {
        const f = r.varint();
        if (f === OUTCOME_FLAG) flag = r.varint() !== 0;
        else if (f === OUTCOME_SYNCING) syncing = r.varint() !== 0;
        else if (f === OUTCOME_RECORD) {
          const recordEnd = r.delimited();
          record = readValue(r, recordEnd);
          r.end(recordEnd);
        } else if (f === OUTCOME_STATUS) {
          const statusEnd = r.delimited();
          // Empty means OK: nothing to build.
          if (statusEnd > r.pos) {
            status = readStatus(r, statusEnd);
            r.end(statusEnd);
          }
        } else r.skip(f & 7);
      }
      r.end(end);
      results.push(outcome(status, flag, record, syncing));
    } else if (t === RESULT_ID) id = r.varint();
    else r.skip(t & 7);
  }
  return { id, results };
}

/**
 * The encoded entries (and hint field) of the record arrays sent lately, by
 * array: a coordinator sends the same records to every replica of a key, and
 * when every replica gets the same keys (N equal to the cluster size, as
 * `dstash dev` runs) it passes the same array to each, so the records are
 * encoded once and copied, not encoded again for each replica.
 */
const encodedEntries = new WeakMap<readonly ReplicaRecord[], { hintFor: string; bytes: Buffer }>();

/**
 * Encodes a dstash.v1.ApplyBatch. Its records must not change once it is
 * encoded (the encoding of the array is kept for the next message that sends it).
 */
export function encodeApplyBatch(m: ApplyBatchMessage): Buffer {
  const { records } = m;
  const hintFor = m.hintFor ?? '';
  let entries = encodedEntries.get(records);
  if (entries?.hintFor !== hintFor) {
    // Fields 3 and 4, as a batch with neither id nor index encodes them.
    const bytes = encodeBatch(0, '', hintFor, records.length, (i) => recordSize(records[i]!, records[i]!.key), (w, i) => writeRecord(w, records[i]!, records[i]!.key));
    entries = { hintFor, bytes };
    encodedEntries.set(records, entries);
  }
  const indexBytes = Buffer.byteLength(m.index);
  const w = new WireWriter(idSize(m.id) + indexSize(indexBytes) + entries.bytes.length);
  writeId(w, m.id);
  writeIndex(w, m.index, indexBytes);
  w.raw(entries.bytes);
  return w.finish();
}

/** Decodes a dstash.v1.ApplyBatch; the records' bytes are views of `buf`. */
export function decodeApplyBatch(buf: Buffer): ApplyBatchMessage {
  const { id, index, entries, fourth: hintFor } = decodeBatch(buf, 'dstash.v1.ApplyBatch', readRecord, HINT_FOR);
  return { id, index, hintFor, records: entries };
}

/** Encodes a dstash.v1.ReadBatch. */
export function encodeReadBatch(m: ReadBatchMessage): Buffer {
  const { keys } = m;
  return encodeBatch(m.id, m.index, '', keys.length, (i) => keys[i]!.length, (w, i) => w.raw(keys[i]!));
}

/** Decodes a dstash.v1.ReadBatch; the keys are views of `buf`. */
export function decodeReadBatch(buf: Buffer): ReadBatchMessage {
  const { id, index, entries } = decodeBatch(buf, 'dstash.v1.ReadBatch', readBytesEntry, HINT_FOR);
  return { id, index, keys: entries };
}

/** Encodes a dstash.v1.ApplyBatchResult. */
export function encodeApplyBatchResult(m: ApplyBatchResultMessage): Buffer {
  return encodeResults(m.id, m.results, APPLY_RESULT_FIELDS);
}

/** Decodes a dstash.v1.ApplyBatchResult into outcomes (an entry's status becomes its error). */
export function decodeApplyBatchResult(buf: Buffer): ApplyBatchResultMessage {
  return decodeResults(buf, 'dstash.v1.ApplyBatchResult', (status, applied): ApplyOutcome => {
    const error = fromEntryStatus(status);
    if (error) return { error, applied: false };
    return applied ? APPLIED : NOT_APPLIED;
  });
}

/** Encodes a dstash.v1.ReadBatchResult. */
export function encodeReadBatchResult(m: ReadBatchResultMessage): Buffer {
  return encodeResults(m.id, m.results, READ_RESULT_FIELDS);
}

/** Decodes a dstash.v1.ReadBatchResult into outcomes; the records' bytes are views of `buf`. */
export function decodeReadBatchResult(buf: Buffer): ReadBatchResultMessage {
  return decodeResults(buf, 'dstash.v1.ReadBatchResult', (status, found, record, syncing): ReadOutcome => {
    const error = fromEntryStatus(status);
    if (error) return { error };
    if (!found || !record) return syncing ? SYNCING_NOT_FOUND : NOT_FOUND;
    return syncing ? { record, syncing } : { record };
  });
}

/** The server side of the Replica service's batch streams: requests in, answers out. */
export const REPLICA_SERVER_CODECS = {
  Apply: { requestDeserialize: decodeApplyBatch, responseSerialize: encodeApplyBatchResult },
  Read: { requestDeserialize: decodeReadBatch, responseSerialize: encodeReadBatchResult },
} as const;

/** The client side of the Replica service's batch streams: requests out, answers in. */
export const REPLICA_CLIENT_CODECS = {
  Apply: { requestSerialize: encodeApplyBatch, responseDeserialize: decodeApplyBatchResult },
  Read: { requestSerialize: encodeReadBatch, responseDeserialize: decodeReadBatchResult },
} as const;
