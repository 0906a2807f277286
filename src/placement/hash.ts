/**
 * XXH64 (xxHash, 64-bit variant), the hash behind partitioning and rendezvous
 * ranking. Its output is part of the cross-client contract: every client and
 * node must compute the same values, so this is the reference algorithm, bit
 * for bit (https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md).
 *
 * It runs once per key, so the core uses only 32-bit integer arithmetic: each
 * 64-bit value is a (hi, lo) pair of int32s, and the helpers below leave their
 * result in two module-level registers instead of returning an object. BigInt
 * would allocate on every operation.
 */
import { ErrorCode, InvalidArgumentError } from '../errors.js';

/** A 64-bit hash as two unsigned 32-bit halves. */
export interface Hash64Parts {
  /** Bits 63..32, as an unsigned 32-bit integer. */
  hi: number;
  /** Bits 31..0, as an unsigned 32-bit integer. */
  lo: number;
}

// Result registers of the 64-bit helpers (int32, so they stay small integers
// and writing them never allocates).
let rh = 0;
let rl = 0;

/** (ah:al) + (bh:bl) mod 2^64. */
function add(ah: number, al: number, bh: number, bl: number): void {
  const lo = (al >>> 0) + (bl >>> 0);
  rl = lo | 0;
  rh = (ah + bh + (lo > 0xffffffff ? 1 : 0)) | 0;
}

/** (ah:al) * (bh:bl) mod 2^64. */
function mul(ah: number, al: number, bh: number, bl: number): void {
  // al * bl needs its full 64-bit product: split al and bl into 16-bit halves
  // so that every partial product is exact in a double. The cross terms
  // al * bh and ah * bl only reach the high word, where the low 32 bits that
  // Math.imul keeps are all that survive.
  const a0 = al & 0xffff;
  const a1 = al >>> 16;
  const b0 = bl & 0xffff;
  const b1 = bl >>> 16;
  const t = a0 * b0;
  const m1 = a1 * b0 + (t >>> 16);
  const m2 = a0 * b1 + (m1 & 0xffff);
  rl = (m2 << 16) | (t & 0xffff);
  rh = (a1 * b1 + (m1 >>> 16) + (m2 >>> 16) + Math.imul(al, bh) + Math.imul(ah, bl)) | 0;
}

/** (h:l) rotated left by r bits, 0 < r < 32. */
function rotl(h: number, l: number, r: number): void {
  rh = (h << r) | (l >>> (32 - r));
  rl = (l << r) | (h >>> (32 - r));
}

// The five XXH64 primes, split into halves.
const P1_HI = 0x9e3779b1 | 0;
const P1_LO = 0x85ebca87 | 0;
const P2_HI = 0xc2b2ae3d | 0;
const P2_LO = 0x27d4eb4f | 0;
const P3_HI = 0x165667b1 | 0;
const P3_LO = 0x9e3779f9 | 0;
const P4_HI = 0x85ebca77 | 0;
const P4_LO = 0xc2b2ae63 | 0;
const P5_HI = 0x27d4eb2f | 0;
const P5_LO = 0x165667c5 | 0;
// Accumulator offsets for long inputs: P1 + P2 and -P1 (two's complement).
add(P1_HI, P1_LO, P2_HI, P2_LO);
const P12_HI = rh;
const P12_LO = rl;
add(~P1_HI, ~P1_LO, 0, 1);
const NEG_P1_HI = rh;
const NEG_P1_LO = rl;

/** Little-endian 32-bit word of `d` at `i`, as an int32. */
function read32(d: Uint8Array, i: number): number {
  return d[i]! | (d[i + 1]! << 8) | (d[i + 2]! << 16) | (d[i + 3]! << 24);
}

/** XXH64 round: (acc + input * P2) rotl 31, * P1. */
function round(accHi: number, accLo: number, inHi: number, inLo: number): void {
  mul(inHi, inLo, P2_HI, P2_LO);
  add(accHi, accLo, rh, rl);
  rotl(rh, rl, 31);
  mul(rh, rl, P1_HI, P1_LO);
}

/** XXH64 merge of one accumulator into the hash: (h ^ round(0, v)) * P1 + P4. */
function mergeRound(hHi: number, hLo: number, vHi: number, vLo: number): void {
  round(0, 0, vHi, vLo);
  mul(hHi ^ rh, hLo ^ rl, P1_HI, P1_LO);
  add(rh, rl, P4_HI, P4_LO);
}

// The four accumulators of inputs of 32 bytes or more: lane k's hi word at
// [2k], its lo word at [2k + 1]. A typed array lets one loop body (and so one
// inlined copy of `round`) serve all four lanes.
const lanes = new Int32Array(8);
const LANE_ROTATIONS = [1, 7, 12, 18];

