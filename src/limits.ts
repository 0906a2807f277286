/**
 * Data-model limits and input validation shared by the SDK and the node
 * (DESIGN.md, Data model). The checks live here; each layer calls them for
 * the input it is the first to see, so that every path a record can take is
 * guarded once:
 *
 * - The coordinator (client/coordinator.ts) is the front door, for the SDK
 *   and for a node's KV, REST and Redis ports alike: it checks what callers
 *   hand in (index name, key of 1 byte to 4 KiB, value size against its
 *   `maxValueBytes`, TTL, the version of a restored record), per key and
 *   before any round trip.
 * - The replica (node/local-replica.ts) checks again what reaches it on the
 *   Replica service, which any peer may call: other nodes' coordinators,
 *   hints, transfers, anti-entropy, restores, programs other than the SDK.
 *   Index, key, value size (the node's own limit), version length, the clock
 *   bound and the expiry, each record failing alone.
 * - The store (storage/) asserts only what its byte layout needs to not
 *   corrupt data: the partition (level-apply.ts, memory-store.ts), the index
 *   name (key-layout.ts), the version length and expiry range
 *   (record-codec.ts). It never sees a key or value size it must refuse (any
 *   length encodes), and a failure there fails the whole call.
 */
import { ErrorCode, InvalidArgumentError } from './errors.js';

/** Longest key, in bytes. */
export const MAX_KEY_BYTES = 4096;
/** Default largest value, in bytes (8 MiB); nodes and clients can change it. */
export const DEFAULT_MAX_VALUE_BYTES = 8 * 1024 * 1024;
/** Longest index name, in characters. */
export const MAX_INDEX_LENGTH = 64;
/** The index used when none is named. */
export const DEFAULT_INDEX = 'default';
/** Longest TTL accepted: 100 years, far enough and safe as a double. */
export const MAX_TTL_MS = 100 * 365 * 24 * 3600 * 1000;

// `.` and `..` are refused: URLs (the REST API) and paths resolve them as dot segments, so they could not be reached.
const INDEX_PATTERN = /^(?!\.\.?$)[A-Za-z0-9_.-]{1,64}$/;

/** What a truncation names to truncate every index (not a valid index name, so it can name no index). */
export const ALL_INDEXES = '*';

/** Throws `DSTASH_INVALID_INDEX` unless `index` is a valid index name or {@link ALL_INDEXES} (what a truncation may name). */
export function validateTruncationTarget(index: unknown): asserts index is string {
  if (index !== ALL_INDEXES) validateIndex(index);
}

/** Throws {@link InvalidArgumentError} (`DSTASH_INVALID_INDEX`) unless `index` is a valid index name. */
export function validateIndex(index: unknown): asserts index is string {
  if (typeof index !== 'string' || !INDEX_PATTERN.test(index)) {
    throw new InvalidArgumentError(
      ErrorCode.InvalidIndex,
      `invalid index name ${JSON.stringify(typeof index === 'string' ? index.slice(0, 80) : index)}: must match [A-Za-z0-9_.-]{1,64}, and not be . or ..`,
    );
  }
}

/** Throws `DSTASH_INVALID_KEY` unless `key` is 1 byte to 4 KiB. */
export function validateKey(key: Uint8Array): void {
  const error = keyError(key);
  if (error) throw error;
}

/** The `DSTASH_INVALID_KEY` error `validateKey` would throw, or undefined for a valid key (no throw: hot loops check every key). */
export function keyError(key: Uint8Array): InvalidArgumentError | undefined {
  if (key.length === 0) return new InvalidArgumentError(ErrorCode.InvalidKey, 'invalid key: empty (keys are 1 byte to 4 KiB)');
  if (key.length > MAX_KEY_BYTES) {
    return new InvalidArgumentError(ErrorCode.InvalidKey, `invalid key: ${key.length} bytes (keys are 1 byte to ${MAX_KEY_BYTES} bytes)`);
  }
  return undefined;
}

/** Throws `DSTASH_INVALID_VALUE` when `value` is over `maxValueBytes`. */
export function validateValue(value: Uint8Array, maxValueBytes: number): void {
  if (value.length > maxValueBytes) {
    throw new InvalidArgumentError(
      ErrorCode.InvalidValue,
      `invalid value: ${value.length} bytes is over the limit of ${maxValueBytes} bytes (option maxValueBytes / --max-value-bytes)`,
    );
  }
}

/** Throws `DSTASH_INVALID_ARGUMENT` unless `ttlMs` is a whole number of ms in [0, 100 years]. */
export function validateTtl(ttlMs: number): void {
  if (!Number.isSafeInteger(ttlMs) || ttlMs < 0 || ttlMs > MAX_TTL_MS) {
    throw new InvalidArgumentError(ErrorCode.InvalidArgument, `invalid ttl ${ttlMs}: must be a whole number of milliseconds from 0 (none) to ${MAX_TTL_MS}`);
  }
}
