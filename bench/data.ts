/**
 * The data the workloads write: fixed-size keys made from a counter and
 * values cut from one random pool, built before the clock starts so that the
 * timings measure the stores, not the generator.
 */
import { randomBytes } from 'node:crypto';

/** Keys and values of one workload, by position. */
export interface DataSet {
  keys: Buffer[];
  values: Buffer[];
}

/** Builds keys and values of the given sizes. */
export class DataGenerator {
  /** Values are windows of this pool: distinct per key, without one allocation per value. */
  private readonly pool: Buffer;

  constructor(
    private readonly keySize: number,
    private readonly valueSize: number,
  ) {
    this.pool = randomBytes(Math.max(64 * 1024, valueSize * 2));
  }

  /** Key number `i`: 'k' and the zero-padded counter, `keySize` bytes. */
  key(i: number): Buffer {
    return Buffer.from(`k${String(i).padStart(this.keySize - 1, '0')}`, 'latin1');
  }

  /** A value for key number `i`. */
  value(i: number): Buffer {
    const start = (i * 7919) % (this.pool.length - this.valueSize);
    return this.pool.subarray(start, start + this.valueSize);
  }

  /** Keys `from` to `from + count - 1` and their values. */
  range(from: number, count: number): DataSet {
    const keys = new Array<Buffer>(count);
    const values = new Array<Buffer>(count);
    for (let j = 0; j < count; j++) {
      keys[j] = this.key(from + j);
      values[j] = this.value(from + j);
    }
    return { keys, values };
  }
}
