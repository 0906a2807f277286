/**
 * The single-key operations run through Paxos (DESIGN.md, Strong per-key
 * operations) as change functions of the register: given the current record,
 * each says what to write (if anything) and what to answer. Pure.
 *
 * Counters: a counter is the value holding a signed 64-bit integer in ASCII
 * decimal (`-12`, `0`, `42`), as Redis INCR keeps it; a missing, deleted or
 * expired key counts as 0. Incrementing any other value fails with
 * `DSTASH_NOT_A_COUNTER`, past the 64-bit range with `DSTASH_INVALID_ARGUMENT`.
 */
import { DstashError, ErrorCode, InvalidArgumentError } from '../errors.js';
import { validateValue } from '../limits.js';
import type { ReplicaValue } from '../replica-types.js';

/**
 * A condition on the current record: absent, present (any version), at this
 * version, at one of these versions (none: never holds), absent or at none of
 * these versions, or every one of several conditions (HTTP's `If-Match` and
 * `If-None-Match` together).
 */
export type SerialCondition =
  | { absent: true }
  | { present: true }
  | { version: Buffer }
  | { anyVersion: Buffer[] }
  | { noVersion: Buffer[] }
  | { all: SerialCondition[] };

/** One operation on one key. */
export type SerialOperation =
  /** A linearizable read: changes nothing, finishes any proposal in flight. */
  | { kind: 'read' }
  /** Writes `value` (or deletes) when `expect` holds; unconditionally without `expect`. */
  | { kind: 'set'; expect?: SerialCondition; value: Buffer; ttlMs: number }
  | { kind: 'delete'; expect?: SerialCondition }
  /** Appends bytes to the value (a missing key is empty); the expiry stays. */
  | { kind: 'append'; value: Buffer }
  /** Adds `by` to the counter (see the module comment); the expiry stays. */
  | { kind: 'increment'; by: bigint };

/** What a serial operation answers. */
export interface SerialOutcome {
  /** True when the operation took effect (a read always does); false when its condition failed. */
  applied: boolean;
  /** After the operation when applied, else the current record: whether the key holds a live value. */
  found: boolean;
  value?: Buffer;
  version?: Buffer;
  /** Expiry in ms since the epoch; 0 = none. */
  expiresAt?: number;
}

/** What a change function decides: the record to write, if any, and the answer. */
export interface Change {
  write?: ReplicaValue;
  outcome: SerialOutcome;
}

const MIN_COUNTER = -(2n ** 63n);
const MAX_COUNTER = 2n ** 63n - 1n;
const COUNTER = /^-?(0|[1-9][0-9]{0,18})$/;
const EMPTY = Buffer.alloc(0);

/**
 * Applies `op` to `current` (the live record, undefined when the key is
 * missing, deleted or expired). A write gets `version` (the proposal's
 * ballot). Throws a DstashError when the operation cannot apply at all.
 */
export function applyOperation(op: SerialOperation, current: ReplicaValue | undefined, version: Buffer, now: number, maxValueBytes: number): Change {
  switch (op.kind) {
    case 'read':
      return { outcome: answer(true, current) };
    case 'set':
    case 'delete': {
      if (op.expect && !conditionHolds(op.expect, current?.version)) return { outcome: answer(false, current) };
      const write: ReplicaValue = op.kind === 'set'
        ? { value: op.value, version, expiresAt: op.ttlMs > 0 ? now + op.ttlMs : 0, tombstone: false }
        : { value: EMPTY, version, expiresAt: 0, tombstone: true };
      return { write, outcome: answer(true, write) };
    }
    case 'append': {
      const value = Buffer.concat([current?.value ?? EMPTY, op.value]);
      validateValue(value, maxValueBytes);
      const write = { value, version, expiresAt: current?.expiresAt ?? 0, tombstone: false };
      return { write, outcome: answer(true, write) };
    }
    case 'increment': {
      const next = counterOf(current) + op.by;
      if (next < MIN_COUNTER || next > MAX_COUNTER) {
        throw new InvalidArgumentError(ErrorCode.InvalidArgument, `increment by ${op.by} would take the counter past the signed 64-bit range`);
      }
      const write = { value: Buffer.from(next.toString(), 'ascii'), version, expiresAt: current?.expiresAt ?? 0, tombstone: false };
      return { write, outcome: answer(true, write) };
    }
  }
}

/** The counter a record holds (0 when none); throws `DSTASH_NOT_A_COUNTER` for another value. */
export function counterOf(record: ReplicaValue | undefined): bigint {
  if (!record) return 0n;
  const text = record.value.toString('latin1');
  const n = COUNTER.test(text) ? BigInt(text) : undefined;
  if (n === undefined || n < MIN_COUNTER || n > MAX_COUNTER) {
    throw new DstashError(ErrorCode.NotACounter, `the value is not a counter (a signed 64-bit integer in ASCII decimal): ${record.value.length} bytes starting ${JSON.stringify(text.slice(0, 24))}`);
  }
  return n;
}

/** Whether `condition` holds for a key live at `version` (undefined: missing, deleted or expired). */
export function conditionHolds(condition: SerialCondition, version: Buffer | undefined): boolean {
  if ('absent' in condition) return version === undefined;
  if ('present' in condition) return version !== undefined;
  if ('version' in condition) return version !== undefined && version.equals(condition.version);
  if ('anyVersion' in condition) return version !== undefined && condition.anyVersion.some((v) => v.equals(version));
  if ('noVersion' in condition) return version === undefined || !condition.noVersion.some((v) => v.equals(version));
  return condition.all.every((c) => conditionHolds(c, version));
}

function answer(applied: boolean, record: ReplicaValue | undefined): SerialOutcome {
  if (!record || record.tombstone) return { applied, found: false, version: record?.version };
  return { applied, found: true, value: record.value, version: record.version, expiresAt: record.expiresAt };
}

/** `record` when it reads as present at `now` (not a tombstone, not expired), else undefined. */
export function liveRecord(record: ReplicaValue | undefined, now: number): ReplicaValue | undefined {
  return record && !record.tombstone && (record.expiresAt === 0 || record.expiresAt > now) ? record : undefined;
}
