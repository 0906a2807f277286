/**
 * `LevelStore.apply`: last-writer-wins as one read-modify-write cycle per
 * group of calls (see write-queue.ts): one `getMany` of the stored versions,
 * one atomic batch of the records that win, their purge-index entries, and the
 * removal of the entries of the records they replace.
 */
import { compareVersions, NO_VERSION } from '../version.js';
import { keyHashAt, type KeyFilter } from './key-filter.js';
import { checkPartition, dataKeySize, encodePurgeKey, writeDataKey } from './key-layout.js';
import { type LevelBatch, type LevelDb, writeBatch } from './level-db.js';
import { purgeTime } from './purge-time.js';
import type { RecordCache } from './record-cache.js';
import { type CorruptRecordHandler, decodeForWrite, RECORD_HEADER_BYTES, writeRecord } from './record-codec.js';
import type { KeyedRecord, StoredRecord } from './store.js';
import type { Truncations } from '../truncations.js';

const EMPTY = Buffer.alloc(0);

/**
 * The data keys and encoded records of some records, end to end in one
 * buffer: record i's data key is `bytes[ends[2i - 1], ends[2i])` (from 0 for
 * the first) and its encoding `bytes[ends[2i], ends[2i + 1])`. One buffer
 * instead of two per record: a write cycle keeps thousands of records alive
 * across its LevelDB calls, and every object it keeps is one more for the
 * garbage collector to copy.
 */
export interface EncodedRecords {
  bytes: Buffer;
  ends: Int32Array;
}

/** One `apply()` call waiting to commit: its records with their data keys and encodings. */
export interface ApplyCall extends EncodedRecords {
  records: readonly KeyedRecord[];
}

/**
 * Validates and encodes the records of one call, before it queues: a bad
 * record fails its own call, not the group it would have joined, and later
 * changes to the caller's buffers do not reach the store.
 *
 * The store asserts only what its layout needs to not corrupt data
 * (src/limits.ts says who owns which check): the partition, here, against
 * the store's count (it would misfile the record), the index name in the
 * data key, the version length and expiry range in the record codec. Key and
 * value sizes are not the store's: any length encodes, and the replica
 * (node/local-replica.ts) refuses bad ones, record by record, before a call
 * gets here.
 */
export function prepareApply(records: readonly KeyedRecord[], partitions: number): ApplyCall {
  let size = 0;
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    checkPartition(record.partition, partitions);
    size += dataKeySize(record.index, record.key) + RECORD_HEADER_BYTES + record.value.length;
  }
  const bytes = Buffer.allocUnsafe(size);
  const ends = new Int32Array(2 * records.length);
  let at = 0;
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    at = writeDataKey(bytes, at, record.partition, record.index, record.key);
    ends[2 * i] = at;
    at = writeRecord(bytes, at, record);
    ends[2 * i + 1] = at;
  }
  return { records, bytes, ends };
}

/** Where record i's data key starts. */
function keyStart(ends: Int32Array, i: number): number {
  return i === 0 ? 0 : ends[2 * i - 1];
}

/** Record i's data key, as a view of the buffer. */
function dataKey({ bytes, ends }: EncodedRecords, i: number): Buffer {
  return bytes.subarray(keyStart(ends, i), ends[2 * i]);
}

/** What a write cycle needs from its store. */
export interface ApplyContext {
  db: LevelDb;
  tombstoneGraceMs: number;
  sync: boolean;
  /** Told about stored records that do not decode; a newer record replaces them. */
  onCorrupt: CorruptRecordHandler;
  /** The data keys that may be stored: keys it rules out are not read (none is, without it). */
  filter?: KeyFilter;
  /** The hot-record cache: answers the version read where it knows the key, and hears of every record written. */
  cache?: RecordCache;
  /** The truncations in force: a record at or below its index's is not written (reported false, as an older version). */
  truncations?: () => Truncations;
}

