/**
 * The coordinator: routes each key to its replicas, stamps writes with HLC
 * versions, counts quorums per key, reads the newest version and repairs
 * stale replicas (DESIGN.md, Consistency). The SDK client runs one; a node
 * runs one for callers that do not route.
 *
 * Batches: keys are grouped by replica and split into messages of bounded
 * size. Each replica has a lane of its own (a bulkhead with outlier
 * detection, replica-lane.ts), and each key settles at its quorum
 * (write-round.ts, read-round.ts): a slow or frozen replica never holds the
 * caller or the other replicas' traffic.
 */
import type { Discovery, Member } from '../discovery/discovery.js';
import { DstashError, ErrorCode, InvalidArgumentError } from '../errors.js';
import { keyError, validateIndex, validateKey, validateTruncationTarget, validateTtl, validateValue } from '../limits.js';
import { logger, type Logger } from '../logger.js';
import { partitionOf, type PreferredReplica } from '../placement/index.js';
import type { ReplicaRecord, ReplicaTransport, ReplicaValue } from '../replica-types.js';
import { compareVersions, HybridClock, isVersion } from '../version.js';
import { ClockGuard } from './clock-guard.js';
import { requiredReplicas, resolveCoordinatorOptions, type Consistency, type CoordinatorOptions } from './client-options.js';
import type { KvCoordinator, LookupOutcome, PutItem, ScanItem, ScanParams, WriteOutcome } from './coordinator-types.js';
import { mergeScans } from './scan-merge.js';
import { runRead, type SeenAnswer } from './read-round.js';
import { HintQueue } from './hint-queue.js';
import { ReplicaLane } from './replica-lane.js';
import { push, type CoordinatorStats, type LaneKind, type RoundContext } from './round-context.js';
import { Routing } from './routing.js';
import { runWrite } from './write-round.js';
import { runTruncate, type TruncationRun } from './truncate-round.js';
import { Truncations } from '../truncations.js';

export type { CoordinatorStats } from './round-context.js';

const EMPTY = Buffer.alloc(0);
/** Messages in a row that did not reach a replica before its lane routes around it. */
const FAILURES_TO_EJECT = 5;
/** Messages in flight in a replica's background lane (hints, read repair). */
const BACKGROUND_CONCURRENCY = 4;

/** Opens a transport to a member. */
export type TransportFactory = (member: Member) => ReplicaTransport;

/** Coordinates requests over the members that `discovery` reports. */
export class Coordinator implements KvCoordinator {
  readonly options: CoordinatorOptions;
  readonly clock: HybridClock;
  /** Clock offsets to the members, and the bounds on the versions this coordinator stamps. */
  readonly clockGuard: ClockGuard;
  readonly stats: CoordinatorStats = {
    batchMessages: 0,
    readRepairs: 0,
    writeQuorumFailures: 0,
    readQuorumFailures: 0,
    hintsWritten: 0,
    hintsFailed: 0,
    speculativeReads: 0,
  };
  private readonly routing: Routing;
  private readonly transports = new Map<string, ReplicaTransport>();
  /** Each replica's lanes, by kind and node id. */
  private readonly lanes: Readonly<Record<LaneKind, Map<string, ReplicaLane>>> = { foreground: new Map(), background: new Map() };
  /** Work that goes on after callers were answered: slow replicas, hints, read repair. */
  private readonly background = new Set<Promise<unknown>>();
  private readonly context: RoundContext;
  private readonly log: Logger;
  private unsubscribe?: () => void;
  private readonly listeners = new Set<(members: readonly Member[]) => void>();
  private readonly laneListeners = new Set<(nodeId: string, ejected: boolean, reason: string) => void>();
  private closing = false;
  private closed = false;
  /** The truncations this coordinator issued or was told of: what it merges from replicas that missed one stays hidden. */
  private truncations = Truncations.NONE;

