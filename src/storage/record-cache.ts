/**
 * The hot-record cache of a {@link LevelStore}: the encoded records of
 * recently written and read keys, so that a read of a hot key costs a hash
 * lookup instead of a LevelDB `getMany` (5–7 µs a random key), and the
 * last-writer-wins read-before-write of an update needs no read either.
 *
 * Coherent by construction: the store writes it through from the three
 * places that change a data key (apply, the sweep's purges, the hand-off's
 * deletes), after LevelDB committed the change, so every path that moves
 * records (replica writes, hints, read repair, anti-entropy, transfers,
 * restore, TTL and tombstone sweeps) keeps it right. It also remembers keys
 * known to be absent (purged, or read and not found).
 *
 * Memory is bounded and counted: records live end to end in one ring buffer
 * (`arena`), which is one object for the garbage collector however many
 * records it holds; the oldest entries are evicted as new ones need room, and
 * an entry read while it is in the older half of the ring is copied to the
 * front (an approximation of least-recently-used). The index from key to
 * position is a `Map` from the data key's latin1 string to a small integer;
 * each entry is charged {@link ENTRY_OVERHEAD} bytes on top of its bytes.
 *
 * A read that missed fills the cache with what LevelDB answered only when no
 * write of that key can have happened since the read started: the key has no
 * entry (a write would have left one), and no entry written since was evicted
 * (see {@link RecordCache.fill}).
 */

/** Bytes charged per entry for the index: the Map's slot and the key string. */
export const ENTRY_OVERHEAD = 96;
/** Share of the limit the ring buffer takes; the rest is for the index. */
const ARENA_SHARE = 0.75;
/** Entry header: entry length u32, write sequence f64, key length u16; record length i32 follows the key. */
const HEADER = 4 + 8 + 2;
/** Record length of an entry that says "absent". */
const ABSENT = -1;
/** Smallest cache: below it, there is none. */
const MIN_BYTES = 64 * 1024;

/** Counters of a cache, for metrics. */
export interface RecordCacheStats {
  /** Lookups answered from the cache (a record, or known absent). */
  hits: number;
  /** Lookups that went to LevelDB. */
  misses: number;
  /** Entries held. */
  entries: number;
  /** Bytes held, entries and their index overhead (at most `maxBytes`). */
  bytes: number;
  /** The limit. */
  maxBytes: number;
}

/** A bounded cache of encoded records by data key. */
export class RecordCache {
  private readonly arena: Buffer;
  private readonly capacity: number;
  private readonly maxEntries: number;
  /** Data key (latin1) → offset of its newest entry. */
  private readonly index = new Map<string, number>();
  /** Where the next entry goes, and where the oldest one starts. */
  private head = 0;
  private tail = 0;
  /** Entries in the ring, live or superseded. */
  private count = 0;
  /** Bytes of the ring in use, superseded entries included. */
  private used = 0;
  /** Sequence of the last write; fills compare against it. */
  private seq = 0;
  /** Highest write sequence among evicted live entries. */
  private evictedWriteSeq = 0;
  hits = 0;
  misses = 0;

  /** A cache of at most `maxBytes` (at least 64 KiB; see {@link RecordCache.create} for 0). */
  constructor(readonly maxBytes: number) {
    this.capacity = Math.floor(maxBytes * ARENA_SHARE);
    this.maxEntries = Math.max(1, Math.floor((maxBytes - this.capacity) / ENTRY_OVERHEAD));
    this.arena = Buffer.allocUnsafeSlow(this.capacity);
  }

  /** A cache of `maxBytes`, or none when it is below 64 KiB (0 turns the cache off). */
  static create(maxBytes: number): RecordCache | undefined {
    return maxBytes >= MIN_BYTES ? new RecordCache(maxBytes) : undefined;
  }

  /** The write sequence now: pass it to {@link fill} for a read that starts now. */
  get sequence(): number {
    return this.seq;
  }

  /**
   * The encoded record of `key` as a copy the caller owns, `null` when the key
   * is known to be absent, `undefined` when the cache does not know (counted as
   * a miss: the caller reads LevelDB).
   */
  get(key: string): Buffer | null | undefined {
    const at = this.index.get(key);
    if (at === undefined) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    const keyLength = this.arena.readUInt16LE(at + 12);
    const recordAt = at + HEADER + keyLength;
    const length = this.arena.readInt32LE(recordAt);
    const copy = length === ABSENT ? null : Buffer.from(this.arena.subarray(recordAt + 4, recordAt + 4 + length));
    // Read while in the older half of the ring: copied to the front, so that it is not the next to go.
    if ((this.head - at + this.capacity) % this.capacity > this.used / 2) {
      this.insert(key, copy, this.arena.readDoubleLE(at + 4));
    }
    return copy;
  }

