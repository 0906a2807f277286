/**
 * Bounded clocks on the coordinator's side (DESIGN.md, Consistency): it
 * measures its clock offset to every healthy member on an interval, stops
 * stamping writes while its offset to a majority of members exceeds the
 * maximum (`DSTASH_CLOCK_SKEW`, a warn log line, a counter), and turns a
 * write that lost to a version newer than the bound allows into the same
 * error instead of an acknowledgement.
 */
import type { Member } from '../discovery/discovery.js';
import { ClockSkewError, formatOffset } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ReadOutcome, ReplicaRecord, ReplicaTransport } from '../replica-types.js';
import { compareVersions, versionTime, versionWriter } from '../version.js';
import { clockSample, OWN_CLOCK, outOfBounds, type ClockSample } from './clock-offsets.js';
import type { WriteOutcome } from './coordinator-types.js';

/** What the guard needs from its coordinator. */
export interface ClockGuardOptions {
  /** The maximum clock offset, in ms. */
  maxClockOffsetMs: number;
  /** How often offsets are measured, in ms. */
  clockProbeIntervalMs: number;
  /** Deadline of one measurement, in ms. */
  timeoutMs: number;
}

/** A member's measured offset, as `cluster status` shows it. */
export interface MemberOffset extends ClockSample {
  id: string;
  /** Beyond the maximum offset from a majority of members. */
  offender: boolean;
}

/** Counters of the guard; they only grow. */
export interface ClockGuardStats {
  /** Writes refused because this coordinator's clock was out of bounds. */
  refusedWrites: number;
  /** Acknowledged-looking writes answered DSTASH_CLOCK_SKEW because a far newer version already held the key. */
  lostWrites: number;
  /** Offset measurements that failed (member unreachable, timeout). */
  failedProbes: number;
}

/** Guards the versions one coordinator stamps. */
export class ClockGuard {
  readonly stats: ClockGuardStats = { refusedWrites: 0, lostWrites: 0, failedProbes: 0 };
  private readonly samples = new Map<string, ClockSample>();
  private timer?: NodeJS.Timeout;
  private round?: Promise<void>;
  private out = false;
  private stopped = false;

  constructor(
    private readonly options: ClockGuardOptions,
    private readonly members: () => readonly Member[],
    private readonly transport: (nodeId: string) => ReplicaTransport,
    private readonly log: Logger,
  ) {}

  /** Measures every member once, then again every probe interval. */
  async start(): Promise<void> {
    await this.measure();
    // Closed while the first round ran: no interval to leave behind.
    if (this.stopped) return;
    this.timer = setInterval(() => void this.measure(), this.options.clockProbeIntervalMs);
    this.timer.unref();
  }

  /** Stops measuring. */
  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** The maximum clock offset, in ms. */
  get maxOffsetMs(): number {
    return this.options.maxClockOffsetMs;
  }

  /** True while this coordinator's clock is beyond the maximum offset from a majority of members. */
  get outOfBounds(): boolean {
    return this.out;
  }

  /** Throws DSTASH_CLOCK_SKEW while this coordinator must not stamp writes. */
  assertCanStamp(): void {
    if (!this.outOfBounds) return;
    this.stats.refusedWrites += 1;
    throw new ClockSkewError('this coordinator', -this.medianOffset(), this.options.maxClockOffsetMs, 'write refused: this coordinator\'s clock is out of bounds');
  }

  /** Every member's measured offset (members not measured yet are left out). */
  offsets(): MemberOffset[] {
    const measured = this.measuredMembers();
    const out: MemberOffset[] = [];
    for (const m of this.members()) {
      const s = this.samples.get(m.id);
      if (s) out.push({ id: m.id, ...s, offender: outOfBounds(s, measured, this.options.maxClockOffsetMs) });
    }
    return out;
  }

  /** Measures every healthy member now (one round at a time); never rejects. */
  measure(): Promise<void> {
    this.round ??= this.measureAll().finally(() => {
      this.round = undefined;
    });
    return this.round;
  }