  constructor(
    private readonly discovery: Discovery,
    private readonly connect: TransportFactory,
    options: Partial<CoordinatorOptions> = {},
  ) {
    this.options = resolveCoordinatorOptions(options);
    this.routing = new Routing(this.options.partitions, this.options.replicas);
    this.log = logger('coordinator');
    this.clock = new HybridClock(undefined, Date.now, this.options.maxClockOffsetMs);
    this.clockGuard = new ClockGuard(this.options, () => this.routing.memberList, (id) => this.replica(id), this.log);
    const send: RoundContext['send'] = (nodeId, call, lane) => this.send(nodeId, call, lane);
    this.context = {
      options: this.options,
      routing: this.routing,
      stats: this.stats,
      log: this.log,
      send,
      lane: (nodeId) => this.lane(nodeId),
      track: (work) => this.track(work),
      hints: new HintQueue({ options: this.options, send, log: this.log }),
    };
  }

  /** Starts discovery and follows its membership changes. */
  async start(): Promise<void> {
    await this.discovery.start();
    this.apply(this.discovery.members());
    this.unsubscribe = this.discovery.onChange((members) => {
      this.apply(members);
      // A member that joined or became healthy is measured now, not at the next tick.
      void this.clockGuard.measure();
    });
    await this.clockGuard.start();
  }

