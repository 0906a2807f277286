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
 * No object per entry, so the garbage collector has nothing to trace however
 * many records it holds: entries (header, data key, encoded record) lie end to
 * end in one ring buffer (`arena`), the oldest evicted as new ones need room,
 * and an entry read while it is in the oldest quarter of the ring is copied to
 * the front (a second chance, as CLOCK gives). Once full, it admits one read
 * miss in four, so that a scan or a uniform read of more keys than fit does
 * not evict an entry for every miss. The index is an
 * open-addressing table in typed arrays from the data key's hash (the key
 * filter's, which apply has already computed) to the entry's position; keys
 * are compared in the arena. Table and ring together stay within `maxBytes`.
 *
 * A read that missed fills the cache with what LevelDB answered only when no
 * write of that key can have happened since the read started: the key has no
 * entry (a write would have left one), and no entry written since was evicted
 * (see {@link RecordCache.fill}).
 */
import { keyHashAt } from './key-filter.js';

/** Share of the limit the index table takes (8 bytes a slot, at most half full); the rest is the ring. */
const TABLE_SHARE = 1 / 8;
/** Entry header: entry length u32, write sequence f64, key hash i32, key length u16; record length i32 follows the key. */
const SEQ_AT = 4;
const HASH_AT = 12;
const KEY_LENGTH_AT = 16;
const HEADER = 18;
/** Record length of an entry that says "absent". */
const ABSENT = -1;
/** Once the ring is this full, misses are admitted one in {@link ADMIT_FULL}. */
const FULL_SHARE = 0.95;
const ADMIT_FULL = 4;
/** Smallest cache: below it, there is none. */
const MIN_BYTES = 64 * 1024;

/** Counters of a cache, for metrics. */
export interface RecordCacheStats {
  /** Lookups answered from the cache (a record, or known absent). */
  hits: number;
  /** Lookups that went to LevelDB. */
  misses: number;
  /** Keys known. */
  entries: number;
  /** Bytes in use: the ring's entries (superseded ones until evicted) and the index table. */
  bytes: number;
  /** The limit. */
  maxBytes: number;
}

/** A bounded cache of encoded records by data key. */
export class RecordCache {
  private readonly arena: Buffer;
  /** The arena's headers are read and written through a DataView, which the compiler inlines (Buffer's readUInt16LE and kin it does not). */
  private readonly view: DataView;
  private readonly capacity: number;
  /** Index slots: 0 = empty, else the entry's offset + 1. */
  private readonly slots: Uint32Array;
  /** The key hash of each slot's entry, so that probes compare keys only on a hash match. */
  private readonly slotHashes: Int32Array;
  private readonly mask: number;
  private readonly maxEntries: number;
  private readonly tableBytes: number;
  /** Keys in the index. */
  private entries = 0;
  /** Where the next entry goes, and where the oldest one starts. */
  private head = 0;
  private tail = 0;
  /** Entries in the ring, live or superseded. */
  private count = 0;
  /** Bytes of the ring in use, superseded entries and a skipped end included. */
  private used = 0;
  /** Sequence of the last write; fills compare against it. */
  private seq = 0;
  /** Highest write sequence among evicted live entries. */
  private evictedWriteSeq = 0;
  /** Misses seen while full, for the admission of one in {@link ADMIT_FULL}. */
  private fullMisses = 0;
  hits = 0;
  misses = 0;

