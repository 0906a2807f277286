/**
 * Digests of a partition for anti-entropy (DESIGN.md, Consistency): the
 * partition's keys are spread over a fixed number of buckets, and each bucket
 * digest is the XOR of the hashes of (index, key, version) of its records,
 * tombstones included. Two replicas whose bucket digests are equal hold the
 * same versions of the same keys there; only differing buckets are exchanged.
 * XOR makes a digest independent of order, so it is computed in one pass.
 */
import { hash64Parts } from '../../placement/index.js';
import type { KeyedRecord } from '../../storage/store.js';

/** Buckets per partition unless the caller asks otherwise. */
export const DEFAULT_BUCKETS = 64;

const BUCKET_SEED = 0x62756b74; // 'bukt': keeps bucket hashes apart from partition hashes

/** The digest bucket of a key (0 to `buckets - 1`). */
export function bucketOf(index: string, key: Buffer, buckets: number): number {
  const h = hash64Parts(Buffer.concat([Buffer.from(index, 'latin1'), ZERO, key]), BUCKET_SEED);
  return h.lo % buckets;
}

const ZERO = Buffer.from([0]);

/** Computes the bucket digests of `records` (one partition). */
export async function digestOf(records: AsyncIterable<KeyedRecord>, buckets: number): Promise<{ digests: Buffer[]; count: number }> {
  const hi = new Uint32Array(buckets);
  const lo = new Uint32Array(buckets);
  let count = 0;
  for await (const r of records) {
    const b = bucketOf(r.index, r.key, buckets);
    const h = hash64Parts(Buffer.concat([Buffer.from(r.index, 'latin1'), ZERO, r.key, ZERO, r.version]));
    hi[b] = (hi[b]! ^ h.hi) >>> 0;
    lo[b] = (lo[b]! ^ h.lo) >>> 0;
    count += 1;
  }
  const digests = new Array<Buffer>(buckets);
  for (let b = 0; b < buckets; b++) {
    const d = Buffer.allocUnsafe(8);
    d.writeUInt32BE(hi[b]!, 0);
    d.writeUInt32BE(lo[b]!, 4);
    digests[b] = d;
  }
  return { digests, count };
}

/** The buckets whose digests differ. */
export function differingBuckets(a: readonly Buffer[], b: readonly Buffer[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (!a[i] || !b[i] || !a[i]!.equals(b[i]!)) out.push(i);
  return out;
}
