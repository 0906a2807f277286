import { Command, Flags, type Interfaces } from '@oclif/core';
import * as grpc from '@grpc/grpc-js';
import { DstashError, ErrorCode } from '../../../errors.js';
import type { InfoResponse__Output } from '../../../protocol/generated/dstash/v1/InfoResponse.js';
import { channelCredentials } from '../../../protocol/tls.js';
import { tlsFlags, tlsOptions, tokenFlags } from '../../flags.js';
import { describeError } from '../../node-connection.js';
import { memberStatuses, statusLines, type MemberStatus } from '../../cluster-table.js';
import { fetchInfo } from '../../admin-connection.js';
import { nodeFlag } from '../../node-address.js';
import { discoveryFlags, discoverySource } from '../../consul-flags.js';
import { dnsFlags } from '../../dns-flags.js';
import { createDiscovery } from '../../../discovery/create-discovery.js';
import type { Discovery, Member } from '../../../discovery/discovery.js';

/** `dstash cluster status`: members, their health, and partitions per node, as one node sees them. */
export default class ClusterStatus extends Command {
  static override description = [
    'Show the cluster\'s members, their health, and the partitions each one holds.',
    'With --watch, follow the membership and each member\'s health (as a client does: the registry, or gRPC health probes every --health-interval ms) and print the table again on every change, until Ctrl-C.',
  ].join('\n');

  static override examples = [
    '<%= config.bin %> cluster status',
    '<%= config.bin %> cluster status --node 10.0.0.5:7420 --json',
    '<%= config.bin %> cluster status --watch',
    '<%= config.bin %> cluster status --discovery consul --consul-addr 127.0.0.1:8500',
    '<%= config.bin %> cluster status --discovery dns --dns-name _grpc._tcp.dstash-headless.default.svc.cluster.local',
  ];

  static override flags = {
    node: nodeFlag('host:port (gRPC) of a node to ask.'),
    json: Flags.boolean({ default: false, description: 'Print JSON (with --watch, one line per change).' }),
    timeout: Flags.integer({ default: 5000, min: 1, description: 'Deadline of each call, in ms.' }),
    watch: Flags.boolean({ default: false, description: 'Print the table again on every change of membership or health, until Ctrl-C.' }),
    'health-interval': Flags.integer({ default: 1000, min: 100, description: 'With --watch: ms between health probes of each member (static and DNS discovery).' }),
    refresh: Flags.integer({ default: 10_000, min: 1000, description: 'With --watch: ms between reads of what membership does not report (sizes, hints, transfers, read-only stores); the table is printed only when it changed.' }),
    ...discoveryFlags,
    ...dnsFlags,
    ...tlsFlags,
    ...tokenFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ClusterStatus);
    const credentials = channelCredentials(tlsOptions(flags));
    if (flags.watch) return this.watch(flags, credentials);
    let info: InfoResponse__Output;
    try {
      if (flags.discovery === 'static') info = await fetchInfo(flags.node, credentials, flags.timeout, flags.token);
      else info = await membersFrom(this.registry(flags), credentials, flags.timeout, flags.token);
    } catch (err) {
      this.error(describeError(err), { exit: 2 });
    }
    const rows = await memberStatuses(info, credentials, flags.timeout, flags.token);
    if (flags.json) this.log(JSON.stringify(statusJson(info, rows), null, 2));
    else for (const line of statusLines(info, rows)) this.log(line);
  }

  /**
   * Follows the members through discovery and prints the status whenever
   * they or their health change (and once at the start, and when a refresh
   * finds another table), until SIGINT. Redraws run one at a time; changes
   * during one make one more.
   */
  private async watch(flags: StatusFlags, credentials: grpc.ChannelCredentials): Promise<void> {
    let registry: Registry | undefined;
    let discovery: Discovery;
    try {
      registry = flags.discovery === 'static' ? undefined : this.registry(flags);
      discovery = registry?.discovery ?? createDiscovery({ peers: [flags.node] }, { healthIntervalMs: flags['health-interval'], tls: tlsOptions(flags), token: flags.token });
    } catch (err) {
      this.error(describeError(err), { exit: 2 });
    }
    const interrupted = new Promise<void>((resolve) => process.once('SIGINT', () => resolve()));
    let last = '';
    let drawing: Promise<void> | undefined;
    let again = false;
    const render = async (): Promise<string> => {
      try {
        // The members and their health as this watch sees them, so that every change it hears of shows.
        const info = await infoFromMembers(discovery.members(), registry?.label ?? `the cluster of ${flags.node}`, credentials, flags.timeout, flags.token, flags.node);
        const rows = await memberStatuses(info, credentials, flags.timeout, flags.token);
        return flags.json ? JSON.stringify(statusJson(info, rows)) : statusLines(info, rows).join('\n');
      } catch (err) {
        return flags.json ? JSON.stringify({ error: describeError(err) }) : `cannot read the cluster's status: ${describeError(err)}`;
      }
    };
    const draw = (): void => {
      if (drawing) {
        again = true;
        return;
      }
      drawing = render().then((text) => {
        if (text !== last) this.log(flags.json ? text : `\n${new Date().toISOString()}\n${text}`);
        last = text;
      }).finally(() => {
        drawing = undefined;
        if (again) {
          again = false;
          draw();
        }
      });
    };
    try {
      await discovery.start();
      const unsubscribe = discovery.onChange(draw);
      // Also what discovery does not report (sizes, hints, transfers, a read-only store); the timer keeps the process alive.
      const refresh = setInterval(draw, flags.refresh);
      draw();
      await interrupted;
      clearInterval(refresh);
      unsubscribe();
      await drawing;
    } catch (err) {
      this.error(describeError(err), { exit: 2 });
    } finally {
      await discovery.close();
    }
  }

  /** The registry (Consul or DNS) the flags name, and how messages name it. */
  private registry(flags: StatusFlags): Registry {
    const source = discoverySource(flags);
    const label = source.dns ? `DNS name ${source.dns.name}` : `Consul service ${flags['consul-service']}`;
    return { discovery: createDiscovery(source, { tls: tlsOptions(flags), healthIntervalMs: flags['health-interval'] }), label };
  }
}

