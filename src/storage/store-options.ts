/**
 * Options of the stores: one interface per store, every field documented with
 * its default, defaults in one constant each, merged and checked once at
 * construction.
 */
import { ErrorCode, InvalidArgumentError } from '../errors.js';
import { MAX_PARTITION } from './key-layout.js';
import type { CorruptionReport } from './level-corruption.js';

/** Options every store takes (the whole of {@link MemoryStore}'s). */
export interface StoreOptions {
  /**
   * Partitions of the cluster (DESIGN.md, Placement). Records must have a
   * partition below it, and scans visit partitions 0 to `partitions - 1`.
   * @default 1024
   */
  partitions?: number;
  /**
   * How long a tombstone is kept, counted from the wall time of its version,
   * before a sweep may purge it. Anti-entropy must reach every replica within
   * it, or a replica that missed the delete brings the old value back.
   * @default 86_400_000 (24 h)
   */
  tombstoneGraceMs?: number;
  /**
   * The clock, in ms since the epoch: decides what reads as expired in scans
   * and is the default `now` of `sweep()`. Tests pass a fake.
   * @default Date.now
   */
  now?: () => number;
  /**
   * Most hints kept for unhealthy replicas, all targets together; past it,
   * new hints are dropped (anti-entropy repairs those keys later).
   * @default 1_000_000
   */
  maxHints?: number;
}

/** Options of {@link LevelStore}. */
export interface LevelStoreOptions extends StoreOptions {
  /** The node's data directory; the LevelDB database lives in `<dataDir>/db`. Required. */
  dataDir: string;
  /**
   * Whether every write batch is fsync'ed before it is acknowledged.
   *
   * - `false`: a write is acknowledged once it is in LevelDB's log in the OS
   *   page cache. It survives a crash of the process (even SIGKILL), not a
   *   power loss or kernel crash, which can lose the last writes. Replication
   *   (W replicas) covers that loss as long as the replicas do not all lose
   *   power at once.
   * - `true`: every batch waits for fsync and survives power loss, at the cost
   *   of a disk flush per batch (group commit shares one flush among the
   *   callers waiting at that moment).
   *
   * Metadata (`putMeta`) is always written with fsync.
   * @default false
   */
  sync?: boolean;
  /**
   * How often the background sweep purges expired records and old tombstones,
   * in ms; 0 = never (call `sweep()` yourself). The timer does not keep the
   * process alive and stops on `close()`.
   * @default 60_000
   */
  sweepIntervalMs?: number;
  /**
   * Bytes of writes LevelDB gathers in memory (and in its log) before it sorts
   * them into a table file. Larger means fewer flushes and compactions under
   * write load; up to two such buffers are in memory at once, and a restart
   * replays up to one from the log. LevelDB's own default, 4 MiB, made LWW
   * apply about twice as slow on a 100k-record batch; 64 MiB takes about 12%
   * less CPU than 32 MiB to write a million records into one store.
   * @default 67_108_864 (64 MiB)
   */
  writeBufferSize?: number;
  /**
   * Bytes of LevelDB's cache of uncompressed table blocks, which serves reads
   * of recently read data (including the version reads of LWW apply).
   * @default 8_388_608 (8 MiB, LevelDB's default)
   */
  cacheSize?: number;
  /**
   * Bytes of the in-memory Bloom filter of the keys the store holds (see
   * key-filter.ts), rounded down to a power of two; 0 = none. Last-writer-wins
   * apply reads the stored version of a key only when the filter says it may
   * be stored, so writes of new keys skip that read. 4 MiB keeps false
   * "maybe" answers near 1% up to about 3 million keys; past that the filter
   * saves fewer reads, never at the cost of correctness. The filter is
   * rebuilt from a key-only scan each time the store opens; until the scan
   * has finished, every key is read.
   * @default 4_194_304 (4 MiB)
   */
  keyFilterBytes?: number;
  /**
   * Bytes of the hot-record cache (record-cache.ts): recently written and
   * read records, answered without LevelDB, counted with their index against
   * this limit; 0 turns it off (below 64 KiB there is none). Every path that
   * changes a record writes through it, after LevelDB committed the change.
   * 128 MiB holds about 600,000 records of 16-byte keys and 100-byte values.
   * @default 134_217_728 (128 MiB)
   */
  recordCacheBytes?: number;
  /**
   * Told when the store meets damaged LevelDB files: a corruption error of a
   * read, scan, write or compaction, or an open that skipped records of a
   * damaged write-ahead log. Told once per open: what the first report
   * starts (`quarantine()`, a rebuild) covers the rest.
   * @default a no-op
   */
  onCorruption?: (report: CorruptionReport) => void;
}

