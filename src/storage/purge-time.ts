/**
 * When a sweep may remove a record, the one rule both stores follow
 * (DESIGN.md, Data model):
 *
 * - a tombstone, `tombstoneGraceMs` after the wall time of its version: long
 *   enough for anti-entropy to carry the delete to every replica, so that no
 *   replica that missed it can bring the old value back;
 * - a record with a TTL, at its expiry. It is removed outright, not turned into
 *   a tombstone: the expiry travels inside the record, so every replica that
 *   holds this version drops it on its own at the same instant;
 * - any other record, never (0).
 */
import { versionTime } from '../version.js';
import { MAX_TIME_MS } from './key-layout.js';
import type { StoredRecord } from './store.js';

/** The time (ms since the epoch) from which a sweep may purge `record`; 0 = never. */
export function purgeTime(record: StoredRecord, tombstoneGraceMs: number): number {
  if (record.tombstone) return Math.min(versionTime(record.version) + tombstoneGraceMs, MAX_TIME_MS);
  return record.expiresAt;
}
