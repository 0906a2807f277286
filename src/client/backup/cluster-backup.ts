/**
 * A cluster-wide backup, taken while the cluster serves: every partition is
 * read from a read quorum of its replicas (R, a majority of N: its first
 * healthy home replicas, then the next members of its ranking, as a QUORUM
 * read asks them), with versions, expiry times and tombstones, over the
 * Replica service's PartitionScan (a consistent LevelDB snapshot of that
 * partition on each replica), and the R copies are merged last-writer-wins:
 * for each key the highest version, a tombstone included. See
 * backup-format.ts for what is written.
 *
 * The point in time. Before it sends a partition's scans the backup notes
 * the time T_p on its clock; the manifest records the earliest T_p over the
 * partitions. A write acknowledged at W before T_p was durable on W replicas
 * before any of the scans of partition p began, so each of the R snapshots
 * that include one of those W replicas holds it or a newer version of its
 * key; since W + R > N, at least one does, and the merge by version keeps the
 * newest. So every write acknowledged before the earliest T_p is in the
 * backup, or was overwritten or deleted by a write that is. As for QUORUM
 * reads, this holds while a quorum of each partition's home replicas is up
 * (writes then reach home replicas); T_p is read on the backup host's clock,
 * which the cluster's clocks bound as they bound any client's.
 */
import { mkdir, readdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCode, InvalidArgumentError, ReadQuorumError, type ReplicaReply } from '../../errors.js';
import { PlacementTable } from '../../placement/index.js';
import type { PartitionRecord, ReplicaTransport } from '../../replica-types.js';
import { compareVersions } from '../../version.js';
import { requiredReplicas } from '../client-options.js';
import { BACKUP_FORMAT, encodeRecords, MANIFEST_FILE, partitionFile, pointInTime, sha256, type BackupManifest, type PartitionEntry } from './backup-format.js';

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
  /** Replicas read and merged per partition. @default a majority of `replicas` (the default read quorum) */
  readQuorum?: number;
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
  const readQuorum = o.readQuorum ?? Math.floor(o.replicas / 2) + 1;
  let earliestRead = Number.POSITIVE_INFINITY;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < o.partitions) {
      const p = next++;
      // Home replicas first: they hold the partition; a stand-in holds only what it kept while one was down.
      const home = table.homeReplicas(p);
      const ranked = [...home, ...table.ranking(p).filter((id) => !home.includes(id))];
      const unhealthy = home.filter((id) => !healthy.has(id)).map((id): ReplicaReply => ({ nodeId: id, ok: false, error: 'unhealthy' }));
      earliestRead = Math.min(earliestRead, Date.now());
      const copies = await readCopies(p, ranked.flatMap((id) => healthy.get(id) ?? []), requiredReplicas('QUORUM', readQuorum, home.length), unhealthy, transport, o);
      entries[p] = await writePartition(p, copies, o.out);
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
    pointInTime: pointInTime(earliestRead),
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

/** The copies of one partition read from `required` replicas, each as that replica's snapshot. */
interface PartitionCopies {
  nodes: string[];
  lists: PartitionRecord[][];
}

/**
 * Reads partition `p` from `required` of `candidates` at once, each failure
 * replaced by the next candidate; throws `DSTASH_READ_QUORUM` naming every
 * replica that failed (and the unhealthy home replicas) when fewer answer.
 */
async function readCopies(p: number, candidates: readonly BackupMember[], required: number, unhealthy: ReplicaReply[], transport: (m: BackupMember) => ReplicaTransport, o: BackupOptions): Promise<PartitionCopies> {
  const copies: PartitionCopies = { nodes: [], lists: [] };
  const replies = [...unhealthy];
  let next = 0;
  const reader = async (): Promise<void> => {
    while (next < candidates.length) {
      const member = candidates[next++]!;
      const records: PartitionRecord[] = [];
      try {
        for await (const r of transport(member).partitionScan([p], o.timeoutMs ?? 600_000)) records.push(r);
      } catch (err) {
        replies.push({ nodeId: member.id, ok: false, error: (err as Error).message });
        continue;
      }
      replies.push({ nodeId: member.id, ok: true });
      copies.nodes.push(member.id);
      copies.lists.push(records);
      return;
    }
  };
  await Promise.all(Array.from({ length: required }, reader));
  if (copies.lists.length < required) throw new ReadQuorumError(required, replies);
  return copies;
}

/** Merges the copies by version and writes the partition's file (none for an empty partition). */
async function writePartition(p: number, copies: PartitionCopies, out: string): Promise<PartitionEntry> {
  const records = newestOfEach(copies.lists);
  const entry: PartitionEntry = { partition: p, node: copies.nodes[0]!, nodes: copies.nodes, records: records.length, tombstones: records.filter((r) => r.tombstone).length, bytes: 0 };
  if (records.length > 0) {
    const data = encodeRecords(records);
    entry.file = partitionFile(p);
    entry.bytes = data.length;
    entry.sha256 = sha256(data);
    await writeFile(join(out, entry.file), data);
  }
  return entry;
}

/** The records of all `lists` in (index, key) order, one per key: the highest version (last writer wins, tombstones included). */
function newestOfEach(lists: readonly PartitionRecord[][]): PartitionRecord[] {
  if (lists.length === 1) return lists[0]!;
  const all = lists.flat().sort((a, b) => compareRecordKeys(a, b) || compareVersions(b.version, a.version));
  return all.filter((r, i) => i === 0 || compareRecordKeys(r, all[i - 1]!) !== 0);
}

function compareRecordKeys(a: PartitionRecord, b: PartitionRecord): number {
  return a.index < b.index ? -1 : a.index > b.index ? 1 : Buffer.compare(a.key, b.key);
}
