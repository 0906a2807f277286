/**
 * A {@link Store} in a Map: the reference implementation of the store's
 * semantics, written for plainness rather than speed, and the store that the
 * tests of other layers use. It shares the record validation and the purge
 * rule with {@link LevelStore} but decides order and LWW on its own, so that
 * the compliance suite checks LevelStore's byte layout against it.
 */
import { compareVersions } from '../version.js';
import { checkPartition, encodeDataKey } from './key-layout.js';
import { purgeTime } from './purge-time.js';
import { decodeRecord, encodeRecord } from './record-codec.js';
import { isLive, type KeyedRecord, type RecordKey, type ScanOptions, type Store, type StoredRecord, type SweepResult, TRUNCATIONS_META } from './store.js';
import { checkScanOptions, checkSweepTime, notOpenError } from './store-checks.js';
import { resolveStoreOptions, type StoreOptions } from './store-options.js';
import { checkTruncation, hideTruncated, Truncations } from '../truncations.js';

interface Entry {
  address: RecordKey;
  /** The record, encoded: a private copy, validated like LevelStore's. */
  bytes: Buffer;
}

const NAME = 'the memory store';

/**
 * Holds everything in memory. Records and metadata outlive `close()`, so that
 * a test can reopen the store like a restarted node's disk. There is no
 * background sweep: call `sweep()`.
 */
export class MemoryStore implements Store {
  private readonly options: Required<StoreOptions>;
  private readonly entries = new Map<string, Entry>();
  private readonly meta = new Map<string, string>();
  private readonly paxos = new Map<string, Buffer>();
  /** Hints per target: map key → address. */
  private readonly hints = new Map<string, Map<string, RecordKey>>();
  private readonly counts = new Map<string, number>();
  private openNow = false;
  private truncated = Truncations.NONE;

  /** Checks the options (`DSTASH_INVALID_OPTIONS`). */
  constructor(options: StoreOptions = {}) {
    this.options = resolveStoreOptions(options);
  }

  /** True between `open()` and `close()`. */
  get isOpen(): boolean {
    return this.openNow;
  }

  /** Opens the store (again). */
  async open(): Promise<void> {
    this.truncated = Truncations.decode(this.meta.get(TRUNCATIONS_META));
    this.openNow = true;
  }

  /** Closes the store; its records stay for a later `open()`. Idempotent. */
  async close(): Promise<void> {
    this.openNow = false;
  }

  /** See {@link Store.apply}: per key, only the call's newest record can win. */
  async apply(records: readonly KeyedRecord[]): Promise<boolean[]> {
    this.assertOpen();
    const encoded = records.map((record) => ({ id: this.id(record), bytes: encodeRecord(record) }));
    const newest = new Map<string, number>();
    encoded.forEach(({ id }, i) => {
      const best = newest.get(id);
      if (best === undefined || compareVersions(records[i].version, records[best].version) > 0) newest.set(id, i);
    });
    const written = records.map(() => false);
    for (const [id, i] of newest) {
      const current = this.entries.get(id);
      if (current !== undefined && compareVersions(records[i].version, decodeRecord(current.bytes).version) <= 0) continue;
      if (this.truncated.hides(records[i].index, records[i].version)) continue;
      const { partition, index, key } = records[i];
      this.entries.set(id, { address: { partition, index, key: Buffer.from(key) }, bytes: encoded[i].bytes });
      written[i] = true;
    }
    return written;
  }

  /** See {@link Store.getMany}. */
  async getMany(keys: readonly RecordKey[]): Promise<(StoredRecord | undefined)[]> {
    this.assertOpen();
    return hideTruncated(this.truncated, keys, keys.map((address) => {
      const entry = this.entries.get(this.id(address));
      return entry === undefined ? undefined : decodeRecord(entry.bytes);
    }));
  }

  /** See {@link Store.scan}; liveness is judged by the `now` option's clock when the scan starts. */
  async *scan(options: ScanOptions): AsyncGenerator<KeyedRecord> {
    this.assertOpen();
    checkScanOptions(options);
    const { index, prefix, startAfter, limit = 0, includeDead = false } = options;
    const now = this.options.now();
    const selected = this.records()
      .filter((record) => record.index === index && (prefix === undefined || startsWith(record.key, prefix)))
      .filter((record) => includeDead || isLive(record, now))
      .filter((record) => startAfter === undefined || compareTokens(record, startAfter) > 0)
      .sort(compareTokens);
    yield* limit > 0 ? selected.slice(0, limit) : selected;
  }

  /** See {@link Store.partition}. */
  async *partition(partition: number): AsyncGenerator<KeyedRecord> {
    this.assertOpen();
    checkPartition(partition, this.options.partitions);
    yield* this.records()
      .filter((record) => record.partition === partition)
      .sort((a, b) => (a.index === b.index ? Buffer.compare(a.key, b.key) : a.index < b.index ? -1 : 1));
  }

  /** See {@link Store.sweep}: looks at every record (no purge index) and purges truncated ones too, counting them only when they were due anyway; `now` defaults to the `now` option's clock. */
  async sweep(now: number = this.options.now()): Promise<SweepResult> {
    this.assertOpen();
    checkSweepTime(now);
    const result: SweepResult = { expired: 0, tombstones: 0 };
    for (const [id, entry] of this.entries) {
      const record = decodeRecord(entry.bytes);
      const purgeAt = purgeTime(record, this.options.tombstoneGraceMs);
      if (purgeAt === 0 || purgeAt > now) {
        if (this.truncated.hides(entry.address.index, record.version)) this.entries.delete(id);
        continue;
      }
      this.entries.delete(id);
      if (record.tombstone) result.tombstones += 1;
      else result.expired += 1;
    }
    return result;
  }