  /** Records what LevelDB now holds for `key` after a committed write: `record` (encoded), or `null` once it was deleted. */
  write(key: string, record: Uint8Array | null): void {
    this.insert(key, record, ++this.seq);
  }

  /** Records that the data keys' records are gone, once their deletion committed. */
  deleted(dataKeys: readonly Buffer[]): void {
    for (const key of dataKeys) this.write(key.toString('latin1'), null);
  }

  /**
   * Records what a read that started at sequence `since` found in LevelDB,
   * unless a write of `key` may have happened since: the key has an entry
   * (the write's, or a fill's that is as new), or an entry written after
   * `since` was evicted (it may have been this key's).
   */
  fill(key: string, record: Uint8Array | null, since: number): void {
    if (this.evictedWriteSeq > since || this.index.has(key)) return;
    this.insert(key, record, 0);
  }

  /** Forgets everything (the store closed or reopened). */
  clear(): void {
    this.index.clear();
    this.head = this.tail = this.count = this.used = 0;
  }

  /** Counters and sizes, for metrics. */
  stats(): RecordCacheStats {
    return { hits: this.hits, misses: this.misses, entries: this.index.size, bytes: this.used + this.count * ENTRY_OVERHEAD, maxBytes: this.maxBytes };
  }

  private insert(key: string, record: Uint8Array | null, seq: number): void {
    const size = HEADER + key.length + 4 + (record === null ? 0 : record.length);
    if (size > this.capacity / 4) {
      // Too large to be worth the room: forget the key instead, so that nothing stale stays.
      this.forget(key, seq);
      return;
    }
    const at = this.reserve(size);
    const arena = this.arena;
    arena.writeUInt32LE(size, at);
    arena.writeDoubleLE(seq, at + 4);
    arena.writeUInt16LE(key.length, at + 12);
    arena.write(key, at + HEADER, 'latin1');
    const recordAt = at + HEADER + key.length;
    arena.writeInt32LE(record === null ? ABSENT : record.length, recordAt);
    if (record !== null) arena.set(record, recordAt + 4);
    this.head = at + size;
    this.count++;
    this.used += size;
    this.index.set(key, at);
  }

  /** Drops the entry of `key`; a write's sequence counts as evicted, so that no older read fills it back. */
  private forget(key: string, seq: number): void {
    this.index.delete(key);
    if (seq > this.evictedWriteSeq) this.evictedWriteSeq = seq;
  }

  /** Room for `size` contiguous bytes at the head, evicting the oldest entries as needed; returns where. */
  private reserve(size: number): number {
    while (this.count >= this.maxEntries) this.evict();
    for (;;) {
      if (this.count === 0) {
        this.head = this.tail = this.used = 0;
        return 0;
      }
      if (this.head > this.tail) {
        if (this.capacity - this.head >= size) return this.head;
        // No room before the end: the rest is skipped (marked when a length fits) and the head starts over.
        if (this.capacity - this.head >= 4) this.arena.writeUInt32LE(0, this.head);
        this.used += this.capacity - this.head;
        this.head = 0;
      }
      // head <= tail: the free bytes are those between them (none when they meet with entries in the ring).
      if (this.head < this.tail && this.tail - this.head >= size) return this.head;
      this.evict();
    }
  }

  /** Evicts the oldest entry of the ring. */
  private evict(): void {
    const arena = this.arena;
    if (this.capacity - this.tail < 4 || arena.readUInt32LE(this.tail) === 0) {
      // The skipped end of the ring.
      this.used -= this.capacity - this.tail;
      this.tail = 0;
    }
    const at = this.tail;
    const size = arena.readUInt32LE(at);
    const keyLength = arena.readUInt16LE(at + 12);
    const key = arena.toString('latin1', at + HEADER, at + HEADER + keyLength);
    if (this.index.get(key) === at) {
      this.index.delete(key);
      const seq = arena.readDoubleLE(at + 4);
      if (seq > this.evictedWriteSeq) this.evictedWriteSeq = seq;
    }
    this.tail = at + size;
    this.count--;
    this.used -= size;
    if (this.count === 0) this.head = this.tail = this.used = 0;
  }
}