  /** A cache of at most `maxBytes` (at least 64 KiB; see {@link RecordCache.create} for 0). */
  constructor(readonly maxBytes: number) {
    let size = 1;
    while (size * 2 * 8 <= maxBytes * TABLE_SHARE) size *= 2;
    this.mask = size - 1;
    this.slots = new Uint32Array(size);
    this.slotHashes = new Int32Array(size);
    this.tableBytes = size * 8;
    this.maxEntries = size / 2;
    this.capacity = maxBytes - this.tableBytes;
    this.arena = Buffer.allocUnsafeSlow(this.capacity);
    this.view = new DataView(this.arena.buffer, this.arena.byteOffset, this.arena.byteLength);
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
   * The encoded record of the data key `key[start, end)` (whose
   * {@link keyHashAt} is `hash`) as a copy the caller owns, `null` when the key
   * is known to be absent, `undefined` when the cache does not know (counted as
   * a miss: the caller reads LevelDB).
   */
  get(key: Uint8Array, start: number, end: number, hash: number): Buffer | null | undefined {
    const slot = this.find(key, start, end, hash);
    if (slot < 0) {
      this.misses++;
      return undefined;
    }
    this.hits++;
    const at = this.slots[slot]! - 1;
    const { arena, view } = this;
    const recordAt = at + HEADER + (end - start);
    const length = view.getInt32(recordAt, true);
    let copy: Buffer | null = null;
    if (length !== ABSENT) {
      // From the pool for small records; `copy` is a plain memcpy, without the view objects of `subarray`.
      copy = Buffer.allocUnsafe(length);
      arena.copy(copy, 0, recordAt + 4, recordAt + 4 + length);
    }
    // Read while in the oldest quarter of the ring, about to go: copied to the front (a second chance, as CLOCK gives),
    // so that a hot key stays while a uniform read of a working set larger than the cache copies little.
    if ((this.head - at + this.capacity) % this.capacity > (this.used * 3) / 4) {
      this.insert(key, start, end, hash, copy, view.getFloat64(at + SEQ_AT, true));
    }
    return copy;
  }

  /** Records what LevelDB now holds for the data key after a committed write: `record` (encoded), or `null` once it was deleted. */
  write(key: Uint8Array, start: number, end: number, hash: number, record: Uint8Array | null): void {
    this.insert(key, start, end, hash, record, ++this.seq);
  }

  /** Records that the records at `dataKeys` are gone, once their deletion committed. */
  deleted(dataKeys: readonly Buffer[]): void {
    for (const key of dataKeys) this.write(key, 0, key.length, keyHashAt(key, 0, key.length), null);
  }

  /**
   * Records what a read that started at sequence `since` found in LevelDB,
   * unless a write of the key may have happened since: the key has an entry
   * (the write's, or a fill's that is as new), or an entry written after
   * `since` was evicted (it may have been this key's).
   */
  fill(key: Uint8Array, start: number, end: number, hash: number, record: Uint8Array | null, since: number): void {
    if (this.evictedWriteSeq > since) return;
    // Once full, only one miss in ADMIT_FULL is let in: a hot key gets in after a few reads, while a scan or a uniform read of
    // more keys than fit would evict one entry for every miss (and gain no hits).
    if (this.entries + 1 >= this.maxEntries || this.used + this.tableBytes >= this.maxBytes * FULL_SHARE) {
      if (++this.fullMisses % ADMIT_FULL !== 0) return;
    }
    if (this.find(key, start, end, hash) >= 0) return;
    this.insert(key, start, end, hash, record, 0);
  }

  /** Forgets everything (the store closed, reopened or truncated). */
  clear(): void {
    // As if every entry had been evicted: a read in flight must not fill the cache with what it read before a write it no longer sees.
    this.evictedWriteSeq = this.seq;
    this.slots.fill(0);
    this.entries = this.head = this.tail = this.count = this.used = 0;
  }

  /** Counters and sizes, for metrics. */
  stats(): RecordCacheStats {
    return { hits: this.hits, misses: this.misses, entries: this.entries, bytes: this.used + this.tableBytes, maxBytes: this.maxBytes };
  }

  /** The slot of the key's entry, or -1. */
  private find(key: Uint8Array, start: number, end: number, hash: number): number {
    const { slots, slotHashes, mask, arena, view } = this;
    const length = end - start;
    for (let slot = hash & mask; ; slot = (slot + 1) & mask) {
      const taken = slots[slot]!;
      if (taken === 0) return -1;
      if (slotHashes[slot] !== hash) continue;
      const at = taken - 1;
      if (view.getUint16(at + KEY_LENGTH_AT, true) === length && sameBytes(key, start, arena, at + HEADER, length)) return slot;
    }
  }

  private insert(key: Uint8Array, start: number, end: number, hash: number, record: Uint8Array | null, seq: number): void {
    const keyLength = end - start;
    const size = HEADER + keyLength + 4 + (record === null ? 0 : record.length);
    if (size > this.capacity / 4) {
      // Too large to be worth the room: forget the key instead, so that nothing stale stays.
      const slot = this.find(key, start, end, hash);
      if (slot >= 0) this.remove(slot);
      if (seq > this.evictedWriteSeq) this.evictedWriteSeq = seq;
      return;
    }
    const at = this.reserve(size);
    const { arena, view } = this;
    view.setUint32(at, size, true);
    view.setFloat64(at + SEQ_AT, seq, true);
    view.setInt32(at + HASH_AT, hash, true);
    view.setUint16(at + KEY_LENGTH_AT, keyLength, true);
    for (let i = 0; i < keyLength; i++) arena[at + HEADER + i] = key[start + i]!;
    const recordAt = at + HEADER + keyLength;
    view.setInt32(recordAt, record === null ? ABSENT : record.length, true);
    if (record !== null) arena.set(record, recordAt + 4);
    this.head = at + size;
    this.count++;
    this.used += size;
    // Found after reserve, which may have evicted the key's older entry (and moved slots).
    const slot = this.find(key, start, end, hash);
    if (slot >= 0) {
      this.slots[slot] = at + 1;
      return;
    }
    let free = hash & this.mask;
    while (this.slots[free] !== 0) free = (free + 1) & this.mask;
    this.slots[free] = at + 1;
    this.slotHashes[free] = hash;
    this.entries++;
  }

  /** Empties `slot`, shifting back the entries after it that probed past it (linear probing without tombstones). */
  private remove(slot: number): void {
    const { slots, slotHashes, mask } = this;
    let hole = slot;
    for (let next = (hole + 1) & mask; slots[next] !== 0; next = (next + 1) & mask) {
      const home = slotHashes[next]! & mask;
      // The entry at `next` may fill the hole unless its home lies cyclically in (hole, next].
      const movable = hole <= next ? home <= hole || home > next : home <= hole && home > next;
      if (movable) {
        slots[hole] = slots[next]!;
        slotHashes[hole] = slotHashes[next]!;
        hole = next;
      }
    }
    slots[hole] = 0;
    this.entries--;
  }

  /** Room for `size` contiguous bytes at the head, evicting the oldest entries as needed; returns where. */
  private reserve(size: number): number {
    while (this.entries >= this.maxEntries) this.evict();
    for (;;) {
      if (this.count === 0) {
        this.head = this.tail = this.used = 0;
        return 0;
      }
      if (this.head > this.tail) {
        if (this.capacity - this.head >= size) return this.head;
        // No room before the end: the rest is skipped (marked when a length fits) and the head starts over.
        if (this.capacity - this.head >= 4) this.view.setUint32(this.head, 0, true);
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
    const view = this.view;
    if (this.capacity - this.tail < 4 || view.getUint32(this.tail, true) === 0) {
      // The skipped end of the ring.
      this.used -= this.capacity - this.tail;
      this.tail = 0;
    }
    const at = this.tail;
    const size = view.getUint32(at, true);
    const hash = view.getInt32(at + HASH_AT, true);
    // The entry is live when the index points at it; a superseded one just goes.
    for (let slot = hash & this.mask; this.slots[slot] !== 0; slot = (slot + 1) & this.mask) {
      if (this.slots[slot] !== at + 1) continue;
      this.remove(slot);
      const seq = view.getFloat64(at + SEQ_AT, true);
      if (seq > this.evictedWriteSeq) this.evictedWriteSeq = seq;
      break;
    }
    this.tail = at + size;
    this.count--;
    this.used -= size;
    if (this.count === 0) this.head = this.tail = this.used = 0;
  }
}

/** `a[aAt, aAt + length)` equals `b[bAt, bAt + length)`: a loop, cheaper than `Buffer.compare`'s native call for keys this short. */
function sameBytes(a: Uint8Array, aAt: number, b: Uint8Array, bAt: number, length: number): boolean {
  for (let i = 0; i < length; i++) if (a[aAt + i] !== b[bAt + i]) return false;
  return true;
}