  /** See {@link Store.getMeta}. */
  async getMeta(name: string): Promise<string | undefined> {
    this.assertOpen();
    return this.meta.get(name);
  }

  /** See {@link Store.putMeta}. */
  async putMeta(name: string, value: string): Promise<void> {
    this.assertOpen();
    this.meta.set(name, value);
  }

  /** See {@link Store.truncate}. */
  async truncate(index: string, version: Buffer): Promise<boolean> {
    this.assertOpen();
    checkTruncation(index, version);
    const next = this.truncated.with(index, version);
    if (next === undefined) return false;
    this.meta.set(TRUNCATIONS_META, next.encode());
    this.truncated = next;
    return true;
  }

  /** See {@link Store.truncations}. */
  truncations(): ReadonlyMap<string, Buffer> {
    return this.truncated.entries();
  }

  /** See {@link Store.getPaxosStates}. */
  async getPaxosStates(keys: readonly RecordKey[]): Promise<(Buffer | undefined)[]> {
    this.assertOpen();
    return keys.map((key) => {
      const state = this.paxos.get(this.id(key));
      return state && Buffer.from(state);
    });
  }

  /** See {@link Store.putPaxosStates}: all or nothing, as a LevelDB batch. */
  async putPaxosStates(states: readonly { key: RecordKey; state: Buffer }[]): Promise<void> {
    this.assertOpen();
    const ids = states.map(({ key }) => this.id(key));
    states.forEach(({ state }, i) => this.paxos.set(ids[i]!, Buffer.from(state)));
  }

  /** See {@link Store.approximateSize}: the bytes of the encoded keys and records held. */
  async approximateSize(): Promise<number> {
    this.assertOpen();
    let size = 0;
    for (const [id, entry] of this.entries) size += id.length + entry.bytes.length;
    return size;
  }

  /** See {@link Store.addHints}. */
  async addHints(target: string, keys: readonly RecordKey[]): Promise<{ kept: number; dropped: number }> {
    this.assertOpen();
    let total = 0;
    for (const n of this.counts.values()) total += n;
    let byKey = this.hints.get(target);
    if (!byKey) this.hints.set(target, (byKey = new Map()));
    let kept = 0;
    let dropped = 0;
    for (const address of keys) {
      const id = this.id(address);
      if (byKey.has(id)) continue;
      if (total + kept >= this.options.maxHints) {
        dropped += 1;
        continue;
      }
      byKey.set(id, { partition: address.partition, index: address.index, key: Buffer.from(address.key) });
      kept += 1;
    }
    this.recount(target);
    return { kept, dropped };
  }

  /** See {@link Store.hintsFor}. */
  async hintsFor(target: string, limit: number): Promise<RecordKey[]> {
    this.assertOpen();
    const byKey = this.hints.get(target);
    if (!byKey) return [];
    return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).slice(0, limit).map(([, address]) => address);
  }

  /** See {@link Store.removeHints}. */
  async removeHints(target: string, keys: readonly RecordKey[]): Promise<void> {
    this.assertOpen();
    const byKey = this.hints.get(target);
    for (const address of keys) byKey?.delete(this.id(address));
    this.recount(target);
  }

  /** See {@link Store.hintCounts}. */
  hintCounts(): ReadonlyMap<string, number> {
    return this.counts;
  }

  /** See {@link Store.deleteIfVersion}. */
  async deleteIfVersion(records: readonly (RecordKey & { version: Buffer })[]): Promise<number> {
    this.assertOpen();
    let deleted = 0;
    for (const r of records) {
      const id = this.id(r);
      const entry = this.entries.get(id);
      if (entry && compareVersions(decodeRecord(entry.bytes).version, r.version) === 0) {
        this.entries.delete(id);
        deleted += 1;
      }
    }
    return deleted;
  }

  private recount(target: string): void {
    const n = this.hints.get(target)?.size ?? 0;
    if (n > 0) this.counts.set(target, n);
    else {
      this.counts.delete(target);
      this.hints.delete(target);
    }
  }

  /** The map key of an address; validates it as LevelStore does. */
  private id({ partition, index, key }: RecordKey): string {
    checkPartition(partition, this.options.partitions);
    return encodeDataKey(partition, index, key).toString('latin1');
  }

  /** Every stored record that no truncation hides. */
  private records(): KeyedRecord[] {
    return [...this.entries.values()].map(({ address, bytes }) => ({ ...address, ...decodeRecord(bytes) })).filter((r) => !this.truncated.hides(r.index, r.version));
  }

  private assertOpen(): void {
    if (!this.openNow) throw notOpenError(NAME);
  }
}

/** Token order: partition, then key bytes. */
function compareTokens(a: { partition: number; key: Buffer }, b: { partition: number; key: Buffer }): number {
  return a.partition - b.partition || Buffer.compare(a.key, b.key);
}

function startsWith(key: Buffer, prefix: Buffer): boolean {
  return key.length >= prefix.length && key.subarray(0, prefix.length).equals(prefix);
}
