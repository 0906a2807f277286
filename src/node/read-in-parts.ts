/**
 * Batch reads of large values, answered in parts. A batch of keys may ask for
 * more bytes than one gRPC message may carry (a thousand values of 4 MiB
 * against a 64 MiB message limit), and more than a node should hold at once.
 * So the keys are read in slices, and the outcomes leave in parts of at most
 * `partBytes` each, the next slice read only once the parts before it were
 * taken (the caller's `emit` waits while its stream is full).
 *
 * Nothing says how large a value is before it is read. A slice is as many
 * keys as fit in a part at the largest value seen so far in the batch: at
 * first the value limit, so the first slice always fits; once small values
 * were seen, the rest of a batch of small values is one slice. A batch that
 * fits in one part at the value limit is one read and one part, handed back
 * as it was read.
 */

import type { LookupOutcome } from '../client/index.js';

/** Bytes an outcome may take in an answer message besides its value: tags and lengths, version, expiry, an entry status. */
export const OUTCOME_OVERHEAD_BYTES = 512;

/** Bounds of the parts of an answer. */
export interface PartLimits {
  /** Most bytes of one part: its values, plus {@link OUTCOME_OVERHEAD_BYTES} for each outcome. */
  partBytes: number;
  /** The value limit: before anything is read, any value may be this large. */
  maxValueBytes: number;
}

/** The bounds of the answer parts of a node whose messages may be `maxMessageBytes` long (room left for the message's own fields). */
export function partLimits(maxMessageBytes: number, maxValueBytes: number): PartLimits {
  return { partBytes: maxMessageBytes - 4096, maxValueBytes };
}

/** Bytes of the parts of an answer with no message limit of its own. */
const ANSWER_PART_BYTES = 64 * 1024 * 1024;

/**
 * The parts of a front door's answer (REST, Redis), which no message limit
 * bounds: as many bytes as a node's answer at the default gRPC limit, or two
 * values at the value limit when that is more.
 */
export function answerParts(maxValueBytes: number): PartLimits {
  return { partBytes: Math.max(ANSWER_PART_BYTES, 2 * (maxValueBytes + OUTCOME_OVERHEAD_BYTES)), maxValueBytes };
}

/**
 * Reads `keys` with `read`, in order, and hands every part but the last to
 * `emit` (which resolves when the part was taken); resolves with the last
 * part, which the caller answers as it answered a whole batch before.
 * `valueBytes` tells the bytes of an outcome's value.
 */
export async function readInParts<T>(
  keys: readonly Buffer[],
  read: (keys: readonly Buffer[]) => Promise<T[]>,
  valueBytes: (outcome: T) => number,
  limits: PartLimits,
  emit: (part: T[]) => Promise<void>,
): Promise<T[]> {
  const { partBytes } = limits;
  const atLimit = limits.maxValueBytes + OUTCOME_OVERHEAD_BYTES;
  if (keys.length * atLimit <= partBytes) return read(keys);
  let largest = OUTCOME_OVERHEAD_BYTES;
  let part: T[] = [];
  let bytes = 0;
  for (let from = 0; from < keys.length;) {
    const slice = keys.slice(from, from + Math.max(1, Math.floor(partBytes / (from === 0 ? atLimit : largest))));
    from += slice.length;
    for (const outcome of await read(slice)) {
      const size = valueBytes(outcome) + OUTCOME_OVERHEAD_BYTES;
      if (size > largest) largest = size;
      if (bytes + size > partBytes && part.length > 0) {
        await emit(part);
        part = [];
        bytes = 0;
      }
      part.push(outcome);
      bytes += size;
    }
  }
  return part;
}

/** The value bytes of a coordinator's lookup outcome. */
export function lookupBytes(outcome: LookupOutcome): number {
  return outcome.value?.length ?? 0;
}
