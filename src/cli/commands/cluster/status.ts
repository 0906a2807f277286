import { Command, Flags } from '@oclif/core';
import * as grpc from '@grpc/grpc-js';
import { DstashError, ErrorCode } from '../../../errors.js';
import type { InfoResponse__Output } from '../../../protocol/generated/dstash/v1/InfoResponse.js';
import { channelCredentials } from '../../../protocol/tls.js';
import { tlsFlags, tlsOptions } from '../../flags.js';
import { describeError } from '../../node-connection.js';
import { fetchInfo } from '../../admin-connection.js';
import { memberStatuses, statusLines } from '../../cluster-table.js';
import { consulDiscovery, discoveryFlags, type DiscoveryFlags } from '../../consul-flags.js';

/** `dstash cluster status`: members, their health, and partitions per node, as one node sees them. */
export default class ClusterStatus extends Command {
  static override description = 'Show the cluster\'s members, their health, and the partitions each one holds.';

  static override examples = [
    '<%= config.bin %> cluster status',
    '<%= config.bin %> cluster status --node 10.0.0.5:7420 --json',
    '<%= config.bin %> cluster status --discovery consul --consul-addr 127.0.0.1:8500',
  ];

  static override flags = {
    node: Flags.string({ default: '127.0.0.1:7420', env: 'DSTASH_NODE', description: 'host:port of a node to ask.' }),
    json: Flags.boolean({ default: false, description: 'Print JSON.' }),
    timeout: Flags.integer({ default: 5000, min: 1, description: 'Deadline of each call, in ms.' }),
    ...discoveryFlags,
    ...tlsFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ClusterStatus);
    const credentials = channelCredentials(tlsOptions(flags));
    let info: InfoResponse__Output;
    try {
      info = flags.discovery === 'consul' ? await membersFromConsul(flags, credentials, flags.timeout) : await fetchInfo(flags.node, credentials, flags.timeout);
    } catch (err) {
      this.error(describeError(err), { exit: 2 });
    }
    const rows = await memberStatuses(info, credentials, flags.timeout);
    if (flags.json) {
      this.log(JSON.stringify({ askedNode: info.nodeId, partitions: info.partitions, replicas: info.replicas, members: rows }, null, 2));
      return;
    }
    for (const line of statusLines(info, rows)) this.log(line);
  }
}

/** Members from Consul, with the partition count and N of the first healthy member that answers. */
async function membersFromConsul(flags: DiscoveryFlags, credentials: grpc.ChannelCredentials, timeoutMs: number): Promise<InfoResponse__Output> {
  const discovery = consulDiscovery(flags);
  try {
    await discovery.start();
    const members = discovery.members();
    for (const m of members.filter((x) => x.healthy)) {
      const info = await fetchInfo(m.address, credentials, timeoutMs).catch(() => undefined);
      if (info) return { ...info, members: members.map((x) => ({ id: x.id, address: x.address, zone: x.zone ?? '', healthy: x.healthy })) };
    }
    throw new DstashError(ErrorCode.Unavailable, `Consul lists ${members.length} member(s) of service ${flags['consul-service']}, and none answered`);
  } finally {
    await discovery.close();
  }
}