/**
 * Consumes the 32-byte stripes of `data[0, end)` into the four lanes and
 * merges them into one 64-bit value, left in (rh, rl).
 */
function stripes(data: Uint8Array, end: number, seedHi: number, seedLo: number): void {
  add(seedHi, seedLo, P12_HI, P12_LO);
  lanes[0] = rh;
  lanes[1] = rl;
  add(seedHi, seedLo, P2_HI, P2_LO);
  lanes[2] = rh;
  lanes[3] = rl;
  lanes[4] = seedHi;
  lanes[5] = seedLo;
  add(seedHi, seedLo, NEG_P1_HI, NEG_P1_LO);
  lanes[6] = rh;
  lanes[7] = rl;
  for (let i = 0; i < end; i += 32) {
    for (let k = 0; k < 8; k += 2) {
      // Lane k/2 reads the 8 bytes at i + 4k.
      round(lanes[k]!, lanes[k + 1]!, read32(data, i + 4 * k + 4), read32(data, i + 4 * k));
      lanes[k] = rh;
      lanes[k + 1] = rl;
    }
  }
  let hh = 0;
  let hl = 0;
  for (let k = 0; k < 8; k += 2) {
    rotl(lanes[k]!, lanes[k + 1]!, LANE_ROTATIONS[k >> 1]!);
    add(hh, hl, rh, rl);
    hh = rh;
    hl = rl;
  }
  for (let k = 0; k < 8; k += 2) {
    mergeRound(hh, hl, lanes[k]!, lanes[k + 1]!);
    hh = rh;
    hl = rl;
  }
}

/** The one result object {@link hash64Parts} overwrites on every call. */
const result: Hash64Parts = { hi: 0, lo: 0 };

/**
 * XXH64 of `data` with a 64-bit seed given as two unsigned 32-bit halves, for
 * the per-key path: it allocates nothing.
 *
 * Returns a module-level object that the next call overwrites: read `hi` and
 * `lo` (unsigned 32-bit integers) before hashing again.
 */
export function hash64Parts(data: Uint8Array, seedLo = 0, seedHi = 0): Readonly<Hash64Parts> {
  const len = data.length;
  // Whole 32-byte stripes go through the four lanes; a shorter input starts from seed + P5.
  let i = len - (len % 32);
  if (i > 0) stripes(data, i, seedHi | 0, seedLo | 0);
  else add(seedHi, seedLo, P5_HI, P5_LO);
  add(rh, rl, (len / 0x100000000) | 0, len | 0);
  let hh = rh;
  let hl = rl;

  // The tail: 8-byte lanes, then one 4-byte lane, then single bytes.
  for (; i + 8 <= len; i += 8) {
    round(0, 0, read32(data, i + 4), read32(data, i));
    rotl(hh ^ rh, hl ^ rl, 27);
    mul(rh, rl, P1_HI, P1_LO);
    add(rh, rl, P4_HI, P4_LO);
    hh = rh;
    hl = rl;
  }
  if (i + 4 <= len) {
    mul(0, read32(data, i), P1_HI, P1_LO);
    rotl(hh ^ rh, hl ^ rl, 23);
    mul(rh, rl, P2_HI, P2_LO);
    add(rh, rl, P3_HI, P3_LO);
    hh = rh;
    hl = rl;
    i += 4;
  }
  for (; i < len; i++) {
    mul(0, data[i]!, P5_HI, P5_LO);
    rotl(hh ^ rh, hl ^ rl, 11);
    mul(rh, rl, P1_HI, P1_LO);
    hh = rh;
    hl = rl;
  }

  // Avalanche: h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32.
  mul(hh, hl ^ (hh >>> 1), P2_HI, P2_LO);
  mul(rh ^ (rh >>> 29), rl ^ ((rl >>> 29) | (rh << 3)), P3_HI, P3_LO);
  result.hi = rh >>> 0;
  result.lo = (rl ^ rh) >>> 0;
  return result;
}

/**
 * XXH64 of `data` as an unsigned 64-bit bigint, for code off the per-key path
 * (it allocates). `seed` is a non-negative safe integer; anything else throws
 * `DSTASH_INVALID_ARGUMENT`.
 */
export function hash64(data: Uint8Array, seed = 0): bigint {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    throw new InvalidArgumentError(ErrorCode.InvalidArgument, `invalid hash seed ${seed}: must be a non-negative safe integer`);
  }
  const { hi, lo } = hash64Parts(data, seed >>> 0, Math.floor(seed / 0x100000000) >>> 0);
  return (BigInt(hi) << 32n) | BigInt(lo);
}
