/**
 * Merges the scans of several replicas into one: every replica yields its
 * records in token order (partition, then key bytes), so a k-way merge keeps
 * that order; for a key held by several replicas the newest version wins, and
 * a key whose newest version is a tombstone or expired is left out, as is
 * one whose newest version a truncation the coordinator knows hides.
 */
import { partitionOf } from '../placement/index.js';
import type { ReplicaRecord } from '../replica-types.js';
import { compareVersions } from '../version.js';
import type { ScanItem } from './coordinator-types.js';
import type { Truncations } from '../truncations.js';

interface Head {
  iterator: AsyncIterator<ReplicaRecord>;
  record: ReplicaRecord;
  partition: number;
}

/** Yields the merged live records of `sources`, at most `limit` (0 = all). */
export async function* mergeScans(sources: readonly AsyncIterable<ReplicaRecord>[], index: string, partitions: number, limit: number, truncations: Truncations): AsyncIterable<ScanItem> {
  const iterators = sources.map((s) => s[Symbol.asyncIterator]());
  const heads: Head[] = [];
  const advance = async (iterator: AsyncIterator<ReplicaRecord>): Promise<void> => {
    const next = await iterator.next();
    if (!next.done) heads.push({ iterator, record: next.value, partition: partitionOf(index, next.value.key, partitions) });
  };
  try {
    await Promise.all(iterators.map(advance));
    let yielded = 0;
    const now = Date.now();
    while (heads.length > 0) {
      let min = heads[0]!;
      for (const h of heads) if (compareToken(h, min) < 0) min = h;
      const same = heads.filter((h) => compareToken(h, min) === 0);
      let newest = same[0]!.record;
      for (const h of same) if (compareVersions(h.record.version, newest.version) > 0) newest = h.record;
      for (const h of same) heads.splice(heads.indexOf(h), 1);
      await Promise.all(same.map((h) => advance(h.iterator)));
      if (newest.tombstone || (newest.expiresAt !== 0 && newest.expiresAt <= now) || truncations.hides(index, newest.version)) continue;
      yield { key: newest.key, value: newest.value, version: newest.version, expiresAt: newest.expiresAt };
      if (limit > 0 && ++yielded >= limit) return;
    }
  } finally {
    await Promise.all(iterators.map((it) => it.return?.()));
  }
}

function compareToken(a: Head, b: Head): number {
  return a.partition !== b.partition ? a.partition - b.partition : Buffer.compare(a.record.key, b.record.key);
}
