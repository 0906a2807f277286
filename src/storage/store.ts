/**
 * The `Store` seam: what a node needs from its local storage. Every
 * implementation passes the shared compliance suite (test/unit/storage/).
 * Storage knows nothing of the network or of placement: callers hand it the
 * partition each key belongs to.
 */

import type { RecordCacheStats } from './record-cache.js';

/** The metadata name a store keeps its truncations under (JSON, see src/truncations.ts). */
export const TRUNCATIONS_META = 'truncations';

/** A stored record as the node keeps it (DESIGN.md, Data model). */
export interface StoredRecord {
  /** The value; empty for a tombstone. */
  value: Buffer;
  /** 12-byte version (see src/version.ts); compared as unsigned bytes. */
  version: Buffer;
  /** Expiry in ms since the epoch; 0 = never. */
  expiresAt: number;
  /** True when the record marks a delete. */
  tombstone: boolean;
}

/** Where a record lives: its partition, index and key. */
export interface RecordKey {
  partition: number;
  index: string;
  key: Buffer;
}

/** A record together with its address. */
export interface KeyedRecord extends RecordKey, StoredRecord {}

/** Options of a prefix scan over one index. */
export interface ScanOptions {
  index: string;
  /** Only keys starting with these bytes; empty = all keys. */
  prefix?: Buffer;
  /** Resume strictly after this position (token order: partition, then key bytes). */
  startAfter?: { partition: number; key: Buffer };
  /** Stop after this many records; 0 or absent = no limit. */
  limit?: number;
  /** Include tombstones and expired records (replicas need them to merge); default false. */
  includeDead?: boolean;
}

/** What a sweep removed. */
export interface SweepResult {
  expired: number;
  tombstones: number;
}

/** Local record storage with last-writer-wins apply. */
export interface Store {
  /** Opens the store; reads and writes before that fail with `DSTASH_NOT_OPEN`. */
  open(): Promise<void>;
  /** Closes the store, waiting for writes in progress. Idempotent. */
  close(): Promise<void>;
  /** True between a completed `open()` and `close()`. */
  readonly isOpen: boolean;

  /**
   * Applies records last-writer-wins, atomically as one batch. Per record,
   * true when it was written, false when the stored version was newer or equal
   * (the write was ignored). Records for the same key within one call resolve
   * by version too.
   */
  apply(records: readonly KeyedRecord[]): Promise<boolean[]>;

  /**
   * Reads records as stored, tombstones and expired records included (callers
   * decide with {@link isLive}). `undefined` where nothing is stored.
   */
  getMany(keys: readonly RecordKey[]): Promise<(StoredRecord | undefined)[]>;

  /** Records of one index in token order (partition, then key bytes). */
  scan(options: ScanOptions): AsyncIterable<KeyedRecord>;

  /** Every record of one partition, tombstones and expired ones included, in (index, key) order. */
  partition(partition: number): AsyncIterable<KeyedRecord>;

  /** Purges expired records and tombstones older than the grace period. */
  sweep(now?: number): Promise<SweepResult>;

  /** Reads a small metadata value (node id, partition count…). */
  getMeta(name: string): Promise<string | undefined>;
  /** Writes a small metadata value durably. */
  putMeta(name: string, value: string): Promise<void>;

  /**
   * Reads the consensus state of keys (opaque bytes that src/consensus/
   * encodes), kept apart from their records; `undefined` where there is none.
   */
  getPaxosStates(keys: readonly RecordKey[]): Promise<(Buffer | undefined)[]>;
  /**
   * Writes the consensus state of keys atomically and durably before
   * resolving: the write is in LevelDB's log, fsync'ed when the store's `sync`
   * option is on. A key given twice keeps its last state.
   */
  putPaxosStates(states: readonly { key: RecordKey; state: Buffer }[]): Promise<void>;

  /** Approximate bytes on disk. */
  approximateSize(): Promise<number>;

  /**
   * Keeps hints: the records at `keys` are to be delivered to `target`, an
   * unhealthy home replica this node stands in for. Hints live apart from the
   * records and are bounded (`maxHints`); returns how many new hints were kept,
   * the others being dropped (already kept, or no room).
   */
  addHints(target: string, keys: readonly RecordKey[]): Promise<{ kept: number; dropped: number }>;
  /** Up to `limit` hints for `target`, in storage order. */
  hintsFor(target: string, limit: number): Promise<RecordKey[]>;
  /** Removes delivered hints. */
  removeHints(target: string, keys: readonly RecordKey[]): Promise<void>;
  /** Hints waiting, per target. */
  hintCounts(): ReadonlyMap<string, number>;

  /**
   * Deletes each record whose stored version still equals `version` (a copy
   * handed to its new owners); a newer version written meanwhile stays.
   * Returns how many were deleted.
   */
  deleteIfVersion(records: readonly (RecordKey & { version: Buffer })[]): Promise<number>;

  /**
   * Truncates `index` (or every index, with `ALL_INDEXES`) at `version`,
   * durably: from then on its records with a version at or below it read as
   * absent (getMany, scan, partition), writes of such records are ignored
   * (apply reports false), and the sweep purges them. Truncations only move
   * forward; resolves false when the index was truncated at that version or a
   * newer one already. Throws `DSTASH_INVALID_INDEX` or `DSTASH_INVALID_ARGUMENT`.
   */
  truncate(index: string, version: Buffer): Promise<boolean>;
  /** The truncations in force: index (or `ALL_INDEXES`) → version. */
  truncations(): ReadonlyMap<string, Buffer>;

  /**
   * For a store on files that can be damaged: puts the damaged files aside,
   * opens what could be recovered of them, and returns where the damaged
   * files are kept.
   */
  quarantine?(): Promise<string>;

  /** The hot-record cache's counters, for a store that has one (and has it on). */
  recordCacheStats?(): RecordCacheStats | undefined;
}

/** True when `record` reads as present at `now`: not a tombstone, not expired. */
export function isLive(record: StoredRecord | undefined, now: number = Date.now()): record is StoredRecord {
  return record !== undefined && !record.tombstone && (record.expiresAt === 0 || record.expiresAt > now);
}