type StatusFlags = Interfaces.InferredFlags<typeof ClusterStatus.flags>;

/** A registry's discovery, and its name in messages. */
interface Registry {
  discovery: Discovery;
  label: string;
}

/** The `--json` answer. */
function statusJson(info: InfoResponse__Output, rows: MemberStatus[]): object {
  return { askedNode: info.nodeId, partitions: info.partitions, replicas: info.replicas, maxClockOffsetMs: info.maxClockOffsetMs, members: rows };
}

/** Members from a registry, read once. */
async function membersFrom({ discovery, label }: Registry, credentials: grpc.ChannelCredentials, timeoutMs: number, token: string | undefined): Promise<InfoResponse__Output> {
  try {
    await discovery.start();
    return await infoFromMembers(discovery.members(), label, credentials, timeoutMs, token);
  } finally {
    await discovery.close();
  }
}

/**
 * `members` (as a discovery sees them), with the partition count, N and clock
 * offsets of the first healthy member that answers, the one at `prefer` first.
 */
async function infoFromMembers(members: readonly Member[], source: string, credentials: grpc.ChannelCredentials, timeoutMs: number, token: string | undefined, prefer?: string): Promise<InfoResponse__Output> {
  const healthy = members.filter((x) => x.healthy).sort((a, b) => Number(b.address === prefer) - Number(a.address === prefer));
  for (const m of healthy) {
    const info = await fetchInfo(m.address, credentials, timeoutMs, token).catch(() => undefined);
    if (info) return { ...info, members: members.map((x) => ({ id: x.id, address: x.address, zone: x.zone ?? '', healthy: x.healthy, clock: info.members.find((y) => y.id === x.id)?.clock ?? null })) };
  }
  throw new DstashError(ErrorCode.Unavailable, `${source} lists ${members.length} member(s), and none answered`);
}
