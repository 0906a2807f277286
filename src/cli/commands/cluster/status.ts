import { Command, Flags } from '@oclif/core';
import * as grpc from '@grpc/grpc-js';
import { DstashError, ErrorCode } from '../../../errors.js';
import type { InfoResponse__Output } from '../../../protocol/generated/dstash/v1/InfoResponse.js';
import { channelCredentials } from '../../../protocol/tls.js';
import { tlsFlags, tlsOptions, tokenFlags } from '../../flags.js';
import { describeError } from '../../node-connection.js';
import { memberStatuses, statusLines } from '../../cluster-table.js';
import { fetchInfo } from '../../admin-connection.js';
import { nodeFlag } from '../../node-address.js';
import { discoveryFlags, discoverySource } from '../../consul-flags.js';
import { dnsFlags } from '../../dns-flags.js';
import { createDiscovery } from '../../../discovery/create-discovery.js';
import type { Discovery } from '../../../discovery/discovery.js';

/** `dstash cluster status`: members, their health, and partitions per node, as one node sees them. */
export default class ClusterStatus extends Command {
  static override description = 'Show the cluster\'s members, their health, and the partitions each one holds.';

  static override examples = [
    '<%= config.bin %> cluster status',
    '<%= config.bin %> cluster status --node 10.0.0.5:7420 --json',
    '<%= config.bin %> cluster status --discovery consul --consul-addr 127.0.0.1:8500',
    '<%= config.bin %> cluster status --discovery dns --dns-name _grpc._tcp.dstash-headless.default.svc.cluster.local',
  ];

  static override flags = {
    node: nodeFlag('host:port (gRPC) of a node to ask.'),
    json: Flags.boolean({ default: false, description: 'Print JSON.' }),
    timeout: Flags.integer({ default: 5000, min: 1, description: 'Deadline of each call, in ms.' }),
    ...discoveryFlags,
    ...dnsFlags,
    ...tlsFlags,
    ...tokenFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ClusterStatus);
    const credentials = channelCredentials(tlsOptions(flags));
    let info: InfoResponse__Output;
    try {
      if (flags.discovery === 'static') info = await fetchInfo(flags.node, credentials, flags.timeout, flags.token);
      else {
        const source = discoverySource(flags);
        const label = source.dns ? `DNS name ${source.dns.name}` : `Consul service ${flags['consul-service']}`;
        info = await membersFrom(createDiscovery(source, { tls: tlsOptions(flags) }), label, credentials, flags.timeout, flags.token);
      }
    } catch (err) {
      this.error(describeError(err), { exit: 2 });
    }
    const rows = await memberStatuses(info, credentials, flags.timeout, flags.token);
    if (flags.json) {
      this.log(JSON.stringify({ askedNode: info.nodeId, partitions: info.partitions, replicas: info.replicas, maxClockOffsetMs: info.maxClockOffsetMs, members: rows }, null, 2));
      return;
    }
    for (const line of statusLines(info, rows)) this.log(line);
  }
}

/** Members from a registry (Consul or DNS), with the partition count and N of the first healthy member that answers. */
async function membersFrom(discovery: Discovery, source: string, credentials: grpc.ChannelCredentials, timeoutMs: number, token: string | undefined): Promise<InfoResponse__Output> {
  try {
    await discovery.start();
    const members = discovery.members();
    for (const m of members.filter((x) => x.healthy)) {
      const info = await fetchInfo(m.address, credentials, timeoutMs, token).catch(() => undefined);
      if (info) return { ...info, members: members.map((x) => ({ id: x.id, address: x.address, zone: x.zone ?? '', healthy: x.healthy, clock: info.members.find((y) => y.id === x.id)?.clock ?? null })) };
    }
    throw new DstashError(ErrorCode.Unavailable, `${source} lists ${members.length} member(s), and none answered`);
  } finally {
    await discovery.close();
  }
}
