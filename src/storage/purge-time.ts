/**
 * When a sweep may remove a record, the one rule both stores follow
 * (DESIGN.md, Data model):
 *
 * - a tombstone, `tombstoneGraceMs` after the wall time of its version: long
 *   enough for anti-entropy to carry the delete to every replica, so that no
 *   replica that missed it can bring the old value back;
 * - a record with a TTL, `tombstoneGraceMs` after its expiry. It reads as
 *   missing from its expiry on, but is kept, like a tombstone, for the grace
 *   period: a replica that missed this version still holds an older one, and
 *   if the expired version vanished first, read repair or anti-entropy would
 *   copy the older value back (Cassandra keeps expired cells for the same reason);
 * - any other record, never (0).
 */
import { versionTime } from '../version.js';
import { MAX_TIME_MS } from './key-layout.js';
import type { StoredRecord } from './store.js';

/** The time (ms since the epoch) from which a sweep may purge `record`; 0 = never. */
export function purgeTime(record: StoredRecord, tombstoneGraceMs: number): number {
  if (record.tombstone) return Math.min(versionTime(record.version) + tombstoneGraceMs, MAX_TIME_MS);
  return record.expiresAt === 0 ? 0 : Math.min(record.expiresAt + tombstoneGraceMs, MAX_TIME_MS);
}
