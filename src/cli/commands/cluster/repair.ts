import { Command, Flags } from '@oclif/core';
import { channelCredentials } from '../../../protocol/tls.js';
import { adminCall, fetchInfo } from '../../admin-connection.js';
import { tlsFlags, tlsOptions, tokenFlags } from '../../flags.js';
import { describeError } from '../../node-connection.js';
import { nodeFlag } from '../../node-address.js';

/**
 * `dstash cluster repair`: runs anti-entropy now on every healthy member. A
 * member whose run fails (its store damaged, say) is reported and left out;
 * the others are repaired all the same.
 */
export default class ClusterRepair extends Command {
  static override description = 'Run anti-entropy now: every healthy member compares its partitions with their other replicas and repairs differences. A member that fails is reported and skipped; the exit code is 1 when one did.';

  static override examples = ['<%= config.bin %> cluster repair', '<%= config.bin %> cluster repair --node 10.0.0.5:7420 --json'];

  static override flags = {
    node: nodeFlag('host:port (gRPC) of a node; every healthy member it sees is repaired.'),
    json: Flags.boolean({ default: false, description: 'Print JSON.' }),
    timeout: Flags.integer({ default: 600_000, min: 1, description: 'Deadline of each node\'s run, in ms.' }),
    ...tlsFlags,
    ...tokenFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ClusterRepair);
    const credentials = channelCredentials(tlsOptions(flags));
    let failed = 0;
    try {
      const info = await fetchInfo(flags.node, credentials, 10_000, flags.token);
      const results = await Promise.all(info.members.filter((m) => m.healthy).map(async (m) => {
        try {
          return { node: m.id, ...(await adminCall(m.address, 'Repair', { credentials, timeoutMs: flags.timeout, token: flags.token })) };
        } catch (err) {
          failed += 1;
          return { node: m.id, error: describeError(err) };
        }
      }));
      if (flags.json) this.log(JSON.stringify(results));
      else {
        for (const r of results) {
          if ('error' in r) this.log(`${r.node}: skipped, its run failed: ${r.error}`);
          else this.log(`${r.node}: ${r.partitionsCompared} partition comparisons, ${r.recordsPulled} records pulled, ${r.recordsPushed} pushed${r.partitionsSkipped > 0 ? `, ${r.partitionsSkipped} partitions skipped (unreadable here)` : ''}`);
        }
      }
    } catch (err) {
      this.error(describeError(err), { exit: 2 });
    }
    if (failed > 0) this.exit(1);
  }
}
