/**
 * Rendezvous (highest-random-weight) scores, a cross-client contract: every
 * client and node must rank members identically, bit for bit.
 *
 *     score(nodeId, partition) = XXH64(utf8(nodeId) ++ u32be(partition), seed 0)
 *
 * `u32be` is the partition number as 4 bytes, big-endian, right after the id's
 * UTF-8 bytes; the score is read as an unsigned 64-bit integer. Members rank
 * by score, highest first; equal scores rank the smaller node id first, in
 * JavaScript string order (UTF-16 code units, which is byte order for ASCII ids).
 */
import { hash64Parts, type Hash64Parts } from './hash.js';

const utf8 = new TextEncoder();

/**
 * The bytes a member's scores are hashed from: its id's UTF-8 bytes and 4 bytes
 * that {@link scoreOf} fills with the partition. Build it once per member and
 * reuse it for every partition.
 */
export function scoreInput(nodeId: string): Uint8Array {
  const id = utf8.encode(nodeId);
  const input = new Uint8Array(id.length + 4);
  input.set(id);
  return input;
}

/**
 * The score of the member whose {@link scoreInput} is `input`, for `partition`.
 * Returns the shared result of `hash64Parts`: read it before hashing again.
 */
export function scoreOf(input: Uint8Array, partition: number): Readonly<Hash64Parts> {
  const at = input.length - 4;
  input[at] = partition >>> 24;
  input[at + 1] = partition >>> 16;
  input[at + 2] = partition >>> 8;
  input[at + 3] = partition;
  return hash64Parts(input);
}

/**
 * Orders two scored members best first: a negative number when member a
 * ranks before member b (higher score, or the same score and a smaller id).
 */
export function compareRank(aHi: number, aLo: number, aId: string, bHi: number, bLo: number, bId: string): number {
  if (aHi !== bHi) return bHi - aHi;
  if (aLo !== bLo) return bLo - aLo;
  return aId < bId ? -1 : aId > bId ? 1 : 0;
}
