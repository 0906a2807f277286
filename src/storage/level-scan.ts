/**
 * `LevelStore.scan` and `LevelStore.partition`: range reads over the data
 * keyspace, a chunk of entries per LevelDB call (`nextv`).
 */
import { decodeDataKey, encodeDataKey, partitionRange, prefixRange } from './key-layout.js';
import { type LevelDb, translateLevelError } from './level-db.js';
import { decodeRecord } from './record-codec.js';
import { isLive, type KeyedRecord, type ScanOptions, type StoredRecord } from './store.js';
import { checkScanOptions } from './store-checks.js';
import type { Truncations } from '../truncations.js';

/** Entries per `nextv` call. */
const CHUNK = 1000;
/** Bytes a `nextv` call may buffer before it returns fewer entries (classic-level's default is 16 KiB). */
const CHUNK_BYTES = 4 << 20;
const EMPTY = Buffer.alloc(0);

/** Records of one index in token order: partition ascending, then key bytes (see {@link ScanOptions}); truncated ones never, dead or not. */
export async function* scanLevel(db: LevelDb, options: ScanOptions, partitions: number, now: number, truncations: Truncations): AsyncGenerator<KeyedRecord> {
  checkScanOptions(options);
  const { index, prefix = EMPTY, startAfter, limit = 0, includeDead = false } = options;
  let left = limit > 0 ? limit : Infinity;
  const chunkSize = Math.min(CHUNK, left);
  for (let partition = startAfter?.partition ?? 0; partition < partitions; partition++) {
    const range = prefixRange(partition, index, prefix);
    const keyOffset = range.gte.length - prefix.length;
    let bounds: { gt?: Buffer; gte?: Buffer; lt: Buffer } = range;
    if (startAfter !== undefined && partition === startAfter.partition) {
      const after = encodeDataKey(partition, index, startAfter.key);
      if (Buffer.compare(after, range.gte) >= 0) bounds = { gt: after, lt: range.lt };
    }
    for await (const chunk of chunks(db, bounds, chunkSize, true)) {
      for (const [dataKey, bytes] of chunk) {
        const record = decodeRecord(bytes, dataKey);
        if (!includeDead && !isLive(record, now)) continue;
        if (truncations.hides(index, record.version)) continue;
        yield keyed(partition, index, dataKey.subarray(keyOffset), record);
        if (--left === 0) return;
      }
    }
  }
}

/**
 * Every record of one partition, dead ones included, in (index, key) order,
 * except the truncated ones: anti-entropy digests and transfers read
 * through here, so they never count or send what a truncation removed.
 * These reads feed repair (digests, anti-entropy, transfers) and sweep
 * through whole partitions once: they leave LevelDB's block cache to the
 * serving reads (`fillCache: false`). Measured on 100k records of 130 B in
 * table files, 3 passes each, a pass costs the same either way (2.1 to 2.7 µs
 * of CPU a record, within noise); what it saves is the hot blocks a pass
 * would otherwise evict. LevelDB
 * verifies block checksums on a read only with `verify_checksums`, which
 * classic-level 3.0 does not expose: a damaged compressed block still fails
 * to decompress ("Corruption: corrupted compressed block contents").
 */
export async function* partitionLevel(db: LevelDb, partition: number, truncations: Truncations): AsyncGenerator<KeyedRecord> {
  for await (const chunk of chunks(db, partitionRange(partition), CHUNK, false)) {
    for (const [dataKey, bytes] of chunk) {
      const { index, key } = decodeDataKey(dataKey);
      const record = decodeRecord(bytes, dataKey);
      if (truncations.hides(index, record.version)) continue;
      yield keyed(partition, index, key, record);
    }
  }
}

/** The entries of a key range, one chunk per await rather than one entry. */
export async function* chunks(db: LevelDb, bounds: { gt?: Buffer; gte?: Buffer; lt: Buffer }, size: number, fillCache = true): AsyncGenerator<[Buffer, Buffer][]> {
  const iterator = db.iterator({ ...bounds, highWaterMarkBytes: CHUNK_BYTES, fillCache });
  try {
    for (;;) {
      const chunk = await iterator.nextv(size);
      if (chunk.length === 0) return;
      yield chunk;
    }
  } catch (err) {
    throw translateLevelError(err, db, { operation: 'scan', fromKey: bounds.gte ?? bounds.gt });
  } finally {
    await iterator.close();
  }
}

function keyed(partition: number, index: string, key: Buffer, record: StoredRecord): KeyedRecord {
  return { partition, index, key, value: record.value, version: record.version, expiresAt: record.expiresAt, tombstone: record.tombstone };
}
