/**
 * Key partitioning (DESIGN.md, Placement): `partition = hash(index, key) mod P`.
 *
 * Cross-client contract, bit for bit:
 *
 *     seed      = XXH64(utf8(index), seed 0)
 *     partition = XXH64(key, seed) mod P      (the hash read as an unsigned 64-bit integer)
 *
 * Seeding the key's hash with the index's hash lets the index move keys
 * without building an (index ++ key) buffer per key.
 */
import { ErrorCode, InvalidArgumentError } from '../errors.js';
import { hash64Parts, type Hash64Parts } from './hash.js';

/** Partitions of a new cluster unless configured otherwise. */
export const DEFAULT_PARTITIONS = 1024;

/** The largest partition count a cluster may have. */
export const MAX_PARTITIONS = 65536;

/**
 * Throws {@link InvalidArgumentError} (`DSTASH_INVALID_OPTIONS`) unless `partitions` is a
 * whole number in [1, {@link MAX_PARTITIONS}].
 */
export function validatePartitions(partitions: number): void {
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
    throw new InvalidArgumentError(
      ErrorCode.InvalidOptions,
      `invalid partitions ${partitions}: must be a whole number from 1 to ${MAX_PARTITIONS} (option partitions / --partitions, fixed when the cluster is created)`,
    );
  }
}

// Index seeds, by index name. A process sees few indexes; the cap only keeps a
// stream of distinct names from growing the cache without bound.
const SEED_CACHE_LIMIT = 4096;
const seeds = new Map<string, Readonly<Hash64Parts>>();
const utf8 = new TextEncoder();

/** The 64-bit seed of `index`'s keys: XXH64 of its UTF-8 bytes. */
function seedOf(index: string): Readonly<Hash64Parts> {
  let seed = seeds.get(index);
  if (seed === undefined) {
    if (seeds.size >= SEED_CACHE_LIMIT) seeds.clear();
    // Copy: hash64Parts returns a shared object the next call overwrites.
    const { hi, lo } = hash64Parts(utf8.encode(index));
    seed = { hi, lo };
    seeds.set(index, seed);
  }
  return seed;
}

/**
 * The partition, in [0, partitions), that `key` of `index` belongs to. Every
 * client and node must agree on it; see the contract at the top of this file.
 * Throws `DSTASH_INVALID_OPTIONS` for a partition count that
 * {@link validatePartitions} rejects.
 */
export function partitionOf(index: string, key: Uint8Array, partitions: number): number {
  validatePartitions(partitions);
  const seed = seedOf(index);
  const { hi, lo } = hash64Parts(key, seed.lo, seed.hi);
  if ((partitions & (partitions - 1)) === 0) return lo & (partitions - 1);
  // (hi * 2^32 + lo) mod P, exact in doubles: (hi mod P) * 2^32 + lo < 2^48 + 2^32.
  return ((hi % partitions) * 0x100000000 + lo) % partitions;
}
