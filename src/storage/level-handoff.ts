/**
 * `LevelStore`'s hinted-handoff and hand-over operations: hints in their own
 * keyspace (apart from the records), and deletes conditional on the version a
 * transfer sent. Each runs as an exclusive task of the write queue, so that it
 * never interleaves with a write cycle.
 */
import { compareVersions } from '../version.js';
import { decodeDataKey, decodeHintKey, encodeDataKey, encodeHintKey, encodePurgeKey, hintRange } from './key-layout.js';
import { type LevelDb, writeBatch } from './level-db.js';
import { purgeTime } from './purge-time.js';
import { type CorruptRecordHandler, decodeForWrite } from './record-codec.js';
import type { RecordCache } from './record-cache.js';
import type { RecordKey, StoredRecord } from './store.js';

const EMPTY = Buffer.alloc(0);

/** Counts the hints already on disk, per target (once, at open). */
export async function countHints(db: LevelDb): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for await (const key of db.keys(hintRange())) {
    const { target } = decodeHintKey(key);
    counts.set(target, (counts.get(target) ?? 0) + 1);
  }
  return counts;
}

/** Adds the hints that are not there yet while the total stays within `max`; updates `counts`. */
export async function addHints(
  db: LevelDb,
  sync: boolean,
  counts: Map<string, number>,
  max: number,
  target: string,
  keys: readonly RecordKey[],
): Promise<{ kept: number; dropped: number }> {
  const hintKeys = keys.map((k) => encodeHintKey(target, encodeDataKey(k.partition, k.index, k.key)));
  const present = await db.getMany(hintKeys);
  let total = 0;
  for (const n of counts.values()) total += n;
  let kept = 0;
  let dropped = 0;
  const seen = new Set<string>();
  await writeBatch(db, sync, (batch) => {
    for (let i = 0; i < hintKeys.length; i++) {
      const id = hintKeys[i]!.toString('latin1');
      if (present[i] !== undefined || seen.has(id)) continue;
      seen.add(id);
      if (total + kept >= max) {
        dropped += 1;
        continue;
      }
      batch.put(hintKeys[i]!, EMPTY);
      kept += 1;
    }
  });
  if (kept > 0) counts.set(target, (counts.get(target) ?? 0) + kept);
  return { kept, dropped };
}

/** Up to `limit` hints of `target`. */
export async function hintsFor(db: LevelDb, target: string, limit: number): Promise<RecordKey[]> {
  const out: RecordKey[] = [];
  for await (const key of db.keys({ ...hintRange(target), limit })) out.push(decodeDataKey(decodeHintKey(key).dataKey));
  return out;
}

/** Removes hints of `target`; updates `counts`. */
export async function removeHints(db: LevelDb, sync: boolean, counts: Map<string, number>, target: string, keys: readonly RecordKey[]): Promise<void> {
  const hintKeys = keys.map((k) => encodeHintKey(target, encodeDataKey(k.partition, k.index, k.key)));
  const present = await db.getMany(hintKeys);
  let removed = 0;
  await writeBatch(db, sync, (batch) => {
    for (let i = 0; i < hintKeys.length; i++) {
      if (present[i] === undefined) continue;
      batch.del(hintKeys[i]!);
      removed += 1;
    }
  });
  const left = (counts.get(target) ?? 0) - removed;
  if (left > 0) counts.set(target, left);
  else counts.delete(target);
}

/** Deletes the records whose stored version equals the given one, with their purge entries. */
export async function deleteIfVersion(
  db: LevelDb,
  sync: boolean,
  tombstoneGraceMs: number,
  onCorrupt: CorruptRecordHandler,
  records: readonly (RecordKey & { version: Buffer })[],
  cache?: RecordCache,
): Promise<number> {
  const keys = records.map((r) => encodeDataKey(r.partition, r.index, r.key));
  return deleteStoredIf({ db, sync, tombstoneGraceMs, onCorrupt, cache }, keys, (record, i) => compareVersions(record.version, records[i]!.version) === 0);
}

/** What a conditional delete needs from its store. */
export interface DeleteContext {
  db: LevelDb;
  sync: boolean;
  tombstoneGraceMs: number;
  onCorrupt: CorruptRecordHandler;
  cache?: RecordCache;
}

/**
 * Deletes, with its purge entry, each record stored at `dataKeys[i]` for
 * which `test(record, i)` holds, judged on what is stored now (a caller runs
 * it inside the write queue, so nothing changes in between); counts them.
 */
export async function deleteStoredIf(
  { db, sync, tombstoneGraceMs, onCorrupt, cache }: DeleteContext,
  dataKeys: readonly Buffer[],
  test: (record: StoredRecord, i: number) => boolean,
): Promise<number> {
  const stored = await db.getMany(dataKeys as Buffer[]);
  const removed: Buffer[] = [];
  const deleted = await writeBatch(db, sync, (batch) => {
    let deleted = 0;
    for (let i = 0; i < dataKeys.length; i++) {
      const bytes = stored[i];
      if (bytes === undefined) continue;
      const record = decodeForWrite(bytes, dataKeys[i]!, onCorrupt);
      if (!record || !test(record, i)) continue;
      const purgeAt = purgeTime(record, tombstoneGraceMs);
      if (purgeAt > 0) batch.del(encodePurgeKey(purgeAt, dataKeys[i]!));
      batch.del(dataKeys[i]!);
      removed.push(dataKeys[i]!);
      deleted += 1;
    }
    return deleted;
  });
  cache?.deleted(removed);
  return deleted;
}
