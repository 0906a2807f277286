import assert from 'node:assert/strict';
import { OUTCOME_OVERHEAD_BYTES, readInParts, type PartLimits } from '../../../src/node/read-in-parts.js';

const MiB = 1024 * 1024;
const LIMITS: PartLimits = { partBytes: 64 * MiB, maxValueBytes: 8 * MiB };

/** A store of values by key, and the slices it was asked for. */
function store(sizes: number[]): { keys: Buffer[]; read: (keys: readonly Buffer[]) => Promise<Buffer[]>; slices: number[] } {
  const keys = sizes.map((_, i) => Buffer.from(`k${i}`));
  const slices: number[] = [];
  const read = async (asked: readonly Buffer[]): Promise<Buffer[]> => {
    slices.push(asked.length);
    return asked.map((k) => Buffer.alloc(sizes[Number(k.toString().slice(1))]!, k.toString()));
  };
  return { keys, read, slices };
}

const bytesOf = (part: Buffer[]): number => part.reduce((n, v) => n + v.length + OUTCOME_OVERHEAD_BYTES, 0);

describe('batch reads in parts', () => {
  it('a batch that fits in one part at the value limit is one read, answered as read', async () => {
    const s = store([100, 8 * MiB, 0]);
    const emitted: Buffer[][] = [];
    const last = await readInParts(s.keys, s.read, (v) => v.length, LIMITS, async (part) => void emitted.push(part));
    assert.deepEqual(s.slices, [3]);
    assert.equal(emitted.length, 0);
    assert.equal(last.length, 3);
  });

  it('a large batch of small values is two reads and one part', async () => {
    const s = store(Array.from({ length: 1000 }, () => 100));
    const emitted: Buffer[][] = [];
    const last = await readInParts(s.keys, s.read, (v) => v.length, LIMITS, async (part) => void emitted.push(part));
    assert.deepEqual(s.slices, [Math.floor(LIMITS.partBytes / (LIMITS.maxValueBytes + OUTCOME_OVERHEAD_BYTES)), 1000 - s.slices[0]!]);
    assert.equal(emitted.length, 0);
    assert.equal(last.length, 1000);
  });

  it('large values leave in order, in parts within the bound, each slice read after the parts before it were taken', async () => {
    const sizes = Array.from({ length: 100 }, (_, i) => (i % 3 === 0 ? 4 * MiB : 8 * MiB - i));
    const s = store(sizes);
    const parts: Buffer[][] = [];
    let read = 0;
    let taken = 0;
    const readSlice = async (keys: readonly Buffer[]): Promise<Buffer[]> => {
      // At most one part's worth in hand, untaken, when the next slice is read.
      assert.ok(read - taken <= LIMITS.partBytes, `${read - taken} bytes untaken`);
      const values = await s.read(keys);
      read += bytesOf(values);
      return values;
    };
    const last = await readInParts(s.keys, readSlice, (v) => v.length, LIMITS, async (part) => {
      parts.push(part);
      taken += bytesOf(part);
    });
    parts.push(last);
    for (const part of parts) assert.ok(bytesOf(part) <= LIMITS.partBytes, `a part of ${bytesOf(part)} bytes`);
    const values = parts.flat();
    assert.equal(values.length, 100);
    values.forEach((v, i) => assert.equal(v.length, sizes[i]));
    for (const count of s.slices) assert.ok(count * 8 * MiB <= LIMITS.partBytes + count * OUTCOME_OVERHEAD_BYTES, `a slice of ${count} keys`);
  });

  it('an empty batch is one empty read', async () => {
    const s = store([]);
    assert.deepEqual(await readInParts(s.keys, s.read, (v) => v.length, LIMITS, () => Promise.reject(new Error('no part'))), []);
  });
});
