/**
 * Storage-key layout of the LevelDB keyspace. One leading byte names each
 * keyspace:
 *
 *   data   'd' [partition u16 BE] [index ASCII] 0x00 [key bytes]   -> encoded record
 *   purge  'x' [purgeAt u48 BE] [data key]                        -> empty
 *   meta   'm' [name UTF-8]                                       -> UTF-8 value
 *   paxos  'c' [partition u16 BE] [index ASCII] 0x00 [key bytes]   -> acceptor state (src/consensus/)
 *
 * The partition comes first so that one partition is one contiguous range
 * (transfer, anti-entropy) and a scan is one range per partition. The index
 * name ends with 0x00, a byte index names cannot contain, rather than starting
 * with its length: that way keys sort by (index, key) exactly as the `Store`
 * contract promises (a length prefix would put index `b` before `aa`). The
 * purge keyspace sorts by purge time, so a sweep reads only what is due.
 */
import { DstashError, ErrorCode, InvalidArgumentError } from '../errors.js';
import { validateIndex } from '../limits.js';
import type { RecordKey } from './store.js';

const DATA = 0x64; // 'd'
const PURGE = 0x78; // 'x'
const META = 0x6d; // 'm'
const HINT = 0x68; // 'h'
const PAXOS = 0x63; // 'c'
const INDEX_END = 0x00;
const PARTITION_OFFSET = 1;
const INDEX_OFFSET = 3;
const PURGE_TIME_BYTES = 6;

/** Largest partition number the layout can hold. */
export const MAX_PARTITION = 0xffff;
/** Largest time (ms) a 6-byte field holds: year 10889. */
export const MAX_TIME_MS = 2 ** 48 - 1;

/** A key range as classic-level takes it. */
export interface KeyRange {
  gte: Buffer;
  lt: Buffer;
}

/**
 * The data key of (partition, index, key). With a key prefix instead of a key,
 * it is the first data key of that prefix. Throws `DSTASH_INVALID_ARGUMENT`
 * for a partition outside 0..65535 and `DSTASH_INVALID_INDEX` for a bad index.
 */
export function encodeDataKey(partition: number, index: string, key: Uint8Array): Buffer {
  checkPartition(partition, MAX_PARTITION + 1);
  const out = Buffer.allocUnsafe(dataKeySize(index, key));
  writeDataKey(out, 0, partition, index, key);
  return out;
}

/** Bytes of the data key of `key` of `index`. Throws `DSTASH_INVALID_INDEX` for a bad index. */
export function dataKeySize(index: string, key: Uint8Array): number {
  return INDEX_OFFSET + indexBytes(index).length + 1 + key.length;
}

/**
 * Writes the data key of (partition, index, key) into `out` at `at`, where
 * {@link dataKeySize} bytes must be free; returns the position after it.
 * Throws `DSTASH_INVALID_INDEX` for a bad index, before writing anything.
 * The partition is the caller's to check, once a record: encodeDataKey
 * checks it against the layout's range, an apply against the store's
 * partition count (never larger), before it sizes its buffer.
 */
export function writeDataKey(out: Uint8Array, at: number, partition: number, index: string, key: Uint8Array): number {
  const name = indexBytes(index);
  const keyOffset = at + INDEX_OFFSET + name.length + 1;
  out[at] = DATA;
  out[at + PARTITION_OFFSET] = partition >> 8;
  out[at + PARTITION_OFFSET + 1] = partition & 0xff;
  // Byte by byte: index names are short, and a native copy costs more to call than it saves.
  for (let i = 0; i < name.length; i++) out[at + INDEX_OFFSET + i] = name[i]!;
  out[keyOffset - 1] = INDEX_END;
  out.set(key, keyOffset);
  return keyOffset + key.length;
}

/**
 * The last index name encoded, validated, and its bytes. A batch names one
 * index for thousands of keys: this spares the pattern match and the string
 * encoding of all but the first (they showed in the profile of batch writes).
 */
let lastIndex: string | undefined;
let lastIndexBytes: Buffer = Buffer.alloc(0);

function indexBytes(index: string): Buffer {
  if (index !== lastIndex) {
    validateIndex(index);
    // validateIndex admits ASCII only, so latin1 is one byte a character.
    lastIndexBytes = Buffer.from(index, 'latin1');
    lastIndex = index;
  }
  return lastIndexBytes;
}

/** The address a data key encodes. Throws `DSTASH_CORRUPT` when it is not a data key. */
export function decodeDataKey(dataKey: Buffer): RecordKey {
  const end = dataKey[0] === DATA ? dataKey.indexOf(INDEX_END, INDEX_OFFSET) : -1;
  if (end <= INDEX_OFFSET) {
    throw new DstashError(ErrorCode.Corrupt, `corrupt storage key ${dataKey.toString('hex').slice(0, 160)}: not a data key`);
  }
  return {
    partition: dataKey.readUInt16BE(PARTITION_OFFSET),
    index: dataKey.toString('latin1', INDEX_OFFSET, end),
    key: dataKey.subarray(end + 1),
  };
}

/** A data key for messages: its address when it decodes, else its bytes. */
export function describeDataKey(dataKey: Buffer): string {
  try {
    const { partition, index, key } = decodeDataKey(dataKey);
    return `partition ${partition}, index ${index}, key 0x${key.toString('hex').slice(0, 160)}`;
  } catch {
    return `storage key 0x${dataKey.toString('hex').slice(0, 160)}`;
  }
}

