/**
 * The node's store: LevelDB through classic-level. The keyspace layout is in
 * key-layout.ts, the record encoding in record-codec.ts, and each operation
 * with logic of its own in a file of its own (level-apply, level-sweep,
 * level-scan); this class holds the lifecycle and puts them together.
 */
import { logger, type Logger } from '../logger.js';
import { KeyFilter, keyHashAt } from './key-filter.js';
import { checkPartition, dataRange, describeDataKey, encodeDataKey, encodeMetaKey, encodePaxosKey } from './key-layout.js';
import { directoryBytes } from './directory-size.js';
import { commitApplies, prepareApply, type ApplyCall } from './level-apply.js';
import { type CorruptionReport, quarantineAndRepair } from './level-corruption.js';
import { type LevelDb, levelCall, levelDbLocation, openLevelDb, storeName, translateLevelError, writeBatch } from './level-db.js';
import { partitionLevel, scanLevel } from './level-scan.js';
import { purgeTruncated, sweepLevel } from './level-sweep.js';
import { type CorruptRecordHandler, decodeRecord } from './record-codec.js';
import { RecordCache, type RecordCacheStats } from './record-cache.js';
import { type KeyedRecord, type RecordKey, type ScanOptions, type Store, type StoredRecord, type SweepResult, TRUNCATIONS_META } from './store.js';
import { checkSweepTime, notOpenError } from './store-checks.js';
import { type LevelStoreOptions, resolveLevelStoreOptions } from './store-options.js';
import { WriteQueue } from './write-queue.js';
import { checkTruncation, hideTruncated, Truncations } from '../truncations.js';
import * as handoff from './level-handoff.js';

type State = 'new' | 'opening' | 'open' | 'closing' | 'closed';

/** Keys per `nextv` call of the scan that fills the key filter. */
const FILTER_CHUNK = 1000;
/** Bytes such a call may buffer. */
const FILTER_CHUNK_BYTES = 1 << 20;

/**
 * A {@link Store} on LevelDB. Writes are last-writer-wins through a write
 * queue that group-commits concurrent `apply()` calls (one read and one atomic
 * batch for all of them); records that can expire are also listed in a purge
 * index by purge time, so that `sweep()` reads only what is due. A store can
 * be opened again after it was closed.
 */
export class LevelStore implements Store {
  private readonly options: Required<LevelStoreOptions>;
  private readonly name: string;
  private readonly log: Logger;
  private state: State = 'new';
  private db: LevelDb | undefined;
  private queue: WriteQueue<ApplyCall, boolean[]> | undefined;
  private opening: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  /** Sweeps in progress, which `close()` lets finish their current chunk. */
  private readonly sweeps = new Set<Promise<unknown>>();
  private hints = new Map<string, number>();
  /** The scan that fills the key filter after `open()`, which `close()` stops and waits for. */
  private filling: Promise<void> | undefined;
  private filter: KeyFilter | undefined;
  /** The hot-record cache (record-cache.ts); emptied each time the store opens. */
  private readonly cache: RecordCache | undefined;
  /** The truncations in force (read from the metadata at open), swapped whole by `truncate()`. */
  private truncated = Truncations.NONE;
  /** Truncations whose records the sweep has not purged yet since the store opened. */
  private readonly unpurged = new Set<string>();

  /** Set once this open's first corruption was reported (see the `onCorruption` option). */
  private corruptionReported = false;

  /** Writers replace or skip a corrupt record; the operator hears of it here. */
  private readonly onCorrupt: CorruptRecordHandler = (dataKey, err) => {
    this.log.error({ record: describeDataKey(dataKey), err }, 'corrupt stored record: a newer version will replace it (run anti-entropy or repair the key)');
  };

  /** Checks the options (`DSTASH_INVALID_OPTIONS`); does not touch the disk until `open()`. */
  constructor(options: LevelStoreOptions) {
    this.options = resolveLevelStoreOptions(options);
    this.name = storeName(levelDbLocation(this.options.dataDir));
    this.log = logger('storage.level-store', { dataDir: this.options.dataDir });
    this.cache = RecordCache.create(this.options.recordCacheBytes);
  }

  /** The hot-record cache's counters; undefined when it is off (`recordCacheBytes` 0). */
  recordCacheStats(): RecordCacheStats | undefined {
    return this.cache?.stats();
  }

  /** True between a completed `open()` and the start of `close()`. */
  get isOpen(): boolean {
    return this.state === 'open';
  }

  /**
   * True once the key filter holds every stored key (its scan after `open()`
   * finished): from then on, writes of new keys skip the version read.
   */
  get keyFilterReady(): boolean {
    return this.isOpen && this.filter?.ready === true;
  }

