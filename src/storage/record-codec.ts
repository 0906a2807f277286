/**
 * The on-disk encoding of a {@link StoredRecord}, compact and fixed-header so
 * that a batch of 100k records costs one allocation and one copy each:
 *
 *   [flags u8: bit 0 tombstone] [version, 12 bytes] [expiresAt u48 BE, ms] [value bytes]
 *
 * Other flag bits are reserved: a record that sets one is refused as corrupt
 * rather than misread, so a later format can use them.
 */
import { DstashError, ErrorCode, InvalidArgumentError } from '../errors.js';
import { isVersion, VERSION_BYTES } from '../version.js';
import { describeDataKey, MAX_TIME_MS } from './key-layout.js';
import type { StoredRecord } from './store.js';

const TOMBSTONE = 0x01;
const VERSION_OFFSET = 1;
const EXPIRES_OFFSET = VERSION_OFFSET + VERSION_BYTES;
const EXPIRES_BYTES = 6;

/** Bytes before the value in an encoded record. */
export const RECORD_HEADER_BYTES = EXPIRES_OFFSET + EXPIRES_BYTES;

/**
 * Encodes a record into a new buffer (a copy: the caller may reuse its
 * buffers). Throws `DSTASH_INVALID_ARGUMENT` for a version that is not 12
 * bytes or an expiry that is not a whole number of ms in the 6-byte range.
 */
export function encodeRecord(record: StoredRecord): Buffer {
  const out = Buffer.allocUnsafe(RECORD_HEADER_BYTES + record.value.length);
  writeRecord(out, 0, record);
  return out;
}

/**
 * Writes the encoding of `record` into `out` at `at`, where
 * {@link RECORD_HEADER_BYTES} + the value's length must be free; returns the
 * position after it. Throws as {@link encodeRecord} does, before writing anything.
 * These two checks are the codec's own (src/limits.ts says who owns which):
 * a version of another length or an expiry outside the 6-byte field would
 * be misread, or shift the value. Replicas refuse such records before they
 * get here; this is the store's last guard, not a check of input.
 */
export function writeRecord(out: Uint8Array, at: number, record: StoredRecord): number {
  if (!isVersion(record.version)) {
    throw new InvalidArgumentError(ErrorCode.InvalidArgument, `invalid version: ${record.version.length} bytes (versions are ${VERSION_BYTES} bytes)`);
  }
  const { expiresAt, value } = record;
  if (!Number.isInteger(expiresAt) || expiresAt < 0 || expiresAt > MAX_TIME_MS) {
    throw new InvalidArgumentError(ErrorCode.InvalidArgument, `invalid expiresAt ${expiresAt}: must be a whole number of ms from 0 (never) to ${MAX_TIME_MS}`);
  }
  out[at] = record.tombstone ? TOMBSTONE : 0;
  out.set(record.version, at + VERSION_OFFSET);
  // expiresAt as 6 bytes big-endian: below 2^48, so the high 16 bits are a whole division away.
  const high = Math.floor(expiresAt / 2 ** 32);
  const low = expiresAt - high * 2 ** 32;
  out[at + EXPIRES_OFFSET] = high >>> 8;
  out[at + EXPIRES_OFFSET + 1] = high & 0xff;
  out[at + EXPIRES_OFFSET + 2] = low >>> 24;
  out[at + EXPIRES_OFFSET + 3] = (low >>> 16) & 0xff;
  out[at + EXPIRES_OFFSET + 4] = (low >>> 8) & 0xff;
  out[at + EXPIRES_OFFSET + 5] = low & 0xff;
  out.set(value, at + RECORD_HEADER_BYTES);
  return at + RECORD_HEADER_BYTES + value.length;
}

/**
 * Decodes an encoded record. The version and value are views into `bytes`,
 * not copies. Throws `DSTASH_CORRUPT` when `bytes` cannot be a record; the
 * message names the record's address when `dataKey` is given.
 */
export function decodeRecord(bytes: Buffer, dataKey?: Buffer): StoredRecord {
  if (bytes.length < RECORD_HEADER_BYTES || (bytes[0] & ~TOMBSTONE) !== 0) {
    throw new DstashError(
      ErrorCode.Corrupt,
      `corrupt stored record${dataKey === undefined ? '' : ` at ${describeDataKey(dataKey)}`}: ${bytes.length} bytes starting ` +
        `${bytes.subarray(0, 4).toString('hex')} (expected flags 0x00 or 0x01 and at least ${RECORD_HEADER_BYTES} bytes)`,
    );
  }
  return {
    tombstone: bytes[0] === TOMBSTONE,
    version: bytes.subarray(VERSION_OFFSET, EXPIRES_OFFSET),
    expiresAt: bytes.readUIntBE(EXPIRES_OFFSET, EXPIRES_BYTES),
    value: bytes.subarray(RECORD_HEADER_BYTES),
  };
}

/** Told about a stored record that does not decode, with the error that says why. */
export type CorruptRecordHandler = (dataKey: Buffer, err: DstashError) => void;

/**
 * {@link decodeRecord} for writers: a record that does not decode is reported
 * to `onCorrupt` and treated as absent, so that a newer version from a replica
 * can replace it and a sweep can go past it, instead of both failing on it
 * forever. Readers use `decodeRecord`, which throws.
 */
export function decodeForWrite(bytes: Buffer, dataKey: Buffer, onCorrupt: CorruptRecordHandler): StoredRecord | undefined {
  try {
    return decodeRecord(bytes, dataKey);
  } catch (err) {
    if (!(err instanceof DstashError)) throw err;
    onCorrupt(dataKey, err);
    return undefined;
  }
}
