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

/** A Bloom filter of byte strings with a fixed number of bits (a power of two). */
export class KeyFilter {
  private readonly words: Int32Array;
  private readonly mask: number;
  private complete = false;

  /** `bytes` of filter, rounded down to a power of two (at least 8). */
  constructor(bytes: number) {
    let size = 8;
    while (size * 2 <= bytes) size *= 2;
    this.words = new Int32Array(size / 4);
    this.mask = size * 8 - 1;
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
    hash(key);
    const words = this.words;
    for (let j = 0; j < PROBES; j++) {
      const bit = (h1 + Math.imul(j, h2)) & this.mask;
      words[bit >>> 5]! |= 1 << (bit & 31);
    }
  }

  /** False only when `key` was certainly never added and the filter is complete. */
  mayContain(key: Uint8Array): boolean {
    if (!this.complete) return true;
    hash(key);
    const words = this.words;
    for (let j = 0; j < PROBES; j++) {
      const bit = (h1 + Math.imul(j, h2)) & this.mask;
      if ((words[bit >>> 5]! & (1 << (bit & 31))) === 0) return false;
    }
    return true;
  }
}

// Result registers of hash(): two independent 32-bit hashes (double hashing
// gives the probes), kept here so that hashing a key allocates nothing.
let h1 = 0;
let h2 = 0;

/** Two 32-bit hashes of `key` (FNV-1a and a multiplicative one, each finished with murmur3's fmix32). */
function hash(key: Uint8Array): void {
  let a = 0x811c9dc5 | 0;
  let b = 0x9747b28c | 0;
  for (let i = 0; i < key.length; i++) {
    const c = key[i]!;
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  h1 = fmix(a);
  // Odd, so that the probes of a key never coincide.
  h2 = fmix(b ^ key.length) | 1;
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