/** The range of every data key, all partitions and indexes. */
export function dataRange(): KeyRange {
  return { gte: Buffer.from([DATA]), lt: Buffer.from([DATA + 1]) };
}

/** The range of every data key of one partition, all indexes. */
export function partitionRange(partition: number): KeyRange {
  checkPartition(partition, MAX_PARTITION + 1);
  const gte = Buffer.from([DATA, partition >> 8, partition & 0xff]);
  return { gte, lt: prefixEnd(gte) };
}

/** The range of the data keys of one partition and index that start with `prefix`. */
export function prefixRange(partition: number, index: string, prefix: Uint8Array): KeyRange {
  const gte = encodeDataKey(partition, index, prefix);
  return { gte, lt: prefixEnd(gte) };
}

/**
 * The smallest key after every key that starts with `prefix`: the prefix
 * without its trailing 0xff bytes, last byte plus one. Data-key prefixes always
 * have such a byte (the keyspace byte), so the result always exists.
 */
function prefixEnd(prefix: Buffer): Buffer {
  let last = prefix.length - 1;
  while (prefix[last] === 0xff) last -= 1;
  const out = Buffer.from(prefix.subarray(0, last + 1));
  out[last] += 1;
  return out;
}

/** The purge-index key that makes a sweep at `purgeAt` or later visit `dataKey`. */
export function encodePurgeKey(purgeAt: number, dataKey: Buffer): Buffer {
  const out = Buffer.allocUnsafe(1 + PURGE_TIME_BYTES + dataKey.length);
  out[0] = PURGE;
  out.writeUIntBE(purgeAt, 1, PURGE_TIME_BYTES);
  dataKey.copy(out, 1 + PURGE_TIME_BYTES);
  return out;
}

/** The purge time and data key of a purge-index key. Throws `DSTASH_CORRUPT` when it is not one. */
export function decodePurgeKey(purgeKey: Buffer): { purgeAt: number; dataKey: Buffer } {
  if (purgeKey[0] !== PURGE || purgeKey.length <= 1 + PURGE_TIME_BYTES) {
    throw new DstashError(ErrorCode.Corrupt, `corrupt storage key ${purgeKey.toString('hex').slice(0, 160)}: not a purge key`);
  }
  return { purgeAt: purgeKey.readUIntBE(1, PURGE_TIME_BYTES), dataKey: purgeKey.subarray(1 + PURGE_TIME_BYTES) };
}

/** The purge-index entries due at `now`: purge time <= now. */
export function purgeRangeUpTo(now: number): KeyRange {
  const lt = Buffer.allocUnsafe(1 + PURGE_TIME_BYTES);
  lt[0] = PURGE;
  lt.writeUIntBE(Math.min(Math.max(Math.floor(now) + 1, 0), MAX_TIME_MS), 1, PURGE_TIME_BYTES);
  return { gte: Buffer.from([PURGE]), lt };
}

/**
 * The key of a hint: `'h' [target id UTF-8] 0x00 [data key]`. Hints of one
 * target are contiguous, so delivery reads them in one range.
 */
export function encodeHintKey(target: string, dataKey: Buffer): Buffer {
  return Buffer.concat([Buffer.from([HINT]), Buffer.from(target, 'utf8'), Buffer.from([0]), dataKey]);
}

/** The target and data key of a hint key. Throws `DSTASH_CORRUPT` when it is not one. */
export function decodeHintKey(hintKey: Buffer): { target: string; dataKey: Buffer } {
  const end = hintKey.indexOf(0, 1);
  if (hintKey[0] !== HINT || end < 0) throw new DstashError(ErrorCode.Corrupt, `corrupt storage key ${hintKey.toString('hex').slice(0, 160)}: not a hint key`);
  return { target: hintKey.toString('utf8', 1, end), dataKey: hintKey.subarray(end + 1) };
}

/** Every hint of `target`, or of every target when it is undefined. */
export function hintRange(target?: string): KeyRange {
  if (target === undefined) return { gte: Buffer.from([HINT]), lt: Buffer.from([HINT + 1]) };
  const head = Buffer.concat([Buffer.from([HINT]), Buffer.from(target, 'utf8')]);
  return { gte: Buffer.concat([head, Buffer.from([0])]), lt: Buffer.concat([head, Buffer.from([1])]) };
}

/**
 * The key of the consensus (acceptor) state of (partition, index, key): the
 * data key's layout in a keyspace of its own, so that partition scans,
 * digests and transfers of records never see it.
 */
export function encodePaxosKey(partition: number, index: string, key: Uint8Array): Buffer {
  const out = encodeDataKey(partition, index, key);
  out[0] = PAXOS;
  return out;
}

/** The key of a metadata entry. */
export function encodeMetaKey(name: string): Buffer {
  return Buffer.concat([Buffer.from([META]), Buffer.from(name, 'utf8')]);
}

/**
 * Throws `DSTASH_INVALID_ARGUMENT` unless `partition` is a whole number below
 * `partitions` (the store's partition count).
 */
export function checkPartition(partition: number, partitions: number): void {
  if (!Number.isInteger(partition) || partition < 0 || partition >= partitions) {
    throw new InvalidArgumentError(ErrorCode.InvalidArgument, `invalid partition ${partition}: must be a whole number from 0 to ${partitions - 1}`);
  }
}
