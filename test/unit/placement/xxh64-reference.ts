/**
 * A straightforward XXH64 over BigInt, written from the specification
 * (https://github.com/Cyan4973/xxHash/blob/dev/doc/xxhash_spec.md) and sharing
 * no code with src/placement/hash.ts: the independent oracle the fast
 * 32-bit implementation is checked against.
 */
const MASK = (1n << 64n) - 1n;
const P1 = 0x9e3779b185ebca87n;
const P2 = 0xc2b2ae3d27d4eb4fn;
const P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n;
const P5 = 0x27d4eb2f165667c5n;

const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & MASK;
const mul = (a: bigint, b: bigint): bigint => (a * b) & MASK;
const add = (a: bigint, b: bigint): bigint => (a + b) & MASK;

function readLE(data: Uint8Array, at: number, bytes: number): bigint {
  let value = 0n;
  for (let i = bytes - 1; i >= 0; i--) value = (value << 8n) | BigInt(data[at + i]!);
  return value;
}

function round(acc: bigint, input: bigint): bigint {
  return mul(rotl(add(acc, mul(input, P2)), 31n), P1);
}

function merge(acc: bigint, value: bigint): bigint {
  return add(mul(acc ^ round(0n, value), P1), P4);
}

/** XXH64 of `data` with a 64-bit `seed`, as an unsigned bigint. */
export function referenceXxh64(data: Uint8Array, seed = 0n): bigint {
  const len = data.length;
  let at = 0;
  let h: bigint;
  if (len >= 32) {
    const v = [add(add(seed, P1), P2), add(seed, P2), seed, (seed - P1) & MASK];
    for (; at + 32 <= len; at += 32) {
      for (let lane = 0; lane < 4; lane++) v[lane] = round(v[lane]!, readLE(data, at + lane * 8, 8));
    }
    h = add(add(rotl(v[0]!, 1n), rotl(v[1]!, 7n)), add(rotl(v[2]!, 12n), rotl(v[3]!, 18n)));
    for (const lane of v) h = merge(h, lane);
  } else {
    h = add(seed, P5);
  }
  h = add(h, BigInt(len));
  for (; at + 8 <= len; at += 8) h = add(mul(rotl(h ^ round(0n, readLE(data, at, 8)), 27n), P1), P4);
  if (at + 4 <= len) {
    h = add(mul(rotl(h ^ mul(readLE(data, at, 4), P1), 23n), P2), P3);
    at += 4;
  }
  for (; at < len; at++) h = mul(rotl(h ^ mul(BigInt(data[at]!), P5), 11n), P1);
  h = mul(h ^ (h >> 33n), P2);
  h = mul(h ^ (h >> 29n), P3);
  return h ^ (h >> 32n);
}

/** The rendezvous score of DESIGN.md, from its byte layout: XXH64(utf8(nodeId) ++ u32be(partition)). */
export function referenceScore(nodeId: string, partition: number): bigint {
  const id = new TextEncoder().encode(nodeId);
  const input = new Uint8Array(id.length + 4);
  input.set(id);
  new DataView(input.buffer).setUint32(id.length, partition, false);
  return referenceXxh64(input);
}
