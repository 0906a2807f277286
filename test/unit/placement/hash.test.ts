import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/errors.js';
import { hash64, hash64Parts } from '../../../src/placement/index.js';
import { randomBytes, seededRandom } from './fixtures.js';
import { referenceXxh64 } from './xxh64-reference.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
const bytes0To99 = Uint8Array.from({ length: 100 }, (_, i) => i);

// Published vectors: the xxHash project's (empty, "a", "abc"), python-xxhash's
// README (the 39-byte sentence, the seeded "xxhash"), and, for a long input
// with a full 64-bit seed, libxxhash 0.8.1's XXH64().
const VECTORS: { name: string; data: Uint8Array; seed: bigint; expected: bigint }[] = [
  { name: 'empty', data: utf8(''), seed: 0n, expected: 0xef46db3751d8e999n },
  { name: '"a"', data: utf8('a'), seed: 0n, expected: 0xd24ec4f1a98c6e5bn },
  { name: '"abc"', data: utf8('abc'), seed: 0n, expected: 0x44bc2cf5ad770999n },
  { name: '39 bytes', data: utf8('Nobody inspects the spammish repetition'), seed: 0n, expected: 0xfbcea83c8a378bf1n },
  { name: '43 bytes', data: utf8('The quick brown fox jumps over the lazy dog'), seed: 0n, expected: 0x0b242d361fda71bcn },
  { name: '"xxhash", seed 20141025', data: utf8('xxhash'), seed: 20141025n, expected: 0xb559b98d844e0635n },
  { name: '100 bytes, 64-bit seed', data: bytes0To99, seed: 0x9e3779b185ebca87n, expected: 0x00278bda0ee3f586n },
];

/** hash64Parts with a bigint seed, read back as a bigint. */
function fast(data: Uint8Array, seed: bigint): bigint {
  const { hi, lo } = hash64Parts(data, Number(seed & 0xffffffffn), Number(seed >> 32n));
  return (BigInt(hi) << 32n) | BigInt(lo);
}

describe('placement/hash: XXH64', () => {
  for (const { name, data, seed, expected } of VECTORS) {
    it(`matches the published vector: ${name}`, () => {
      assert.equal(referenceXxh64(data, seed), expected, 'the reference implementation');
      assert.equal(fast(data, seed), expected, 'hash64Parts');
    });
  }

  it('agrees with the BigInt reference on random inputs of every length and random 64-bit seeds', () => {
    const next = seededRandom(0x5eed);
    for (let i = 0; i < 4000; i++) {
      // Lengths up to 160 cover every path: stripes, 8-byte lanes, the 4-byte lane, single bytes.
      const data = randomBytes(next, i % 161);
      const seed = (BigInt(next()) << 32n) | BigInt(next());
      assert.equal(fast(data, seed), referenceXxh64(data, seed), `length ${data.length}, seed ${seed}`);
    }
  });

  it('hash64 is hash64Parts as a bigint, with a number seed', () => {
    assert.equal(hash64(utf8('xxhash'), 20141025), 0xb559b98d844e0635n);
    assert.equal(hash64(bytes0To99, 2 ** 40 + 7), referenceXxh64(bytes0To99, 2n ** 40n + 7n));
    assert.equal(hash64(utf8('')), 0xef46db3751d8e999n);
  });

  it('hash64 rejects a seed that is not a non-negative safe integer', () => {
    for (const seed of [-1, 1.5, 2 ** 53, Number.NaN]) {
      assert.throws(() => hash64(utf8('a'), seed), { code: ErrorCode.InvalidArgument });
    }
  });

  it('hash64Parts returns unsigned halves in one reused object', () => {
    const first = hash64Parts(utf8('a'));
    assert.deepEqual({ ...first }, { hi: 0xd24ec4f1, lo: 0xa98c6e5b });
    assert.equal(hash64Parts(utf8('abc')), first, 'no allocation per call');
    assert.deepEqual({ ...first }, { hi: 0x44bc2cf5, lo: 0xad770999 });
  });
});
