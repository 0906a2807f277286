/**
 * A hand-written protobuf codec for the server side of the public KV
 * service's batch streams (proto/dstash/v1/kv.proto: PutStream, LookupStream,
 * DeleteStream), wire compatible with any protobuf implementation
 * (test/unit/protocol/kv-codec.test.ts checks it against proto-loader's).
 * Requests decode straight into the coordinator's inputs, with keys and values
 * as views of the message; answers encode straight from its outcomes, sizes
 * first and one allocation per message. The generic codec built an object per
 * entry and per status and cost 1.5–1.7 µs an entry each way; clients keep
 * whatever codec they have, since the bytes are the same.
 *
 * Decoded requests look as proto-loader (with PROTO_LOADER_OPTIONS) decodes
 * them: every field present at its default, the consistency as its enum name
 * (or the number when it names no value), 64-bit integers as numbers.
 */
import type { Consistency__Output } from './generated/dstash/v1/Consistency.js';
import type { KeyBatchMessage, KvLookupOutcome, KvWriteOutcome, LookupBatchResultMessage, PutBatchMessage, PutEntryFields, WriteBatchResultMessage } from './kv-messages.js';
import { statusSize, writeStatus } from './replica-codec.js';
import { toEntryStatus } from './status.js';
import { type BatchField, decodeBatch, delimitedSize, LENGTH_DELIMITED, readBytesEntry, tag, VARINT, varintSize, WireReader, WireWriter } from './wire-format.js';

const EMPTY: Buffer = Buffer.alloc(0);

// Tags of the fields, by message (field numbers from kv.proto).
const ENTRY_KEY = tag(1, LENGTH_DELIMITED);
const ENTRY_VALUE = tag(2, LENGTH_DELIMITED);
const ENTRY_TTL = tag(3, VARINT);

/** dstash.v1.Consistency by number, as proto-loader names them. */
const CONSISTENCY_NAMES: readonly Consistency__Output[] = ['CONSISTENCY_UNSPECIFIED', 'CONSISTENCY_ONE', 'CONSISTENCY_QUORUM', 'CONSISTENCY_ALL'];

function consistencyName(value: number): Consistency__Output | number {
  return CONSISTENCY_NAMES[value] ?? value;
}

/** The batches' field 4: the consistency. */
const CONSISTENCY: BatchField<Consistency__Output | number> = { tag: tag(4, VARINT), read: (r) => consistencyName(r.varint()), absent: 'CONSISTENCY_UNSPECIFIED' };

function readPutEntry(r: WireReader, end: number): PutEntryFields {
  let key = EMPTY;
  let value = EMPTY;
  let ttlMs = 0;
  while (r.before(end)) {
    const t = r.varint();
    if (t === ENTRY_KEY) key = r.bytes();
    else if (t === ENTRY_VALUE) value = r.bytes();
    else if (t === ENTRY_TTL) ttlMs = r.varint();
    else r.skip(t & 7);
  }
  return { key, value, ttlMs };
}

/** Decodes a dstash.v1.PutBatch; keys and values are views of `buf`. */
export function decodePutBatch(buf: Buffer): PutBatchMessage {
  const { id, index, entries, fourth: consistency } = decodeBatch(buf, 'dstash.v1.PutBatch', readPutEntry, CONSISTENCY);
  return { id, index, entries, consistency };
}

/** Decodes a dstash.v1.LookupBatch; the keys are views of `buf`. */
export function decodeLookupBatch(buf: Buffer): KeyBatchMessage {
  const { id, index, entries, fourth: consistency } = decodeBatch(buf, 'dstash.v1.LookupBatch', readBytesEntry, CONSISTENCY);
  return { id, index, keys: entries, consistency };
}

/** Decodes a dstash.v1.DeleteBatch; the keys are views of `buf`. */
export function decodeDeleteBatch(buf: Buffer): KeyBatchMessage {
  const { id, index, entries, fourth: consistency } = decodeBatch(buf, 'dstash.v1.DeleteBatch', readBytesEntry, CONSISTENCY);
  return { id, index, keys: entries, consistency };
}