  /** Opens (creating it when missing) the database; see `openLevelDb` for the errors. */
  async open(): Promise<void> {
    if (this.state === 'open') return;
    if (this.state === 'closing') await this.closing;
    this.opening ??= this.doOpen().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private async doOpen(): Promise<void> {
    this.state = 'opening';
    try {
      const { dataDir, writeBufferSize, cacheSize } = this.options;
      this.corruptionReported = false;
      const db = await openLevelDb(dataDir, { writeBufferSize, cacheSize }, (report) => this.reportCorruption(report));
      // Created before any write can run, so that it hears of every key written from now on.
      const filter = this.options.keyFilterBytes > 0 ? new KeyFilter(this.options.keyFilterBytes) : undefined;
      this.cache?.clear();
      const stored = await levelCall(db, db.get(encodeMetaKey(TRUNCATIONS_META)));
      this.truncated = Truncations.decode(stored?.toString('utf8'));
      for (const index of this.truncated.entries().keys()) this.unpurged.add(index);
      const truncations = (): Truncations => this.truncated;
      const context = { db, tombstoneGraceMs: this.options.tombstoneGraceMs, sync: this.options.sync, onCorrupt: this.onCorrupt, filter, cache: this.cache, truncations };
      this.db = db;
      this.filter = filter;
      this.queue = new WriteQueue((calls) => levelCall(db, commitApplies(context, calls), 'write'));
      this.hints = await levelCall(db, handoff.countHints(db));
      this.state = 'open';
      if (filter) this.filling = this.fillFilter(db, filter);
    } catch (err) {
      this.state = 'closed';
      throw err;
    }
    if (this.options.sweepIntervalMs > 0) {
      this.sweepTimer = setInterval(() => this.backgroundSweep(), this.options.sweepIntervalMs);
      // The sweep is housekeeping: it must not keep a process alive on its own.
      this.sweepTimer.unref();
    }
  }

  /**
   * Adds the keys already stored to `filter`, a chunk per LevelDB call, then
   * marks it complete. Keys written meanwhile are added by their write
   * cycles: the scan's snapshot is taken after the filter started hearing of
   * writes, so together they cover every stored key. A failed or stopped
   * scan leaves the filter incomplete (every apply reads, as without it).
   */
  private async fillFilter(db: LevelDb, filter: KeyFilter): Promise<void> {
    const iterator = db.keys({ ...dataRange(), highWaterMarkBytes: FILTER_CHUNK_BYTES });
    try {
      for (;;) {
        if (this.state !== 'open') return;
        const chunk = await iterator.nextv(FILTER_CHUNK);
        if (chunk.length === 0) break;
        for (const key of chunk) filter.add(key);
      }
      filter.markComplete();
    } catch (err) {
      translateLevelError(err, db, { operation: 'scan' });
      if (this.state === 'open') this.log.warn({ err }, 'could not list the stored keys: every write reads the stored version first (slower, not less safe)');
    } finally {
      await iterator.close().catch(() => undefined);
    }
  }

  private reportCorruption(report: CorruptionReport): void {
    if (this.corruptionReported) return;
    this.corruptionReported = true;
    this.options.onCorruption(report);
  }

  /**
   * Closes the store, puts its damaged LevelDB directory aside under the
   * data dir (never deleted), opens a copy that LevelDB's repair rebuilt from
   * what it could still read, and returns where the damaged files are.
   * Meanwhile calls fail with `DSTASH_NOT_OPEN`.
   */
  async quarantine(): Promise<string> {
    await this.close();
    const at = await quarantineAndRepair(this.options.dataDir, levelDbLocation(this.options.dataDir));
    await this.open();
    return at;
  }

  /** Stops the sweep timer, lets queued writes and running sweeps finish, then closes. Idempotent. */
  async close(): Promise<void> {
    if (this.state === 'opening') await this.opening?.catch(() => undefined);
    if (this.state !== 'open') return this.closing;
    this.state = 'closing';
    this.closing = this.doClose().finally(() => {
      this.state = 'closed';
      this.closing = undefined;
    });
    return this.closing;
  }

  private async doClose(): Promise<void> {
    clearInterval(this.sweepTimer);
    this.sweepTimer = undefined;
    await Promise.allSettled(this.sweeps);
    await this.filling;
    this.filling = undefined;
    await this.queue?.idle();
    await this.db?.close();
    this.db = undefined;
    this.queue = undefined;
    this.filter = undefined;
  }

  /**
   * See {@link Store.apply}. Concurrent calls commit together, and a record
   * superseded by a newer one of the same key in a call committed with it
   * reports false, as within one call. Throws `DSTASH_INVALID_ARGUMENT` for a
   * bad partition, version or expiry, and then writes nothing of the call.
   */
  async apply(records: readonly KeyedRecord[]): Promise<boolean[]> {
    const { queue } = this.opened();
    if (records.length === 0) return [];
    return queue.submit(prepareApply(records, this.options.partitions));
  }

  /**
   * See {@link Store.getMany}: the keys the record cache knows are answered
   * from it, the others by one LevelDB `getMany`, whose answers fill the
   * cache. The cache mirrors LevelDB; truncated records are hidden after it.
   */
  async getMany(keys: readonly RecordKey[]): Promise<(StoredRecord | undefined)[]> {
    const truncations = this.truncated;
    return hideTruncated(truncations, keys, await this.readMany(keys));
  }

  private async readMany(keys: readonly RecordKey[]): Promise<(StoredRecord | undefined)[]> {
    const { db } = this.opened();
    const dataKeys = keys.map(({ partition, index, key }) => {
      checkPartition(partition, this.options.partitions);
      return encodeDataKey(partition, index, key);
    });
    const cache = this.cache;
    if (cache === undefined) {
      const stored = await levelCall(db, db.getMany(dataKeys));
      return stored.map((bytes, i) => (bytes === undefined ? undefined : decodeRecord(bytes, dataKeys[i])));
    }
    // Filled, not sparse: callers map over the answers.
    const out = new Array<StoredRecord | undefined>(keys.length).fill(undefined);
    const hashes = new Int32Array(keys.length);
    const missed: number[] = [];
    for (let i = 0; i < keys.length; i++) {
      const dataKey = dataKeys[i]!;
      const hash = (hashes[i] = keyHashAt(dataKey, 0, dataKey.length));
      const known = cache.get(dataKey, 0, dataKey.length, hash);
      if (known === undefined) missed.push(i);
      else if (known !== null) out[i] = decodeRecord(known, dataKey);
    }
    if (missed.length === 0) return out;
    const since = cache.sequence;
    const stored = await levelCall(db, db.getMany(missed.map((i) => dataKeys[i]!)));
    for (let j = 0; j < missed.length; j++) {
      const i = missed[j]!;
      const bytes = stored[j];
      const dataKey = dataKeys[i]!;
      cache.fill(dataKey, 0, dataKey.length, hashes[i]!, bytes ?? null, since);
      if (bytes !== undefined) out[i] = decodeRecord(bytes, dataKey);
    }
    return out;
  }

  /** See {@link Store.scan}; liveness is judged by the `now` option's clock when the scan starts. */
  async *scan(options: ScanOptions): AsyncGenerator<KeyedRecord> {
    const { db } = this.opened();
    yield* scanLevel(db, options, this.options.partitions, this.options.now(), this.truncated);
  }

  /** See {@link Store.partition}. */
  async *partition(partition: number): AsyncGenerator<KeyedRecord> {
    const { db } = this.opened();
    checkPartition(partition, this.options.partitions);
    yield* partitionLevel(db, partition, this.truncated);
  }

  /**
   * See {@link Store.sweep}; `now` defaults to the `now` option's clock. It
   * runs between write cycles, a chunk at a time, so writes go on meanwhile.
   * It then purges the records of the truncations it has not purged yet
   * since the store opened (their count is not in the result, which counts
   * what the grace period and TTL purge).
   */
  async sweep(now: number = this.options.now()): Promise<SweepResult> {
    const { db, queue } = this.opened();
    checkSweepTime(now);
    const { tombstoneGraceMs, sync, partitions } = this.options;
    const context = { db, queue, tombstoneGraceMs, sync, onCorrupt: this.onCorrupt, stopped: () => this.state !== 'open', cache: this.cache };
    const sweeping = levelCall(db, (async () => {
      const result = await sweepLevel(context, now);
      for (const index of [...this.unpurged]) {
        const truncations = this.truncated;
        const purged = await purgeTruncated({ ...context, truncations, partitions }, index);
        // A truncation that moved on meanwhile is purged again at the next sweep.
        if (purged !== undefined && truncations === this.truncated) this.unpurged.delete(index);
        if (purged) this.log.debug({ index, purged }, 'purged truncated records');
      }
      return result;
    })(), 'sweep');
    this.sweeps.add(sweeping);
    try {
      return await sweeping;
    } finally {
      this.sweeps.delete(sweeping);
    }
  }

  private backgroundSweep(): void {
    // One background sweep at a time: a slow one is not piled upon.
    if (this.sweeps.size > 0) return;
    this.sweep().then(
      (result) => this.log.debug(result, 'swept'),
      (err: unknown) => this.log.warn({ err }, 'background sweep failed; retrying at the next interval'),
    );
  }

  /** See {@link Store.getMeta}. */
  async getMeta(name: string): Promise<string | undefined> {
    const { db } = this.opened();
    const value = await levelCall(db, db.get(encodeMetaKey(name)));
    return value?.toString('utf8');
  }

  /** See {@link Store.putMeta}: always fsync'ed, whatever the `sync` option. */
  async putMeta(name: string, value: string): Promise<void> {
    const { db } = this.opened();
    await levelCall(db, db.put(encodeMetaKey(name), Buffer.from(value, 'utf8'), { sync: true }));
  }

  /**
   * See {@link Store.truncate}: the truncations are written to the metadata
   * (fsync'ed) between write cycles, then the record cache is emptied (its
   * records of the index are dead weight now), and a background sweep starts
   * purging them when the store sweeps on its own.
   */
  async truncate(index: string, version: Buffer): Promise<boolean> {
    const { db, queue } = this.opened();
    checkTruncation(index, version);
    const moved = await queue.exclusive(async () => {
      const next = this.truncated.with(index, version);
      if (next === undefined) return false;
      await levelCall(db, db.put(encodeMetaKey(TRUNCATIONS_META), Buffer.from(next.encode(), 'utf8'), { sync: true }));
      this.truncated = next;
      this.cache?.clear();
      this.unpurged.add(index);
      return true;
    });
    if (moved && this.options.sweepIntervalMs > 0) this.backgroundSweep();
    return moved;
  }

  /** See {@link Store.truncations}. */
  truncations(): ReadonlyMap<string, Buffer> {
    return this.truncated.entries();
  }

  /** See {@link Store.getPaxosStates}: one LevelDB `getMany` for all the keys. */
  async getPaxosStates(keys: readonly RecordKey[]): Promise<(Buffer | undefined)[]> {
    const { db } = this.opened();
    const paxosKeys = keys.map((k) => this.paxosKey(k));
    return levelCall(db, db.getMany(paxosKeys));
  }

  /** See {@link Store.putPaxosStates}: one LevelDB batch, fsync'ed when the `sync` option is on. */
  async putPaxosStates(states: readonly { key: RecordKey; state: Buffer }[]): Promise<void> {
    const { db } = this.opened();
    const keys = states.map(({ key }) => this.paxosKey(key));
    // The batch copies the bytes as they are added.
    await levelCall(db, writeBatch(db, this.options.sync, (batch) => {
      states.forEach(({ state }, i) => batch.put(keys[i]!, state));
    }));
  }

  private paxosKey({ partition, index, key }: RecordKey): Buffer {
    checkPartition(partition, this.options.partitions);
    return encodePaxosKey(partition, index, key);
  }

  /**
   * See {@link Store.approximateSize}: the bytes of the files in the LevelDB
   * directory, write-ahead log included, as `du` would count them. LevelDB's
   * own estimate counts only the table files, and stays 0 while every write
   * is still in the log (the first few MiB of a store).
   */
  async approximateSize(): Promise<number> {
    this.opened();
    return directoryBytes(levelDbLocation(this.options.dataDir));
  }

  async addHints(target: string, keys: readonly RecordKey[]): Promise<{ kept: number; dropped: number }> {
    const { db, queue } = this.opened();
    return queue.exclusive(() => levelCall(db, handoff.addHints(db, this.options.sync, this.hints, this.options.maxHints, target, keys)));
  }

  async hintsFor(target: string, limit: number): Promise<RecordKey[]> {
    const { db } = this.opened();
    return levelCall(db, handoff.hintsFor(db, target, limit));
  }

  async removeHints(target: string, keys: readonly RecordKey[]): Promise<void> {
    const { db, queue } = this.opened();
    await queue.exclusive(() => levelCall(db, handoff.removeHints(db, this.options.sync, this.hints, target, keys)));
  }

  hintCounts(): ReadonlyMap<string, number> {
    return this.hints;
  }

  async deleteIfVersion(records: readonly (RecordKey & { version: Buffer })[]): Promise<number> {
    const { db, queue } = this.opened();
    const { sync, tombstoneGraceMs } = this.options;
    return queue.exclusive(() => levelCall(db, handoff.deleteIfVersion(db, sync, tombstoneGraceMs, this.onCorrupt, records, this.cache)));
  }

  /** The database and queue, or `DSTASH_NOT_OPEN` before `open()` completes and from `close()` on. */
  private opened(): { db: LevelDb; queue: WriteQueue<ApplyCall, boolean[]> } {
    if (this.state !== 'open' || this.db === undefined || this.queue === undefined) throw notOpenError(this.name);
    return { db: this.db, queue: this.queue };
  }
}
