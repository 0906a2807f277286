import { Command, Flags } from '@oclif/core';
import { restoreCluster } from '../../../client/backup/cluster-restore.js';
import { Coordinator, GrpcReplicaTransport, type Consistency } from '../../../client/index.js';
import { StaticDiscovery } from '../../../discovery/static-discovery.js';
import { tlsOptions } from '../../flags.js';
import { verifyBackup, type BackupManifest } from '../../../client/backup/backup-format.js';
import { backupConnectionFlags, clusterView, pointInTimeText, progressLine } from '../../backup-flags.js';
import { describeError } from '../../node-connection.js';

/** `dstash cluster restore`: verifies a backup, then writes it through the normal write path with its versions. */
export default class ClusterRestore extends Command {
  static override description = 'Restore a backup into a cluster (new, or of another size). Verifies every checksum first and refuses a corrupt or truncated backup; then writes each record with its original version, so writes newer than the backup win. With --verify, only checks the backup and prints its point in time. Needs a token of role cluster when the nodes ask for tokens.';

  static override examples = [
    '<%= config.bin %> cluster restore --node 10.0.0.5:7420 --from ./backup-2026-11-28',
    '<%= config.bin %> cluster restore --from ./backup-2026-11-28 --verify',
  ];

  static override flags = {
    from: Flags.string({ required: true, description: 'Backup directory (written by dstash cluster backup).' }),
    consistency: Flags.option({ options: ['one', 'quorum', 'all'] as const, default: 'quorum' as const, description: 'Replicas that must acknowledge each record.' })(),
    verify: Flags.boolean({ default: false, description: 'Only verify the backup (every size and checksum) and print what it holds and its point in time; write nothing.' }),
    ...backupConnectionFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ClusterRestore);
    if (flags.verify) return this.verify(flags.from, flags.json);
    const started = Date.now();
    let coordinator: Coordinator | undefined;
    try {
      const { credentials, info } = await clusterView(flags);
      const tls = tlsOptions(flags);
      const discovery = new StaticDiscovery({ peers: info.members.map((m) => `${m.id}@${m.address}`), tls, token: flags.token });
      coordinator = new Coordinator(
        discovery,
        (m) => new GrpcReplicaTransport(m.address, credentials, 2 ** 31 - 1, flags.token),
        { partitions: info.partitions, replicas: info.replicas || 1, tls, timeoutMs: 60_000 },
      );
      await coordinator.start();
      await untilHealthy(coordinator, info.members.filter((m) => m.healthy).length);
      let shown = -1;
      const result = await restoreCluster({
        from: flags.from,
        coordinator,
        consistency: flags.consistency.toUpperCase() as Consistency,
        concurrency: flags.concurrency,
        onVerified: (m) => this.log(verifiedLine(m, flags.json)),
        onProgress: (p) => {
          const step = Math.floor((p.partitionsDone * 20) / p.partitionsTotal);
          if (step === shown && p.partitionsDone !== p.partitionsTotal) return;
          shown = step;
          this.log(progressLine(flags.json, 'restore', p));
        },
      });
      const done = { event: 'done', written: result.written, failed: result.failed, ms: Date.now() - started };
      this.log(flags.json ? JSON.stringify(done) : `restore done: ${done.written} records written, ${done.failed} failed, ${done.ms} ms`);
      if (result.failed > 0) this.error(`${result.failed} records could not be written; run the restore again (it is idempotent). First error: ${describeError(result.firstError)}`, { exit: 1 });
    } catch (err) {
      if (err instanceof Error && 'oclif' in err) throw err;
      this.error(describeError(err), { exit: 2 });
    } finally {
      await coordinator?.close();
    }
  }

  /** `--verify`: checks the backup and says what it holds, connecting to no node. */
  private async verify(from: string, json: boolean): Promise<void> {
    let manifest: BackupManifest;
    try {
      manifest = await verifyBackup(from);
    } catch (err) {
      this.error(describeError(err), { exit: 2 });
    }
    this.log(verifiedLine(manifest, json));
  }
}

/** The line that says a backup is sound: what it holds, and its point in time. */
function verifiedLine(m: BackupManifest, json: boolean): string {
  return json
    ? JSON.stringify({ event: 'verified', partitions: m.partitions, records: m.records, tombstones: m.tombstones, startedAt: m.startedAt, finishedAt: m.finishedAt, pointInTime: m.pointInTime ?? null })
    : `backup verified: ${m.records} records (${m.tombstones} tombstones) of ${m.partitions} partitions, taken ${m.startedAt} to ${m.finishedAt}; ${pointInTimeText(m)}`;
}

/** Waits (up to 15 s) until the coordinator's own probes see as many healthy members as the node reported. */
async function untilHealthy(coordinator: Coordinator, count: number): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (coordinator.members().filter((m) => m.healthy).length < count && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