/** Fields of one result besides its status: its size, and how to write it. */
interface ResultFields<O> {
  size(o: O): number;
  write(w: WireWriter, o: O): void;
}

/** dstash.v1.WriteResult: version (2). */
const WRITE_FIELDS: ResultFields<KvWriteOutcome> = {
  size: (o) => (o.version && o.version.length > 0 ? delimitedSize(o.version.length) : 0),
  write: (w, o) => {
    if (o.version && o.version.length > 0) w.bytes(2, o.version);
  },
};

/** dstash.v1.LookupResult: found (2), value (3), version (4), expires_at_ms (5). */
const LOOKUP_FIELDS: ResultFields<KvLookupOutcome> = {
  size: (o) => (o.found
    ? 2 + (o.value && o.value.length > 0 ? delimitedSize(o.value.length) : 0)
      + (o.version && o.version.length > 0 ? delimitedSize(o.version.length) : 0)
      + (o.expiresAt ? 1 + varintSize(o.expiresAt) : 0)
    : 0),
  write: (w, o) => {
    if (!o.found) return;
    w.tag(2, VARINT);
    w.varint(1);
    if (o.value && o.value.length > 0) w.bytes(3, o.value);
    if (o.version && o.version.length > 0) w.bytes(4, o.version);
    if (o.expiresAt) {
      w.tag(5, VARINT);
      w.varint(o.expiresAt);
    }
  },
};

/**
 * Encodes a batch result: id (1), then one field-2 result per outcome: its
 * status (field 1; empty for OK, as proto-loader's encoder wrote OK_STATUS),
 * and its other fields unless it failed.
 */
function encodeResults<O extends { error?: unknown }>(id: number, outcomes: readonly O[], fields: ResultFields<O>): Buffer {
  const n = outcomes.length;
  const statuses = outcomes.map((o) => (o.error ? toEntryStatus(o.error) : undefined));
  const sizes = new Int32Array(n * 2); // per outcome: its size, its status's
  let size = id === 0 ? 0 : 1 + varintSize(id);
  for (let i = 0; i < n; i++) {
    const status = statuses[i];
    const statusBytes = status ? statusSize(status) : 0;
    const body = delimitedSize(statusBytes) + (status ? 0 : fields.size(outcomes[i]!));
    sizes[i * 2] = body;
    sizes[i * 2 + 1] = statusBytes;
    size += delimitedSize(body);
  }
  const w = new WireWriter(size);
  if (id !== 0) {
    w.tag(1, VARINT);
    w.varint(id);
  }
  for (let i = 0; i < n; i++) {
    w.tag(2, LENGTH_DELIMITED);
    w.varint(sizes[i * 2]!);
    const status = statuses[i];
    if (status) {
      writeStatus(w, status, sizes[i * 2 + 1]!);
      continue;
    }
    w.tag(1, LENGTH_DELIMITED);
    w.varint(0);
    fields.write(w, outcomes[i]!);
  }
  return w.finish();
}

/** Encodes a dstash.v1.PutBatchResult (a DeleteBatchResult has the same fields). */
export function encodeWriteBatchResult(m: WriteBatchResultMessage): Buffer {
  return encodeResults(m.id, m.results, WRITE_FIELDS);
}

/** Encodes a dstash.v1.LookupBatchResult. */
export function encodeLookupBatchResult(m: LookupBatchResultMessage): Buffer {
  return encodeResults(m.id, m.results, LOOKUP_FIELDS);
}

/** The server side of the KV service's batch streams: requests in, answers out. */
export const KV_SERVER_CODECS = {
  PutStream: { requestDeserialize: decodePutBatch, responseSerialize: encodeWriteBatchResult },
  LookupStream: { requestDeserialize: decodeLookupBatch, responseSerialize: encodeLookupBatchResult },
  DeleteStream: { requestDeserialize: decodeDeleteBatch, responseSerialize: encodeWriteBatchResult },
} as const;