/** Defaults of {@link StoreOptions}. */
export const DEFAULT_STORE_OPTIONS: Readonly<Required<StoreOptions>> = {
  partitions: 1024,
  tombstoneGraceMs: 24 * 3600 * 1000,
  now: Date.now,
  maxHints: 1_000_000,
};

/** Defaults of {@link LevelStoreOptions} (all but the required `dataDir`). */
export const DEFAULT_LEVEL_STORE_OPTIONS: Readonly<Required<Omit<LevelStoreOptions, 'dataDir'>>> = {
  ...DEFAULT_STORE_OPTIONS,
  sync: false,
  sweepIntervalMs: 60_000,
  writeBufferSize: 64 * 1024 * 1024,
  cacheSize: 8 * 1024 * 1024,
  keyFilterBytes: 4 * 1024 * 1024,
  recordCacheBytes: 128 * 1024 * 1024,
  onCorruption: () => undefined,
};

/** Fills in defaults and checks the options; throws `DSTASH_INVALID_OPTIONS` for bad ones. */
export function resolveStoreOptions(options: StoreOptions): Required<StoreOptions> {
  const resolved = { ...DEFAULT_STORE_OPTIONS, ...definedOnly(options) };
  check(Number.isInteger(resolved.partitions) && resolved.partitions >= 1 && resolved.partitions <= MAX_PARTITION + 1, 'partitions', resolved.partitions, `a whole number from 1 to ${MAX_PARTITION + 1}`);
  check(Number.isSafeInteger(resolved.tombstoneGraceMs) && resolved.tombstoneGraceMs >= 0, 'tombstoneGraceMs', resolved.tombstoneGraceMs, 'a whole number of ms, 0 or more');
  check(typeof resolved.now === 'function', 'now', typeof resolved.now, 'a function returning ms since the epoch');
  check(Number.isSafeInteger(resolved.maxHints) && resolved.maxHints >= 0, 'maxHints', resolved.maxHints, 'a whole number, 0 or more');
  return resolved;
}

/** Fills in defaults and checks the options; throws `DSTASH_INVALID_OPTIONS` for bad ones. */
export function resolveLevelStoreOptions(options: LevelStoreOptions): Required<LevelStoreOptions> {
  const resolved = { ...DEFAULT_LEVEL_STORE_OPTIONS, ...definedOnly(options), ...resolveStoreOptions(options), dataDir: options.dataDir };
  check(typeof resolved.dataDir === 'string' && resolved.dataDir.length > 0, 'dataDir', resolved.dataDir, 'a directory path');
  check(typeof resolved.sync === 'boolean', 'sync', resolved.sync, 'true or false');
  check(Number.isSafeInteger(resolved.sweepIntervalMs) && resolved.sweepIntervalMs >= 0, 'sweepIntervalMs', resolved.sweepIntervalMs, 'a whole number of ms, 0 (no background sweep) or more');
  check(Number.isSafeInteger(resolved.writeBufferSize) && resolved.writeBufferSize >= 64 * 1024, 'writeBufferSize', resolved.writeBufferSize, 'a whole number of bytes, 64 KiB or more');
  check(Number.isSafeInteger(resolved.cacheSize) && resolved.cacheSize >= 0, 'cacheSize', resolved.cacheSize, 'a whole number of bytes, 0 or more');
  check(Number.isSafeInteger(resolved.keyFilterBytes) && resolved.keyFilterBytes >= 0 && resolved.keyFilterBytes <= 2 ** 30, 'keyFilterBytes', resolved.keyFilterBytes, 'a whole number of bytes from 0 (no filter) to 1 GiB');
  check(Number.isSafeInteger(resolved.recordCacheBytes) && resolved.recordCacheBytes >= 0 && resolved.recordCacheBytes <= 4 * 2 ** 30, 'recordCacheBytes', resolved.recordCacheBytes, 'a whole number of bytes from 0 (no cache) to 4 GiB');
  return resolved;
}

/** Drops fields set to `undefined`, so that they take their defaults instead of erasing them. */
function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function check(ok: boolean, option: string, value: unknown, expected: string): void {
  if (!ok) throw new InvalidArgumentError(ErrorCode.InvalidOptions, `invalid store option ${option}=${String(value)}: must be ${expected}`);
}
