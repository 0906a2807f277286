/**
 * `LevelStore.sweep`: walks the purge index up to `now` (only what is due,
 * never the whole store) and removes each due record with its index entry.
 * Every chunk re-reads its records inside the write queue, so a record that an
 * apply replaced since the walk began is judged by its new version and never
 * deleted by mistake. Truncated records have no purge entry: they are found
 * by a walk of their index's keys (purgeTruncated).
 */
import { decodeDataKey, decodePurgeKey, encodePurgeKey, partitionRange, prefixRange, purgeRangeUpTo } from './key-layout.js';
import { deleteStoredIf } from './level-handoff.js';
import { chunks } from './level-scan.js';
import { type LevelDb, writeBatch } from './level-db.js';
import { purgeTime } from './purge-time.js';
import type { RecordCache } from './record-cache.js';
import { type CorruptRecordHandler, decodeForWrite } from './record-codec.js';
import type { SweepResult } from './store.js';
import { ALL_INDEXES } from '../limits.js';
import type { Truncations } from '../truncations.js';
import type { WriteQueue } from './write-queue.js';

/** Purge-index entries read and removed per write cycle. */
const SWEEP_CHUNK = 1000;

/** What a sweep needs from its store. */
export interface SweepContext {
  db: LevelDb;
  /** The store's write queue: chunks run between apply cycles, never during one. */
  queue: Pick<WriteQueue<unknown, unknown>, 'exclusive'>;
  tombstoneGraceMs: number;
  sync: boolean;
  /** Told about stored records that do not decode; the sweep leaves them and goes on. */
  onCorrupt: CorruptRecordHandler;
  /** True once the store is closing: the sweep stops after the current chunk. */
  stopped(): boolean;
  /** The hot-record cache, told of every record purged. */
  cache?: RecordCache;
}

/** Removes what is due at `now`; counts the records removed. */
export async function sweepLevel(context: SweepContext, now: number): Promise<SweepResult> {
  const result: SweepResult = { expired: 0, tombstones: 0 };
  const entries = context.db.keys({ ...purgeRangeUpTo(now), highWaterMarkBytes: 1 << 20 });
  try {
    while (!context.stopped()) {
      const purgeKeys = await entries.nextv(SWEEP_CHUNK);
      if (purgeKeys.length === 0) break;
      const removed = await context.queue.exclusive(() => purgeChunk(context, purgeKeys, now));
      result.expired += removed.expired;
      result.tombstones += removed.tombstones;
    }
  } finally {
    await entries.close();
  }
  return result;
}

async function purgeChunk(context: SweepContext, purgeKeys: Buffer[], now: number): Promise<SweepResult> {
  const dataKeys = purgeKeys.map((purgeKey) => decodePurgeKey(purgeKey).dataKey);
  const stored = await context.db.getMany(dataKeys);
  const purged: Buffer[] = [];
  const result = await writeBatch(context.db, context.sync, (batch) => {
    const removed: SweepResult = { expired: 0, tombstones: 0 };
    for (let i = 0; i < purgeKeys.length; i++) {
      // The entry goes either way: it is due, or stale (its record was replaced).
      batch.del(purgeKeys[i]);
      const bytes = stored[i];
      const record = bytes === undefined ? undefined : decodeForWrite(bytes, dataKeys[i], context.onCorrupt);
      if (record === undefined) continue;
      const purgeAt = purgeTime(record, context.tombstoneGraceMs);
      if (purgeAt === 0 || purgeAt > now) continue;
      batch.del(dataKeys[i]);
      purged.push(dataKeys[i]);
      // The current record's own entry, when it is not the one being walked.
      batch.del(encodePurgeKey(purgeAt, dataKeys[i]));
      if (record.tombstone) removed.tombstones += 1;
      else removed.expired += 1;
    }
    return removed;
  });
  context.cache?.deleted(purged);
  return result;
}

/** What purging a truncation needs: the sweep's context, the truncations now, and the store's partition count. */
export interface TruncationPurgeContext extends SweepContext {
  truncations: Truncations;
  partitions: number;
}

const EMPTY = Buffer.alloc(0);

/**
 * Purges the records that the truncation of `index` (or of every index, for
 * `ALL_INDEXES`) hides: walks the index's keys partition by partition and
 * deletes the hidden ones, a chunk per write cycle, each re-read inside it.
 * Counts what it purged; undefined when the store closed before the end.
 */
export async function purgeTruncated(context: TruncationPurgeContext, index: string): Promise<number | undefined> {
  const { db, truncations, queue } = context;
  const hidden = (dataKey: Buffer, record: { version: Buffer } | undefined): boolean => record !== undefined && truncations.hides(decodeDataKey(dataKey).index, record.version);
  let purged = 0;
  for (let partition = 0; partition < context.partitions; partition++) {
    const range = index === ALL_INDEXES ? partitionRange(partition) : prefixRange(partition, index, EMPTY);
    for await (const chunk of chunks(db, range, SWEEP_CHUNK)) {
      if (context.stopped()) return undefined;
      const dataKeys = chunk.filter(([dataKey, bytes]) => hidden(dataKey, decodeForWrite(bytes, dataKey, context.onCorrupt))).map(([dataKey]) => dataKey);
      if (dataKeys.length === 0) continue;
      purged += await queue.exclusive(() => deleteStoredIf(context, dataKeys, (record, i) => hidden(dataKeys[i]!, record)));
    }
  }
  return purged;
}
