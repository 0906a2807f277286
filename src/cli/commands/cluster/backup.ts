import { Command, Flags } from '@oclif/core';
import { backupCluster } from '../../../client/backup/cluster-backup.js';
import { GrpcReplicaTransport } from '../../../client/index.js';
import { backupConnectionFlags, clusterView, pointInTimeText, progressLine } from '../../backup-flags.js';
import { describeError } from '../../node-connection.js';

/** `dstash cluster backup`: every partition from a read quorum of its replicas, merged by version, into a directory. */
export default class ClusterBackup extends Command {
  static override description = [
    'Back up the whole cluster while it serves: every partition read from a read quorum of its replicas (a majority of N) and merged by version, with versions, expiry times and tombstones, plus a manifest with counts, checksums and the backup\'s point in time.',
    'Every write acknowledged at QUORUM before that time (an HLC time, printed at the end and by `cluster restore --verify`) is in the backup.',
    'Needs a token of role cluster when the nodes ask for tokens.',
  ].join('\n');

  static override examples = [
    '<%= config.bin %> cluster backup --node 10.0.0.5:7420 --out ./backup-2026-11-28',
    '<%= config.bin %> cluster backup --node 10.0.0.5:7420 --out /backups/today --token $DSTASH_CLUSTER_TOKEN --json',
  ];

  static override flags = {
    out: Flags.string({ required: true, description: 'Directory to write the backup to (new, or empty).' }),
    timeout: Flags.integer({ default: 600_000, min: 1, description: 'Deadline of one partition\'s read, in ms.' }),
    ...backupConnectionFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ClusterBackup);
    const started = Date.now();
    try {
      const { credentials, info } = await clusterView(flags);
      let shown = -1;
      const manifest = await backupCluster({
        members: info.members,
        partitions: info.partitions,
        replicas: info.replicas || 1,
        source: flags.node,
        out: flags.out,
        concurrency: flags.concurrency,
        timeoutMs: flags.timeout,
        connect: (m) => new GrpcReplicaTransport(m.address, credentials, 2 ** 31 - 1, flags.token),
        onProgress: (p) => {
          // About every 5 %, and at the end.
          const step = Math.floor((p.partitionsDone * 20) / p.partitionsTotal);
          if (step === shown && p.partitionsDone !== p.partitionsTotal) return;
          shown = step;
          this.log(progressLine(flags.json, 'backup', p));
        },
      });
      const result = { event: 'done', out: flags.out, partitions: manifest.partitions, records: manifest.records, tombstones: manifest.tombstones, bytes: manifest.bytes, pointInTime: manifest.pointInTime, ms: Date.now() - started };
      this.log(flags.json ? JSON.stringify(result) : `backup done: ${result.records} records (${result.tombstones} tombstones) of ${result.partitions} partitions, ${result.bytes} bytes in ${flags.out}, ${result.ms} ms; ${pointInTimeText(manifest)}`);
    } catch (err) {
      this.error(describeError(err), { exit: 2 });
    }
  }
}