/** Commits a group of calls as one cycle; per call, per record, whether it was written. */
export async function commitApplies(context: ApplyContext, calls: ApplyCall[]): Promise<boolean[][]> {
  const { db } = context;
  const one = calls.length === 1;
  const records = one ? calls[0].records : concat(calls, (call) => call.records);
  const encoded = one ? calls[0] : joinEncoded(calls);
  const { bytes, ends } = encoded;
  const n = records.length;
  const hashes = new Int32Array(n);
  for (let i = 0; i < n; i++) hashes[i] = keyHashAt(bytes, keyStart(ends, i), ends[2 * i]);
  const stored = await readStored(context, encoded, hashes);
  const written = await writeBatch(db, context.sync, (batch) => planApply(context, batch, encoded, hashes, records, stored));
  // Committed: the cache now says what LevelDB holds (never before, so that a failed write leaves it as it was).
  const { cache } = context;
  if (cache !== undefined) {
    for (let i = 0; i < n; i++) {
      if (written[i] === 1) cache.write(bytes, keyStart(ends, i), ends[2 * i], hashes[i], bytes.subarray(ends[2 * i], ends[2 * i + 1]));
    }
  }

  const results: boolean[][] = [];
  let at = 0;
  for (const call of calls) {
    const result = new Array<boolean>(call.records.length);
    for (let i = 0; i < result.length; i++) result[i] = written[at++] === 1;
    results.push(result);
  }
  return results;
}

/** The arrays `part` picks from each call, end to end (`flatMap` cost 0.5 µs a record, once a cycle). */
function concat<T>(calls: readonly ApplyCall[], part: (call: ApplyCall) => readonly T[]): T[] {
  let length = 0;
  for (const call of calls) length += part(call).length;
  const out = new Array<T>(length);
  let at = 0;
  for (const call of calls) {
    const items = part(call);
    for (let i = 0; i < items.length; i++) out[at++] = items[i];
  }
  return out;
}

/** The encodings of several calls as one: their buffers joined, their ends shifted. */
function joinEncoded(calls: readonly ApplyCall[]): EncodedRecords {
  let count = 0;
  for (const call of calls) count += call.ends.length;
  const ends = new Int32Array(count);
  let at = 0;
  let offset = 0;
  for (const call of calls) {
    for (let i = 0; i < call.ends.length; i++) ends[at++] = call.ends[i] + offset;
    offset += call.bytes.length;
  }
  return { bytes: Buffer.concat(calls.map((call) => call.bytes), offset), ends };
}

/**
 * The stored records of the data keys, read in one `getMany`, except the
 * keys the filter rules out (certainly not stored: nothing to read) and the
 * keys the cache knows (cycles run one at a time, so the cache holds what the
 * last cycle committed). Every key is added to the filter as it is checked,
 * before the cycle writes it.
 */
async function readStored({ db, filter, cache }: ApplyContext, encoded: EncodedRecords, hashes: Int32Array): Promise<(Buffer | undefined)[]> {
  const n = hashes.length;
  const toRead: Buffer[] = [];
  const readAt: number[] = [];
  const stored = new Array<Buffer | undefined>(n);
  const { bytes, ends } = encoded;
  for (let i = 0; i < n; i++) {
    // A repeated key of the group is read (and found missing): planApply resolves repeats.
    if (filter !== undefined && !filter.addAndCheckHash(hashes[i])) continue;
    if (cache !== undefined) {
      const known = cache.get(bytes, keyStart(ends, i), ends[2 * i], hashes[i]);
      if (known !== undefined) {
        if (known !== null) stored[i] = known;
        continue;
      }
    }
    toRead.push(dataKey(encoded, i));
    readAt.push(i);
  }
  if (toRead.length === 0) return stored;
  const found = await db.getMany(toRead);
  for (let j = 0; j < readAt.length; j++) stored[readAt[j]] = found[j];
  return stored;
}

