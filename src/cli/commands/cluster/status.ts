import { Command, Flags } from '@oclif/core';
import * as grpc from '@grpc/grpc-js';
import { DstashError, ErrorCode, formatOffset } from '../../../errors.js';
import { PlacementTable } from '../../../placement/index.js';
import type { InfoResponse__Output } from '../../../protocol/generated/dstash/v1/InfoResponse.js';
import { channelCredentials } from '../../../protocol/tls.js';
import { tlsFlags, tlsOptions } from '../../flags.js';
import { describeError } from '../../node-connection.js';
import { fetchInfo } from '../../admin-connection.js';
import { nodeFlag } from '../../node-address.js';
import { consulDiscovery, discoveryFlags, type DiscoveryFlags } from '../../consul-flags.js';

/** One row of the status table. */
interface MemberStatus {
  id: string;
  address: string;
  zone: string;
  healthy: boolean;
  partitions: number;
  sizeBytes: number | null;
  version: string | null;
  hintsPending: number | null;
  transfer: { partitionsRemaining: number; partitionsMoved: number; keysMoved: number; bytesMoved: number } | null;
  draining: boolean;
  /** The member's clock minus the asked node's, as that node measured it; null when not measured. */
  clock: { offsetMs: number; rttMs: number; offender: boolean } | null;
}

/** `dstash cluster status`: members, their health, and partitions per node, as one node sees them. */
export default class ClusterStatus extends Command {
  static override description = 'Show the cluster\'s members, their health, and the partitions each one holds.';

  static override examples = [
    '<%= config.bin %> cluster status',
    '<%= config.bin %> cluster status --node 10.0.0.5:7420 --json',
    '<%= config.bin %> cluster status --discovery consul --consul-addr 127.0.0.1:8500',
  ];

  static override flags = {
    node: nodeFlag('host:port (gRPC) of a node to ask.'),
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
    const table = new PlacementTable(info.members.map((m) => ({ id: m.id, zone: m.zone || undefined })), { partitions: info.partitions, replicas: info.replicas || 1 });
    const owned = table.ownership();
    const rows: MemberStatus[] = await Promise.all(info.members.map(async (m) => {
      const remote = m.healthy ? await fetchInfo(m.address, credentials, flags.timeout).catch(() => undefined) : undefined;
      return {
        id: m.id, address: m.address, zone: m.zone, healthy: m.healthy, partitions: owned.get(m.id) ?? 0,
        sizeBytes: remote ? remote.approximateSizeBytes : null, version: remote ? remote.version : null,
        hintsPending: remote ? remote.hintsPending : null,
        transfer: remote?.transfer ? { ...remote.transfer } : null,
        draining: remote?.draining ?? false,
        clock: m.clock ? { offsetMs: m.clock.offsetMs, rttMs: m.clock.rttMs, offender: m.clock.offender } : null,
      };
    }));
    if (flags.json) {
      this.log(JSON.stringify({ askedNode: info.nodeId, partitions: info.partitions, replicas: info.replicas, maxClockOffsetMs: info.maxClockOffsetMs, members: rows }, null, 2));
      return;
    }
    const healthy = rows.filter((r) => r.healthy).length;
    this.log(`cluster seen by ${info.nodeId}: ${rows.length} member(s), ${healthy} healthy; ${info.partitions} partitions, N=${info.replicas}`);
    const offenders = rows.filter((r) => r.clock?.offender).map((r) => r.id);
    if (offenders.length > 0) this.log(`clock offset beyond ${info.maxClockOffsetMs} ms (SKEWED): ${offenders.join(', ')}; fix their clocks (NTP)`);
    const header = ['NODE', 'ADDRESS', 'ZONE', 'HEALTH', 'PARTITIONS', 'SIZE', 'HINTS', 'MOVING', 'MOVED', 'CLOCK', 'VERSION'];
    const lines = rows.map((r) => [
      r.id, r.address, r.zone || '-', r.draining ? 'draining' : r.healthy ? 'healthy' : 'UNHEALTHY', String(r.partitions),
      r.sizeBytes === null ? '-' : formatBytes(r.sizeBytes), r.hintsPending === null ? '-' : String(r.hintsPending),
      r.transfer ? `${r.transfer.partitionsRemaining} partitions` : '-',
      r.transfer ? `${r.transfer.keysMoved} keys, ${formatBytes(r.transfer.bytesMoved)}` : '-', formatClock(r.clock), r.version ?? '-',
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
    for (const line of [header, ...lines]) this.log(line.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
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
      if (info) return { ...info, members: members.map((x) => ({ id: x.id, address: x.address, zone: x.zone ?? '', healthy: x.healthy, clock: info.members.find((y) => y.id === x.id)?.clock ?? null })) };
    }
    throw new DstashError(ErrorCode.Unavailable, `Consul lists ${members.length} member(s) of service ${flags['consul-service']}, and none answered`);
  } finally {
    await discovery.close();
  }
}

/** A member's clock offset as the asked node measured it, marked SKEWED when it is an offender. */
function formatClock(clock: MemberStatus['clock']): string {
  if (!clock) return '-';
  const offset = `${formatOffset(clock.offsetMs)} ±${Math.ceil(clock.rttMs / 2)}`;
  return clock.offender ? `${offset} SKEWED` : offset;
}

function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
