/**
 * The cluster as one node sees it, one row per member with what each member
 * says of itself: `dstash cluster status` and the shell's `status` print it.
 */
import type * as grpc from '@grpc/grpc-js';
import { formatOffset } from '../errors.js';
import { PlacementTable } from '../placement/index.js';
import type { InfoResponse__Output } from '../protocol/generated/dstash/v1/InfoResponse.js';
import { fetchInfo } from '../protocol/info-call.js';

/** One row of the status table. */
export interface MemberStatus {
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
  /** Why the member's store is read-only (disk full: reads served, writes refused); null while it takes writes or did not answer. */
  readOnly: string | null;
  /** What the member says of its store's copy (`ok`, `corrupt`, `rebuilding`); null when it does not answer. */
  store: string | null;
  /** The member's clock minus the asked node's, as that node measured it; null when not measured. */
  clock: { offsetMs: number; rttMs: number; offender: boolean } | null;
}

/** The members of `info`, each asked for its own Info when healthy (null fields when it does not answer). */
export async function memberStatuses(info: InfoResponse__Output, credentials: grpc.ChannelCredentials, timeoutMs: number, token?: string): Promise<MemberStatus[]> {
  const table = new PlacementTable(info.members.map((m) => ({ id: m.id, zone: m.zone || undefined })), { partitions: info.partitions, replicas: info.replicas || 1 });
  const owned = table.ownership();
  return Promise.all(info.members.map(async (m) => {
    const remote = m.healthy ? await fetchInfo(m.address, credentials, timeoutMs, token).catch(() => undefined) : undefined;
    return {
      id: m.id, address: m.address, zone: m.zone, healthy: m.healthy, partitions: owned.get(m.id) ?? 0,
      sizeBytes: remote ? remote.approximateSizeBytes : null, version: remote ? remote.version : null,
      hintsPending: remote ? remote.hintsPending : null,
      transfer: remote?.transfer ? { ...remote.transfer } : null,
      draining: remote?.draining ?? false,
      readOnly: remote?.readOnly || null,
      store: remote ? remote.storeState || 'ok' : null,
      clock: m.clock ? { offsetMs: m.clock.offsetMs, rttMs: m.clock.rttMs, offender: m.clock.offender } : null,
    };
  }));
}

/** The status table as lines: a summary, the clock offenders if any, a header, one row per member. */
export function statusLines(info: InfoResponse__Output, rows: MemberStatus[]): string[] {
  const healthy = rows.filter((r) => r.healthy).length;
  const offenders = rows.filter((r) => r.clock?.offender).map((r) => r.id);
  const header = ['NODE', 'ADDRESS', 'ZONE', 'HEALTH', 'PARTITIONS', 'SIZE', 'HINTS', 'MOVING', 'MOVED', 'CLOCK', 'VERSION'];
  const lines = rows.map((r) => [
    r.id, r.address, r.zone || '-', healthCell(r), String(r.partitions),
    r.sizeBytes === null ? '-' : formatBytes(r.sizeBytes), r.hintsPending === null ? '-' : String(r.hintsPending),
    r.transfer ? `${r.transfer.partitionsRemaining} partitions` : '-',
    r.transfer ? `${r.transfer.keysMoved} keys, ${formatBytes(r.transfer.bytesMoved)}` : '-', formatClock(r.clock), r.version ?? '-',
  ]);
  const readOnly = rows.filter((r) => r.readOnly !== null);
  return [
    `cluster seen by ${info.nodeId}: ${rows.length} member(s), ${healthy} healthy; ${info.partitions} partitions, N=${info.replicas}`,
    ...(offenders.length > 0 ? [`clock offset beyond ${info.maxClockOffsetMs} ms (SKEWED): ${offenders.join(', ')}; fix their clocks (NTP)`] : []),
    ...readOnly.map((r) => `${r.id} is read-only (serving reads, refusing writes until space is freed): ${r.readOnly}`),
    ...columns([header, ...lines]),
  ];
}

/** The HEALTH column: a draining node, an unhealthy one, a store copy put aside or being rebuilt (MOVING shows how far), a read-only store (a full disk), else healthy. */
function healthCell(r: MemberStatus): string {
  if (r.draining) return 'draining';
  if (!r.healthy) return 'UNHEALTHY';
  if (r.store !== null && r.store !== 'ok') return r.store;
  return r.readOnly !== null ? 'read-only' : 'healthy';
}

/** A member's clock offset as the asked node measured it, marked SKEWED when it is an offender. */
function formatClock(clock: MemberStatus['clock']): string {
  if (!clock) return '-';
  const offset = `${formatOffset(clock.offsetMs)} ±${Math.ceil(clock.rttMs / 2)}`;
  return clock.offender ? `${offset} SKEWED` : offset;
}

/** Rows of cells as lines of aligned columns. */
export function columns(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((l) => (l[i] ?? '').length)));
  return rows.map((line) => line.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd());
}

/** A byte count for people: 1.5 KiB. */
export function formatBytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024;
    i++;
  }
  return `${n.toFixed(i === 0 ? 0 : 1)} ${units[i]}`;
}