  /** Subscribes to membership changes (after the routing view was updated); returns the unsubscribe function. */
  onMembershipChange(listener: (members: readonly Member[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The members as last seen. */
  members(): readonly Member[] {
    return this.routing.memberList;
  }

  /** The routing view (placement table and health). */
  get view(): Routing {
    return this.routing;
  }

  /**
   * Subscribes to replicas being routed around by outlier detection and
   * coming back; returns the unsubscribe function.
   */
  onLaneChange(listener: (nodeId: string, ejected: boolean, reason: string) => void): () => void {
    this.laneListeners.add(listener);
    return () => this.laneListeners.delete(listener);
  }

  /** Ids of the replicas that outlier detection routes around now. */
  ejectedReplicas(): string[] {
    return [...this.lanes.foreground.values()].filter((l) => l.ejected).map((l) => l.nodeId);
  }

  /**
   * Stops following membership, waits for the work still going on for
   * answered callers (slow replicas, hints; each bounded by `timeoutMs`), and
   * closes every connection.
   */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    this.clockGuard.stop();
    this.unsubscribe?.();
    while (this.background.size > 0) await Promise.allSettled([...this.background]);
    this.closed = true;
    for (const lanes of Object.values(this.lanes)) {
      for (const lane of lanes.values()) lane.close();
      lanes.clear();
    }
    for (const t of this.transports.values()) t.close();
    this.transports.clear();
    await this.discovery.close();
  }

  // The front door's checks (who owns which check: src/limits.ts). Whatever a caller hands in is checked here,
  // per key and before any round trip: the index name, key length, value size, TTL, a restored version. The
  // replicas check the records again only because the Replica service takes them from any peer.

  async putMany(index: string, items: readonly PutItem[], consistency?: Consistency): Promise<WriteOutcome[]> {
    const now = Date.now();
    const { maxValueBytes } = this.options;
    return this.write(index, items.length, consistency, { restore: false }, (i) => {
      const item = items[i]!;
      validateKey(item.key);
      validateValue(item.value, maxValueBytes);
      validateTtl(item.ttlMs);
      this.clockGuard.assertCanStamp();
      return { key: item.key, value: item.value, version: this.clock.now(), expiresAt: item.ttlMs > 0 ? now + item.ttlMs : 0, tombstone: false };
    });
  }

  async deleteMany(index: string, keys: readonly Buffer[], consistency?: Consistency): Promise<WriteOutcome[]> {
    return this.write(index, keys.length, consistency, { restore: false }, (i) => {
      const key = keys[i]!;
      validateKey(key);
      this.clockGuard.assertCanStamp();
      return { key, value: EMPTY, version: this.clock.now(), expiresAt: 0, tombstone: true };
    });
  }

  /**
   * Writes records with the versions they already carry (a restore), to the
   * same replicas and quorums as a put: each replica keeps whichever version
   * is newer, so writes made since the records were saved win.
   */
  async restoreMany(index: string, records: readonly ReplicaRecord[], consistency?: Consistency): Promise<WriteOutcome[]> {
    const { maxValueBytes } = this.options;
    // Restored records carry their original, older versions: losing to a newer one is the point (newer writes win), not a skewed clock.
    return this.write(index, records.length, consistency, { restore: true }, (i) => {
      const record = records[i]!;
      validateKey(record.key);
      validateValue(record.value, maxValueBytes);
      if (!isVersion(record.version)) throw new InvalidArgumentError(ErrorCode.InvalidArgument, 'a restored record needs a 12-byte version');
      return record;
    });
  }

  async lookupMany(index: string, keys: readonly Buffer[], consistency?: Consistency): Promise<LookupOutcome[]> {
    const n = keys.length;
    const outcomes = new Array<LookupOutcome>(n);
    const indexError = check(() => validateIndex(index));
    if (indexError) return keys.map(() => ({ error: indexError, found: false }));
    const c = consistency ?? this.options.consistency;
    const targets = new Array<string[] | undefined>(n);
    const replicas = new Uint8Array(n);
    const required = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const invalid = keyError(keys[i]!);
      if (invalid) {
        outcomes[i] = { error: invalid, found: false };
        continue;
      }
      const p = partitionOf(index, keys[i]!, this.options.partitions);
      replicas[i] = this.routing.preferenceList(p).length;
      required[i] = requiredReplicas(c, this.options.readQuorum, this.routing.homeCount(p));
      if (replicas[i] === 0 || required[i] === 0) {
        outcomes[i] = { error: this.unavailable(), found: false };
        continue;
      }
      targets[i] = this.routing.readTargets(p);
    }

    const { best, seen } = await runRead(this.context, { index, keys, targets, replicas, required, outcomes });
    const now = Date.now();
    const truncations = this.truncations;
    for (let i = 0; i < n; i++) {
      if (outcomes[i]) continue;
      // Read from a replica that has not heard of a truncation yet: gone all the same, and not repaired.
      if (best[i] && truncations.hides(index, best[i]!.version)) best[i] = undefined;
      const r = best[i];
      if (r) this.clock.observe(r.version);
      outcomes[i] = r && !r.tombstone && (r.expiresAt === 0 || r.expiresAt > now)
        ? { found: true, value: r.value, version: r.version, expiresAt: r.expiresAt }
        : { found: false };
    }
    if (this.options.readRepair) this.repair(index, keys, best, seen);
    return outcomes;
  }

  scan(params: ScanParams): AsyncIterable<ScanItem> {
    validateIndex(params.index);
    if (params.startAfter.length > 0) validateKey(params.startAfter);
    const members = this.routing.healthyMembers();
    if (members.length === 0) throw this.unavailable();
    const sources = members.map((m) => this.replica(m.id).scan({ index: params.index, prefix: params.prefix, limit: 0, startAfter: params.startAfter }, this.options.timeoutMs));
    return mergeScans(sources, params.index, this.options.partitions, params.limit, this.truncations);
  }

  /**
   * Truncates `index` (`ALL_INDEXES`: every index) at a version stamped now,
   * on every member known (truncate-round.ts). With `first` (a node
   * coordinating for a caller names itself), `started` says when it is in
   * force there. Throws `DSTASH_INVALID_INDEX`, `DSTASH_CLOCK_SKEW` (this
   * coordinator's clock is out of bounds) or `DSTASH_UNAVAILABLE` (no member known).
   */
  truncate(index: string, options: { first?: string } = {}): TruncationRun {
    validateTruncationTarget(index);
    this.clockGuard.assertCanStamp();
    const members = this.routing.memberList;
    if (members.length === 0) throw this.unavailable();
    const version = this.clock.now();
    this.observeTruncation(index, version);
    return runTruncate(index, version, members, (id) => this.replica(id), this.options.timeoutMs, options.first);
  }

  /**
   * Hears of a truncation (a node's coordinator, of those its store keeps):
   * from now on, what this coordinator reads of `index` at or below
   * `version` is absent, whatever replicas that missed it answer.
   */
  observeTruncation(index: string, version: Buffer): void {
    this.truncations = this.truncations.with(index, version) ?? this.truncations;
  }

  /** True when a record of `index` at `version` is gone by a truncation this coordinator knows. */
  truncated(index: string, version: Buffer): boolean {
    return this.truncations.hides(index, version);
  }

  /** Stamps and validates each record, then sends it to its partition's replicas and settles each at its quorum. */
  private async write(index: string, n: number, consistency: Consistency | undefined, mode: { restore: boolean }, build: (i: number) => ReplicaRecord): Promise<WriteOutcome[]> {
    const outcomes = new Array<WriteOutcome>(n);
    const indexError = check(() => validateIndex(index));
    if (indexError) return Array.from({ length: n }, () => ({ error: indexError }));
    const c = consistency ?? this.options.consistency;
    const records = new Array<ReplicaRecord | undefined>(n);
    const targets = new Array<PreferredReplica[]>(n);
    const partitions = new Uint32Array(n);
    const required = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      let record: ReplicaRecord;
      try {
        record = build(i);
      } catch (err) {
        outcomes[i] = { error: asError(err) };
        continue;
      }
      const p = partitionOf(index, record.key, this.options.partitions);
      const t = this.routing.preferenceList(p);
      partitions[i] = p;
      targets[i] = t;
      required[i] = requiredReplicas(c, this.options.writeQuorum, this.routing.homeCount(p));
      if (t.length === 0) {
        outcomes[i] = { error: this.unavailable() };
        continue;
      }
      records[i] = record;
    }
    const notApplied = new Map<number, string>();
    await runWrite(this.context, { index, consistency: c, records, partitions, targets, required, outcomes, notApplied });
    if (notApplied.size > 0 && !mode.restore) await this.clockGuard.settleSuperseded(index, records, notApplied, outcomes);
    return outcomes;
  }