  /**
   * Settles writes that some replica did not apply because it held a newer
   * version: reads that version back from one such replica, and answers
   * DSTASH_CLOCK_SKEW when it is newer than the write by more than the
   * maximum offset (an earlier write stamped by a clock too far ahead, which
   * would silently win). A version newer by less is a concurrent write: the
   * outcome stays OK, carries the winning version and says `superseded`.
   */
  async settleSuperseded(index: string, records: readonly (ReplicaRecord | undefined)[], notApplied: ReadonlyMap<number, string>, outcomes: WriteOutcome[]): Promise<void> {
    const byReplica = new Map<string, number[]>();
    for (const [i, nodeId] of notApplied) {
      if (outcomes[i]?.error) continue;
      let list = byReplica.get(nodeId);
      if (!list) byReplica.set(nodeId, (list = []));
      list.push(i);
    }
    await Promise.all([...byReplica].map(async ([nodeId, entries]) => {
      let stored: ReadOutcome[];
      try {
        stored = await this.transport(nodeId).read(index, entries.map((i) => records[i]!.key), this.options.timeoutMs);
      } catch (err) {
        // The write reached its quorum; whether it won is unknown. Reads will show the newest version.
        this.log.debug({ nodeId, err: (err as Error).message }, 'could not read back a superseded write');
        return;
      }
      entries.forEach((i, j) => {
        const record = stored[j]?.record;
        // Not applied because this very version is there already (a retried message): nothing lost.
        const ours = records[i]!.version;
        if (!record || compareVersions(record.version, ours) <= 0) return;
        const aheadMs = versionTime(record.version) - versionTime(ours);
        if (aheadMs > this.options.maxClockOffsetMs) {
          this.stats.lostWrites += 1;
          outcomes[i] = { error: new ClockSkewError(`writer ${versionWriter(record.version)}`, aheadMs, this.options.maxClockOffsetMs, 'write lost to a newer version already stored') };
        } else {
          outcomes[i] = { version: record.version, superseded: true };
        }
      });
    }));
  }

  private async measureAll(): Promise<void> {
    const members = this.members();
    const present = new Set(members.map((m) => m.id));
    for (const id of this.samples.keys()) if (!present.has(id)) this.samples.delete(id);
    const timeoutMs = Math.min(this.options.timeoutMs, Math.max(this.options.clockProbeIntervalMs, 1000));
    await Promise.all(members.filter((m) => m.healthy).map(async (m) => {
      try {
        const t = this.transport(m.id);
        if (!t.clock) return;
        const t0 = Date.now();
        const remote = await t.clock(timeoutMs);
        this.samples.set(m.id, clockSample(t0, remote, Date.now()));
      } catch {
        this.stats.failedProbes += 1;
      }
    }));
    this.judge();
  }

  /** Re-evaluates this coordinator's own bounds; logs changes. */
  private judge(): void {
    const out = outOfBounds(OWN_CLOCK, this.measuredMembers(), this.options.maxClockOffsetMs);
    if (out && !this.out) {
      this.out = true;
      this.log.warn({ maxClockOffsetMs: this.options.maxClockOffsetMs, offsets: this.describe() }, 'clock offset to a majority of members exceeds the maximum: refusing to stamp writes');
    } else if (!out && this.out) {
      this.out = false;
      this.log.warn({ maxClockOffsetMs: this.options.maxClockOffsetMs, offsets: this.describe() }, 'clock back within the maximum offset: stamping writes again');
    }
  }

  /** Samples of every member, in member order (undefined when not measured). */
  private measuredMembers(): (ClockSample | undefined)[] {
    return this.members().map((m) => this.samples.get(m.id));
  }

  /** The median measured offset of the members: how far off this coordinator is from the cluster. */
  private medianOffset(): number {
    const offsets = [...this.samples.values()].map((s) => s.offsetMs).sort((a, b) => a - b);
    return offsets.length === 0 ? 0 : offsets[Math.floor(offsets.length / 2)]!;
  }

  private describe(): Record<string, string> {
    return Object.fromEntries([...this.samples].map(([id, s]) => [id, `${formatOffset(s.offsetMs)} (rtt ${s.rttMs} ms)`]));
  }
}
