/**
 * Restores a backup into a cluster (new, or of another size): the checksums
 * are verified first, then every record goes through the coordinator's write
 * path with its original version, so each replica keeps whichever version is
 * newer and writes made since the backup win.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { DstashError } from '../../errors.js';
import type { PartitionRecord } from '../../replica-types.js';
import type { Consistency } from '../client-options.js';
import type { Coordinator } from '../coordinator.js';
import { decodeRecords, verifyBackup, type BackupManifest } from './backup-format.js';
import type { BackupProgress } from './cluster-backup.js';

/** What to restore, and through what. */
export interface RestoreOptions {
  /** The backup directory. */
  from: string;
  /** A started coordinator of the target cluster. */
  coordinator: Coordinator;
  consistency?: Consistency;
  /** Records a write batch. @default 1000 */
  batchSize?: number;
  /** Partition files written at once. @default 4 */
  concurrency?: number;
  /** Called once the backup is verified, before anything is written. */
  onVerified?: (manifest: BackupManifest) => void;
  onProgress?: (p: BackupProgress) => void;
}

/** What a restore did. */
export interface RestoreResult {
  manifest: BackupManifest;
  /** Records written (applied, or already there in that or a newer version). */
  written: number;
  /** Records that failed, and the first error. */
  failed: number;
  firstError?: DstashError;
}

/** Verifies, then restores. Rejects with `DSTASH_CORRUPT` (before writing anything) on a corrupt or truncated backup. */
export async function restoreCluster(o: RestoreOptions): Promise<RestoreResult> {
  const manifest = await verifyBackup(o.from);
  o.onVerified?.(manifest);
  const files = manifest.entries.filter((e) => e.file);
  const result: RestoreResult = { manifest, written: 0, failed: 0 };
  const progress: BackupProgress = { partitionsDone: manifest.partitions - files.length, partitionsTotal: manifest.partitions, records: 0 };
  const batchSize = o.batchSize ?? 1000;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < files.length) {
      const entry = files[next++]!;
      const records = decodeRecords(await readFile(join(o.from, entry.file!)), entry.partition, entry.file!);
      for (const [index, list] of byIndex(records)) {
        for (let i = 0; i < list.length; i += batchSize) {
          const outcomes = await o.coordinator.restoreMany(index, list.slice(i, i + batchSize), o.consistency);
          for (const outcome of outcomes) {
            if (outcome.error) {
              result.failed++;
              result.firstError ??= outcome.error;
            } else result.written++;
          }
        }
      }
      progress.partitionsDone++;
      progress.records += records.length;
      o.onProgress?.({ ...progress });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, o.concurrency ?? 4) }, worker));
  return result;
}

function byIndex(records: readonly PartitionRecord[]): Map<string, PartitionRecord[]> {
  const groups = new Map<string, PartitionRecord[]>();
  for (const r of records) {
    const list = groups.get(r.index);
    if (list) list.push(r);
    else groups.set(r.index, [r]);
  }
  return groups;
}