  /** Sends the newest version to every replica that answered with an older one (in the background). */
  private repair(index: string, keys: readonly Buffer[], best: readonly (ReplicaValue | undefined)[], seen: readonly SeenAnswer[]): void {
    const plan = new Map<string, number[]>();
    for (const s of seen) {
      for (let j = 0; j < s.keys.length; j++) {
        const i = s.keys[j]!;
        const newest = best[i];
        if (!newest) continue;
        const had = s.values[j];
        if (had && compareVersions(had.version, newest.version) >= 0) continue;
        push(plan, s.nodeId, i);
      }
    }
    for (const [nodeId, list] of plan) {
      const records = list.map((i) => ({ key: keys[i]!, ...best[i]! }));
      this.stats.readRepairs += records.length;
      this.track(this.send(nodeId, (t) => t.apply(index, records, this.options.timeoutMs), 'background').catch((err: unknown) => {
        this.log.debug({ nodeId, keys: records.length, err: (err as Error).message }, 'read repair failed; anti-entropy will retry');
      }));
    }
  }

  private apply(members: readonly Member[]): void {
    const wasHealthy = new Set(this.routing.healthyMembers().map((m) => m.id));
    for (const id of this.routing.update(members)) {
      this.transports.get(id)?.close();
      this.transports.delete(id);
      for (const lanes of Object.values(this.lanes)) {
        lanes.get(id)?.close();
        lanes.delete(id);
      }
    }
    for (const m of members) {
      if (!m.healthy || wasHealthy.has(m.id)) continue;
      for (const lanes of Object.values(this.lanes)) lanes.get(m.id)?.readmit();
    }
    this.log.debug({ members: members.length, healthy: members.filter((m) => m.healthy).length }, 'membership');
    for (const listener of this.listeners) listener(members);
  }