/**
 * Decides which records win and adds them to `batch`. Per distinct key,
 * only the newest record of the group is written, and only when it is strictly
 * newer than the stored one; every other record reports false, as if the
 * winner had been stored first (which is what readers will see).
 */
function planApply(
  { tombstoneGraceMs, onCorrupt, truncations }: ApplyContext,
  batch: LevelBatch,
  encoded: EncodedRecords,
  hashes: Int32Array,
  records: readonly KeyedRecord[],
  stored: readonly (Buffer | undefined)[],
): Uint8Array {
  const { bytes, ends } = encoded;
  const n = records.length;
  // Per distinct key: the position of its first record, which holds the stored
  // record and the position of the winner so far (-1: the stored one). First
  // positions are found by key hash in an open-addressing table (`slots`: 1 +
  // the position of the latest first record with that hash, 0 for empty; a
  // Map cost 0.4 µs a key); keys whose hashes collide are chained (`sameHash`,
  // -1 ends a chain) and told apart by their bytes.
  const mask = tableMask(n);
  const slots = new Int32Array(mask + 1);
  const sameHash = new Int32Array(n);
  const isFirst = new Uint8Array(n);
  const before = new Array<StoredRecord | undefined>(n);
  const winner = new Int32Array(n).fill(-1);
  const cuts = truncations?.();
  const truncated = cuts !== undefined && !cuts.empty;
  for (let i = 0; i < n; i++) {
    const hash = hashes[i];
    let slot = hash & mask;
    let head = -1;
    for (let taken = slots[slot]; taken !== 0; taken = slots[slot]) {
      if (hashes[taken - 1] === hash) {
        head = taken - 1;
        break;
      }
      slot = (slot + 1) & mask;
    }
    let first = -1;
    for (let f = head; f >= 0; f = sameHash[f]) {
      if (bytes.compare(bytes, keyStart(ends, f), ends[2 * f], keyStart(ends, i), ends[2 * i]) === 0) {
        first = f;
        break;
      }
    }
    if (first < 0) {
      first = i;
      isFirst[i] = 1;
      sameHash[i] = head;
      slots[slot] = i + 1;
      const old = stored[i];
      before[i] = old === undefined ? undefined : decodeForWrite(old, dataKey(encoded, i), onCorrupt);
    }
    const best = winner[first];
    const current = best >= 0 ? records[best].version : (before[first]?.version ?? NO_VERSION);
    // A truncated record loses as to a stored one at the truncation's version.
    if (compareVersions(records[i].version, current) > 0 && !(truncated && cuts.hides(records[i].index, records[i].version))) winner[first] = i;
  }

  const buffer = bytes.buffer;
  const base = bytes.byteOffset;
  const written = new Uint8Array(n);
  for (let first = 0; first < n; first++) {
    if (isFirst[first] === 0) continue;
    const w = winner[first];
    if (w < 0) continue;
    written[w] = 1;
    const old = before[first];
    const oldPurgeAt = old === undefined ? 0 : purgeTime(old, tombstoneGraceMs);
    const newPurgeAt = purgeTime(records[w], tombstoneGraceMs);
    // Deleted before the put: when both entries are the same key, the put stays.
    if (oldPurgeAt > 0) batch.del(encodePurgeKey(oldPurgeAt, dataKey(encoded, w)));
    // Plain views for the native batch, which copies both: they die with this loop.
    const keyAt = keyStart(ends, w);
    batch.put(new Uint8Array(buffer, base + keyAt, ends[2 * w] - keyAt), new Uint8Array(buffer, base + ends[2 * w], ends[2 * w + 1] - ends[2 * w]));
    if (newPurgeAt > 0) batch.put(encodePurgeKey(newPurgeAt, dataKey(encoded, w)), EMPTY);
  }
  return written;
}

/** The mask of a power-of-two table with at least twice `n` slots (so that probes stay short). */
function tableMask(n: number): number {
  let size = 16;
  while (size < 2 * n) size *= 2;
  return size - 1;
}
