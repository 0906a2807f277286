/**
 * The on-disk format of a cluster backup: a directory with one file of
 * records per non-empty partition (`p-00042.jsonl`, one JSON object a line)
 * and `manifest.json`, written last, with every partition's counts and the
 * SHA-256 and size of its file, and the backup's point in time. A backup
 * without its manifest is incomplete; a file whose size or checksum differs
 * is corrupt. Fields added since the format's first version are optional, so
 * that each version's restore reads the other's backups.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { DstashError, ErrorCode } from '../../errors.js';
import type { PartitionRecord } from '../../replica-types.js';
import { encodeVersion } from '../../version.js';

/** The manifest's `format`. */
export const BACKUP_FORMAT = 'dstash-backup/1';
/** The manifest's file name. */
export const MANIFEST_FILE = 'manifest.json';

/** What the manifest says of one partition. */
export interface PartitionEntry {
  partition: number;
  /** Node id of the first replica it was read from (the only one in backups that read one replica a partition). */
  node: string;
  /** Node ids of the replicas it was read from and merged by version (a read quorum); absent in backups that read one. */
  nodes?: string[];
  records: number;
  tombstones: number;
  /** Its file, absent when the partition was empty. */
  file?: string;
  bytes: number;
  /** Hex SHA-256 of the file. */
  sha256?: string;
}

/** `manifest.json`. */
export interface BackupManifest {
  format: typeof BACKUP_FORMAT;
  /** When the backup started (ISO 8601). */
  startedAt: string;
  finishedAt: string;
  /** The node the backup was taken through. */
  source: string;
  /**
   * The point in time of the backup: every write acknowledged at a quorum
   * before this HLC time is in it (see cluster-backup.ts for why). Absent in
   * backups that read one replica a partition, which promise no such time.
   */
  pointInTime?: PointInTime;
  partitions: number;
  records: number;
  tombstones: number;
  bytes: number;
  /** One entry per partition, in order. */
  entries: PartitionEntry[];
}

/** An HLC time: as a version (hex, comparable with the versions `dstash get --json` prints) and as a date. */
export interface PointInTime {
  /** 12-byte HLC timestamp in hex: wall-clock ms, logical counter 0, writer 0. */
  hlc: string;
  /** Its wall-clock part, ISO 8601. */
  at: string;
}

/** The {@link PointInTime} of wall-clock `ms`. */
export function pointInTime(ms: number): PointInTime {
  return { hlc: encodeVersion(ms, 0, 0).toString('hex'), at: new Date(ms).toISOString() };
}

/** A record line. Binary fields are base64. */
interface RecordLine {
  i: string;
  k: string;
  v: string;
  ver: string;
  /** Expiry in ms since the epoch; absent: none. */
  x?: number;
  /** Present on tombstones. */
  t?: 1;
}

/** The file name of a partition's records. */
export function partitionFile(partition: number): string {
  return `p-${String(partition).padStart(5, '0')}.jsonl`;
}

/** Encodes records as the lines of a partition file. */
export function encodeRecords(records: readonly PartitionRecord[]): Buffer {
  const lines = records.map((r) => {
    const line: RecordLine = { i: r.index, k: r.key.toString('base64'), v: r.value.toString('base64'), ver: r.version.toString('base64') };
    if (r.expiresAt > 0) line.x = r.expiresAt;
    if (r.tombstone) line.t = 1;
    return `${JSON.stringify(line)}\n`;
  });
  return Buffer.from(lines.join(''), 'utf8');
}

/** The hex SHA-256 of `data`. */
export function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

function corrupt(message: string): DstashError {
  return new DstashError(ErrorCode.Corrupt, message);
}

/** Decodes a partition file; throws `DSTASH_CORRUPT` naming the bad line. */
export function decodeRecords(data: Buffer, partition: number, file: string): PartitionRecord[] {
  const text = data.toString('utf8');
  if (text.length > 0 && !text.endsWith('\n')) throw corrupt(`${file}: the last line is cut short`);
  return text.split('\n').slice(0, -1).map((raw, n) => {
    let l: RecordLine;
    try {
      l = JSON.parse(raw) as RecordLine;
    } catch {
      throw corrupt(`${file} line ${n + 1}: not JSON`);
    }
    if (typeof l.i !== 'string' || typeof l.k !== 'string' || typeof l.v !== 'string' || typeof l.ver !== 'string') throw corrupt(`${file} line ${n + 1}: not a record`);
    return {
      partition,
      index: l.i,
      key: Buffer.from(l.k, 'base64'),
      value: Buffer.from(l.v, 'base64'),
      version: Buffer.from(l.ver, 'base64'),
      expiresAt: l.x ?? 0,
      tombstone: l.t === 1,
    };
  });
}

/**
 * Reads and checks the manifest and every file it names (size and SHA-256)
 * before anything is restored; throws `DSTASH_CORRUPT` on the first problem.
 */
export async function verifyBackup(dir: string): Promise<BackupManifest> {
  let manifest: BackupManifest;
  try {
    manifest = JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')) as BackupManifest;
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw corrupt(missing ? `${dir} has no ${MANIFEST_FILE}: not a backup, or one that did not finish` : `${MANIFEST_FILE} cannot be read: ${(err as Error).message}`);
  }
  if (manifest.format !== BACKUP_FORMAT || !Array.isArray(manifest.entries)) throw corrupt(`${MANIFEST_FILE} is not a ${BACKUP_FORMAT} manifest`);
  if (manifest.entries.length !== manifest.partitions) throw corrupt(`${MANIFEST_FILE} lists ${manifest.entries.length} of ${manifest.partitions} partitions`);
  for (const e of manifest.entries) {
    if (!e.file) continue;
    const path = join(dir, e.file);
    const size = await stat(path).then((s) => s.size, () => -1);
    if (size < 0) throw corrupt(`${e.file} is missing`);
    if (size !== e.bytes) throw corrupt(`${e.file} has ${size} bytes, the manifest says ${e.bytes}: truncated or changed`);
    if (sha256(await readFile(path)) !== e.sha256) throw corrupt(`${e.file} does not match its checksum in ${MANIFEST_FILE}`);
  }
  return manifest;
}