  /** Runs `call` on the replica's transport in one of the replica's lanes (the callers' own traffic by default). */
  send<T>(nodeId: string, call: (transport: ReplicaTransport) => Promise<T>, kind: LaneKind = 'foreground'): Promise<T> {
    return this.lane(nodeId, kind).run(() => call(this.replica(nodeId)));
  }

  /** A lane of a replica (created on first use, dropped when the member leaves). */
  lane(nodeId: string, kind: LaneKind = 'foreground'): ReplicaLane {
    const lanes = this.lanes[kind];
    let lane = lanes.get(nodeId);
    if (!lane) {
      const { concurrency, stallMs, ejectMs } = this.options;
      const slots = kind === 'foreground' ? concurrency : Math.min(concurrency, BACKGROUND_CONCURRENCY);
      const mayEject = kind === 'foreground' ? (l: ReplicaLane, why: 'stall' | 'failures'): boolean => this.mayEject(l, why) : (l: ReplicaLane): boolean => this.lane(l.nodeId).ejected;
      lane = new ReplicaLane(nodeId, { concurrency: slots, stallMs, ejectMs, failuresToEject: FAILURES_TO_EJECT, mayEject }, (replica, ejected, reason) => {
        if (kind !== 'foreground') return;
        if (ejected) this.log.warn({ nodeId: replica, reason }, 'routing around a replica that stopped answering (outlier detection)');
        else this.log.info({ nodeId: replica }, 'replica answers again; routing to it');
        for (const listener of this.laneListeners) listener(replica, ejected, reason);
      });
      lanes.set(nodeId, lane);
    }
    return lane;
  }

  /**
   * Outlier detection's guard (as Envoy's max_ejection_percent): never eject
   * so many replicas that a majority of the members is routed around, and
   * call a replica stalled only while another one still answers, since when
   * none answers the slow part is this process or the whole machine.
   */
  private mayEject(lane: ReplicaLane, why: 'stall' | 'failures'): boolean {
    const members = this.routing.memberList.length;
    const ejected = this.ejectedReplicas().length;
    if (ejected + 1 > Math.floor((members - 1) / 2)) return false;
    if (why === 'failures') return true;
    const now = Date.now();
    const since = lane.oldestInFlight() ?? now;
    for (const other of this.lanes.foreground.values()) {
      if (other === lane || other.ejected) continue;
      // Another replica answers messages sent after this one's oldest, and has none waiting as long.
      if (other.lastAnswerAt > since && (other.oldestInFlight() ?? now) > now - this.options.stallMs) return true;
    }
    return false;
  }

  private track(work: Promise<unknown>): void {
    const tracked = work.catch((err: unknown) => this.log.warn({ err: (err as Error).message }, 'background work failed')).finally(() => this.background.delete(tracked));
    this.background.add(tracked);
  }

  /** The transport to a member (opened on first use, closed when the member leaves). */
  replica(nodeId: string): ReplicaTransport {
    let t = this.transports.get(nodeId);
    if (!t) {
      if (this.closed) throw new DstashError(ErrorCode.Closed, 'the client is closed');
      const member = this.routing.member(nodeId);
      if (!member) throw new DstashError(ErrorCode.Unavailable, `${nodeId} is no longer a member`);
      t = this.connect(member);
      this.transports.set(nodeId, t);
    }
    return t;
  }

  private unavailable(): DstashError {
    const members = this.routing.memberList;
    return new DstashError(
      ErrorCode.Unavailable,
      members.length === 0 ? 'no members known: check the peers or discovery options' : `no healthy replica among ${members.length} member(s)`,
    );
  }
}


function check(fn: () => void): DstashError | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return asError(err);
  }
}

function asError(err: unknown): DstashError {
  return err instanceof DstashError ? err : new DstashError(ErrorCode.Internal, (err as Error)?.message ?? String(err), { cause: err });
}
