import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/errors.js';
import { DEFAULT_PARTITIONS, MAX_PARTITIONS, partitionOf, validatePartitions } from '../../../src/placement/index.js';
import { randomBytes, seededRandom } from './fixtures.js';
import { referenceXxh64 } from './xxh64-reference.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** DESIGN.md's partition function, from the documented contract. */
function referencePartition(index: string, key: Uint8Array, partitions: number): number {
  return Number(referenceXxh64(key, referenceXxh64(utf8(index))) % BigInt(partitions));
}

/** How many of `keys` land in each of `partitions` partitions of `index`. */
function histogram(index: string, keys: Uint8Array[], partitions: number): number[] {
  const counts = new Array<number>(partitions).fill(0);
  for (const key of keys) counts[partitionOf(index, key, partitions)]!++;
  return counts;
}

describe('placement/partition', () => {
  it('defaults to 1024 partitions and allows up to 65536', () => {
    assert.equal(DEFAULT_PARTITIONS, 1024);
    assert.equal(MAX_PARTITIONS, 65536);
  });

  it('validatePartitions accepts whole numbers in [1, 65536] and rejects the rest with DSTASH_INVALID_OPTIONS', () => {
    for (const p of [1, 2, 1000, 1024, 65536]) assert.doesNotThrow(() => validatePartitions(p));
    for (const p of [0, -1, 65537, 1.5, Number.NaN, Infinity]) {
      assert.throws(() => validatePartitions(p), { code: ErrorCode.InvalidOptions }, String(p));
      assert.throws(() => partitionOf('default', utf8('k'), p), { code: ErrorCode.InvalidOptions }, String(p));
    }
  });

  it('follows the documented contract, XXH64(key, seed = XXH64(utf8(index))) mod P, for any P', () => {
    const next = seededRandom(7);
    for (const partitions of [1, 3, 1000, 1024, 4096, 65535, 65536]) {
      for (let i = 0; i < 200; i++) {
        const key = randomBytes(next, 1 + (i % 40));
        const index = `index-${i % 5}`;
        const p = partitionOf(index, key, partitions);
        assert.equal(p, referencePartition(index, key, partitions), `P=${partitions}`);
        assert.ok(p >= 0 && p < partitions);
      }
    }
  });

  it('spreads 100k random keys evenly over 1024 partitions', () => {
    const next = seededRandom(1024);
    const keys = Array.from({ length: 100_000 }, () => randomBytes(next, 16));
    const counts = histogram('default', keys, 1024);
    const mean = keys.length / 1024;
    // About 97.7 keys each, standard deviation about 9.9: ±50% is five deviations.
    assert.ok(Math.min(...counts) >= mean * 0.5, `min ${Math.min(...counts)}`);
    assert.ok(Math.max(...counts) <= mean * 1.5, `max ${Math.max(...counts)}`);
    // Chi-square with 1023 degrees of freedom: mean 1023, deviation about 45.
    const chi2 = counts.reduce((sum, c) => sum + (c - mean) ** 2 / mean, 0);
    assert.ok(chi2 < 1023 + 5 * 45, `chi-square ${chi2.toFixed(1)}`);
  });

  it('spreads keys evenly over a partition count that is not a power of two', () => {
    const next = seededRandom(1000);
    const keys = Array.from({ length: 50_000 }, () => randomBytes(next, 12));
    const counts = histogram('default', keys, 1000);
    assert.ok(Math.min(...counts) >= 25 && Math.max(...counts) <= 75, `min ${Math.min(...counts)} max ${Math.max(...counts)}`);
  });

  it('lets the index move a key: the same key lands elsewhere in another index', () => {
    const next = seededRandom(99);
    let same = 0;
    for (let i = 0; i < 1000; i++) {
      const key = randomBytes(next, 16);
      if (partitionOf('users', key, 1024) === partitionOf('orders', key, 1024)) same++;
    }
    // Independent placements agree about once in 1024.
    assert.ok(same <= 10, `${same} of 1000 keys kept their partition`);
  });

  it('is deterministic and puts every key in partition 0 of a single-partition cluster', () => {
    const key = utf8('user:42');
    assert.equal(partitionOf('default', key, 1024), partitionOf('default', Uint8Array.from(key), 1024));
    assert.equal(partitionOf('default', key, 1), 0);
  });
});
