/**
 * The SDK's linearizable single-key operations (DESIGN.md, Strong per-key
 * operations), proposed by the client itself over the key's home replicas.
 * Linearizable for keys written only this way: a plain put to the same key is
 * last-writer-wins against them (see docs/serial-operations.md).
 */
import type { SerialCondition, SerialOperation, SerialOutcome } from '../consensus/serial-operation.js';
import { ErrorCode, InvalidArgumentError } from '../errors.js';
import type { Codec } from './codecs.js';
import type { SerialCoordinator } from './consensus/proposer.js';

/** What a serial operation did. */
export interface SerialResult<T> {
  /** True when it took effect; false when its condition did not hold (nothing was written). */
  applied: boolean;
  /** Whether the key holds a live value: after the operation when applied, else now. */
  found: boolean;
  /** The value after the operation when applied, else the current one; absent when not found. */
  value?: T;
  /** The version after the operation when applied, else the current one. */
  version?: Buffer;
  /** Expiry in ms since the epoch; 0 = none. */
  expiresAt?: number;
}

/** The expected state of a compare-and-set: a version, `'absent'` (missing, deleted or expired), or `'present'` (any live version). */
export type Expected = Buffer | 'absent' | 'present';

/** Runs serial operations for a client, decoding values with its codec. */
export class SerialOperations<T> {
  constructor(
    private readonly serial: () => Promise<SerialCoordinator>,
    private readonly codec: Codec<T>,
  ) {}

  async run(index: string, key: Buffer, op: SerialOperation): Promise<SerialResult<T>> {
    return this.decode(await (await this.serial()).execute(index, key, op), this.codec.decode.bind(this.codec));
  }

  async runRaw(index: string, key: Buffer, op: SerialOperation): Promise<SerialResult<Buffer>> {
    return this.decode(await (await this.serial()).execute(index, key, op), (b) => b);
  }

  private decode<V>(o: SerialOutcome, decode: (b: Buffer) => V): SerialResult<V> {
    return o.found
      ? { applied: o.applied, found: true, value: decode(o.value!), version: o.version, expiresAt: o.expiresAt ?? 0 }
      : { applied: o.applied, found: false, version: o.version };
  }
}

/** The condition of a compare-and-set; `DSTASH_INVALID_ARGUMENT` for anything else. */
export function conditionOf(expected: Expected): SerialCondition {
  if (expected === 'absent') return { absent: true };
  if (expected === 'present') return { present: true };
  if (Buffer.isBuffer(expected) && expected.length > 0) return { version: expected };
  throw new InvalidArgumentError(ErrorCode.InvalidArgument, "expected must be a version (a Buffer), 'absent' or 'present'");
}
