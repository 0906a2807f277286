import { Command, Flags } from '@oclif/core';
import type * as grpc from '@grpc/grpc-js';
import type { RepairResponse__Output } from '../../../protocol/generated/dstash/v1/RepairResponse.js';
import { fromServiceError } from '../../../protocol/status.js';
import { channelCredentials } from '../../../protocol/tls.js';
import { adminClient, fetchInfo } from '../../admin-connection.js';
import { tlsFlags, tlsOptions, tokenFlags } from '../../flags.js';
import { describeError } from '../../node-connection.js';
import { nodeFlag } from '../../node-address.js';

/** `dstash cluster repair`: runs anti-entropy now on every healthy member. */
export default class ClusterRepair extends Command {
  static override description = 'Run anti-entropy now: every healthy member compares its partitions with their other replicas and repairs differences.';

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
    try {
      const info = await fetchInfo(flags.node, credentials, 10_000, flags.token);
      const results = await Promise.all(info.members.filter((m) => m.healthy).map(async (m) => ({ node: m.id, ...(await repair(m.address, credentials, flags.timeout, flags.token)) })));
      if (flags.json) this.log(JSON.stringify(results));
      else for (const r of results) this.log(`${r.node}: ${r.partitionsCompared} partition comparisons, ${r.recordsPulled} records pulled, ${r.recordsPushed} pushed`);
    } catch (err) {
      this.error(describeError(err), { exit: 2 });
    }
  }
}

function repair(address: string, credentials: grpc.ChannelCredentials, timeoutMs: number, token: string | undefined): Promise<RepairResponse__Output> {
  const client = adminClient(address, credentials, token);
  return new Promise((resolve, reject) => {
    client.Repair({}, { deadline: Date.now() + timeoutMs }, (err, res) => {
      client.close();
      if (err || !res) reject(fromServiceError(err, address));
      else resolve(res);
    });
  });
}
