/**
 * A Bloom filter over the data keys a store holds, so that last-writer-wins
 * apply can skip reading the stored version of a key that is certainly new
 * (the common case of a bulk load). A Bloom filter answers "maybe present"
 * or "certainly absent": a false "maybe" only costs the read that would have
 * been done anyway, a false "absent" never happens, because every data key
 * that may be in the store has been added:
 *
 * - the store adds every key it writes, in the write cycle that writes it,
 *   before the batch commits (write cycles run one at a time);
 * - when the store opens, the keys already on disk are added by a key-only
 *   scan, and until that scan has finished the filter answers "maybe" for
 *   every key. Keys written while it runs are added by their write cycle.
 *
 * Keys are never removed (a deleted or purged key stays "maybe"), so the
 * filter fills up over a store's life; past its capacity it answers "maybe"
 * more often and apply reads more, never less safely.
 */

/** Probes per key. */
const PROBES = 4;
/** 32-bit words in a block: 512 bits, one 64-byte cache line. */
const BLOCK_WORDS = 16;

/**
 * A blocked Bloom filter of byte strings (Putze, Sanders and Singler, 2007):
 * a key's probes all fall in one 64-byte block, so checking and adding it
 * touch one cache line instead of one per probe. It answers "maybe" a little
 * more often than a plain Bloom filter of the same size.
 */
export class KeyFilter {
  private readonly words: Int32Array;
  /** Blocks - 1 (a power of two). */
  private readonly blockMask: number;
  private complete = false;

  /** `bytes` of filter, rounded down to a power of two (at least one block). */
  constructor(bytes: number) {
    let size = BLOCK_WORDS * 4;
    while (size * 2 <= bytes) size *= 2;
    this.words = new Int32Array(size / 4);
    this.blockMask = size / (BLOCK_WORDS * 4) - 1;
  }

  /** True once every key that was in the store when it opened has been added. */
  get ready(): boolean {
    return this.complete;
  }

  /** Marks the filter as holding every key of the store (its opening scan finished). */
  markComplete(): void {
    this.complete = true;
  }

  /** Adds `key`. */
  add(key: Uint8Array): void {
    this.addAndCheckHash(keyHash(key));
  }

  /** False only when `key` was certainly never added and the filter is complete. */
  mayContain(key: Uint8Array): boolean {
    return !this.complete || this.probe(keyHash(key), false);
  }

  /**
   * Adds the key whose {@link keyHash} is `hash`, and answers whether it may
   * have been stored before: false only when the filter is complete and had
   * certainly not seen it.
   */
  addAndCheckHash(hash: number): boolean {
    const seen = this.probe(hash, true);
    return seen || !this.complete;
  }

  /** Whether every probe bit of `hash` was set; sets them too when `set`. */
  private probe(hash: number, set: boolean): boolean {
    const words = this.words;
    const base = (hash & this.blockMask) * BLOCK_WORDS;
    // The bits within the block come from a second mix of the hash, 9 bits a probe.
    const bits = fmix(hash ^ 0x9e3779b9);
    let all = true;
    for (let j = 0; j < PROBES; j++) {
      const bit = (bits >>> (7 * j)) & 511;
      const w = base + (bit >>> 5);
      const mask = 1 << (bit & 31);
      if ((words[w]! & mask) === 0) {
        all = false;
        if (!set) return false;
        words[w]! |= mask;
      }
    }
    return all;
  }
}

/**
 * A 32-bit hash of `key`: MurmurHash3 (x86, 32-bit, seed 0), four bytes at a
 * time. A key's probes derive from it, so two keys whose hashes collide share
 * all their probes; at a few million keys that adds a negligible n / 2^32 to the
 * false "maybe" rate.
 */
export function keyHash(key: Uint8Array): number {
  return keyHashAt(key, 0, key.length);
}

/** {@link keyHash} of the key `bytes[start, end)`, without a view of it. */
export function keyHashAt(bytes: Uint8Array, start: number, end: number): number {
  const n = end - start;
  const blocks = start + (n & ~3);
  let h = 0;
  for (let i = start; i < blocks; i += 4) {
    let k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  if (blocks < end) {
    let k = 0;
    for (let i = end - 1; i >= blocks; i--) k = (k << 8) | bytes[i]!;
    k = Math.imul(k, 0xcc9e2d51);
    k = (k << 15) | (k >>> 17);
    h ^= Math.imul(k, 0x1b873593);
  }
  return fmix(h ^ n);
}

function fmix(x: number): number {
  let h = x;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h;
}
