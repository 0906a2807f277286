/** Checks and errors both stores share, so that they fail alike. */
import { DstashError, ErrorCode, InvalidArgumentError } from '../errors.js';
import { validateIndex } from '../limits.js';
import { checkPartition, MAX_PARTITION } from './key-layout.js';
import type { ScanOptions } from './store.js';

/** `DSTASH_NOT_OPEN` for a call before `open()` or after `close()`. */
export function notOpenError(store: string): DstashError {
  return new DstashError(ErrorCode.NotOpen, `${store} is not open (call open() first; it may have been closed)`);
}

/** Throws `DSTASH_INVALID_INDEX` or `DSTASH_INVALID_ARGUMENT` for scan options no store can follow. */
export function checkScanOptions({ index, limit = 0, startAfter }: ScanOptions): void {
  validateIndex(index);
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new InvalidArgumentError(ErrorCode.InvalidArgument, `invalid scan limit ${limit}: must be a whole number, 0 (no limit) or more`);
  }
  if (startAfter !== undefined) checkPartition(startAfter.partition, MAX_PARTITION + 1);
}

/** Throws `DSTASH_INVALID_ARGUMENT` unless `now` is a time a sweep can compare with (ms since the epoch). */
export function checkSweepTime(now: number): void {
  if (!Number.isFinite(now) || now < 0) {
    throw new InvalidArgumentError(ErrorCode.InvalidArgument, `invalid sweep time ${now}: must be ms since the epoch`);
  }
}
