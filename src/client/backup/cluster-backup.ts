/**
 * A cluster-wide backup, taken while the cluster serves: every partition is
 * read once, from one replica that holds it (its first healthy home replica,
 * then the next), with versions, expiry times and tombstones, over the
 * Replica service's PartitionScan (a consistent LevelDB snapshot of that
 * partition on that replica). See backup-format.ts for what is written.
 */
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DstashError, ErrorCode, InvalidArgumentError } from '../../errors.js';
import { PlacementTable } from '../../placement/index.js';
import type { PartitionRecord, ReplicaTransport } from '../../replica-types.js';
import { BACKUP_FORMAT, encodeRecords, MANIFEST_FILE, partitionFile, sha256, type BackupManifest, type PartitionEntry } from './backup-format.js';

/** A member, as a node's Info lists it. */
export interface BackupMember {
  id: string;
  address: string;
  zone?: string;
  healthy: boolean;
}

/** How far a backup or a restore has come. */
export interface BackupProgress {
  partitionsDone: number;
  partitionsTotal: number;
  records: number;
}

/** What to back up, and where to. */
export interface BackupOptions {
  /** The cluster's members, partition count and N, as the node the backup goes through sees them. */
  members: readonly BackupMember[];
  partitions: number;
  replicas: number;
  /** The node the backup goes through (recorded in the manifest). */
  source: string;
  /** Output directory: new, or empty. */
  out: string;
  /** Opens a transport to a member. */
  connect: (member: BackupMember) => ReplicaTransport;
  /** Partitions read at once. @default 4 */
  concurrency?: number;
  /** Deadline of one partition's scan, in ms. @default 600_000 */
  timeoutMs?: number;
  onProgress?: (p: BackupProgress) => void;
}

/** Takes the backup; resolves with the manifest once it is written (last). */
export async function backupCluster(o: BackupOptions): Promise<BackupManifest> {
  await mkdir(o.out, { recursive: true });
  if ((await readdir(o.out)).length > 0) throw new InvalidArgumentError(ErrorCode.InvalidOptions, `${o.out} is not empty: back up into a new directory`);
  const startedAt = new Date().toISOString();
  const table = new PlacementTable(o.members.map((m) => ({ id: m.id, zone: m.zone || undefined })), { partitions: o.partitions, replicas: o.replicas });
  const healthy = new Map(o.members.filter((m) => m.healthy).map((m) => [m.id, m]));
  const transports = new Map<string, ReplicaTransport>();
  const transport = (m: BackupMember): ReplicaTransport => {
    let t = transports.get(m.id);
    if (!t) transports.set(m.id, (t = o.connect(m)));
    return t;
  };
  const entries = new Array<PartitionEntry>(o.partitions);
  const progress: BackupProgress = { partitionsDone: 0, partitionsTotal: o.partitions, records: 0 };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < o.partitions) {
      const p = next++;
      // Home replicas first: they hold the partition; a stand-in holds only what it kept while one was down.
      const home = table.homeReplicas(p);
      const candidates = [...home, ...table.ranking(p).filter((id) => !home.includes(id))].flatMap((id) => healthy.get(id) ?? []);
      entries[p] = await backupPartition(p, candidates, transport, o);
      progress.partitionsDone++;
      progress.records += entries[p].records;
      o.onProgress?.({ ...progress });
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, o.concurrency ?? 4) }, worker));
  } finally {
    for (const t of transports.values()) t.close();
  }
  const manifest: BackupManifest = {
    format: BACKUP_FORMAT,
    startedAt,
    finishedAt: new Date().toISOString(),
    source: o.source,
    partitions: o.partitions,
    records: entries.reduce((n, e) => n + e.records, 0),
    tombstones: entries.reduce((n, e) => n + e.tombstones, 0),
    bytes: entries.reduce((n, e) => n + e.bytes, 0),
    entries,
  };
  // Written last and renamed into place: a directory without it is an unfinished backup.
  const tmp = join(o.out, `${MANIFEST_FILE}.tmp`);
  await writeFile(tmp, `${JSON.stringify(manifest, null, 1)}\n`);
  await rename(tmp, join(o.out, MANIFEST_FILE));
  return manifest;
}

async function backupPartition(p: number, candidates: readonly BackupMember[], transport: (m: BackupMember) => ReplicaTransport, o: BackupOptions): Promise<PartitionEntry> {
  const failures: string[] = [];
  for (const member of candidates) {
    const records: PartitionRecord[] = [];
    try {
      for await (const r of transport(member).partitionScan([p], o.timeoutMs ?? 600_000)) records.push(r);
    } catch (err) {
      failures.push(`${member.id}: ${(err as Error).message}`);
      continue;
    }
    const entry: PartitionEntry = { partition: p, node: member.id, records: records.length, tombstones: records.filter((r) => r.tombstone).length, bytes: 0 };
    if (records.length > 0) {
      const data = encodeRecords(records);
      entry.file = partitionFile(p);
      entry.bytes = data.length;
      entry.sha256 = sha256(data);
      await writeFile(join(o.out, entry.file), data);
    }
    return entry;
  }
  throw new DstashError(ErrorCode.Unavailable, `partition ${p}: no replica could be read (${failures.join('; ') || 'none healthy'})`);
}
