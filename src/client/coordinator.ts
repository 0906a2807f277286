/**
 * The coordinator: routes each key to its replicas, stamps writes with HLC
 * versions, counts quorums per key, reads the newest version and repairs
 * stale replicas (DESIGN.md, Consistency). The SDK client runs one; a node
 * runs one for callers that do not route.
 *
 * Batches: keys are grouped by replica and split into messages of bounded
 * size; messages run in parallel under one concurrency limit; quorum is
 * counted per key, and each key gets its own outcome.
 */
import pLimit, { type LimitFunction } from 'p-limit';
import type { Discovery, Member } from '../discovery/discovery.js';
import { DstashError, ErrorCode, ReadQuorumError, WriteQuorumError, type ReplicaReply } from '../errors.js';
import { validateIndex, validateKey, validateTtl, validateValue } from '../limits.js';
import { logger, type Logger } from '../logger.js';
import { partitionOf, type PreferredReplica } from '../placement/index.js';
import type { ReplicaRecord, ReplicaTransport, ReplicaValue } from '../protocol/replica-types.js';
import { compareVersions, HybridClock } from '../version.js';
import { ClockGuard } from './clock-guard.js';
import { requiredReplicas, resolveCoordinatorOptions, type Consistency, type CoordinatorOptions } from './client-options.js';
import type { KvCoordinator, LookupOutcome, PutItem, ScanItem, ScanParams, WriteOutcome } from './coordinator-types.js';
import { planMessages } from './message-plan.js';
import { mergeScans } from './scan-merge.js';
import { Routing } from './routing.js';

const EMPTY = Buffer.alloc(0);
/** Joins a stand-in's id and the home replica it keeps hints for in a message target (ids cannot hold a NUL). */
const HINT_SEPARATOR = '\0';

/** Counters of what the coordinator did; they only grow. */
export interface CoordinatorStats {
  /** Batch messages sent to replicas (applies and reads). */
  batchMessages: number;
  /** Records sent to stale replicas by read repair. */
  readRepairs: number;
  /** Writes that failed their quorum. */
  writeQuorumFailures: number;
  /** Reads that failed their quorum. */
  readQuorumFailures: number;
}

/** Opens a transport to a member. */
export type TransportFactory = (member: Member) => ReplicaTransport;

/** Coordinates requests over the members that `discovery` reports. */
export class Coordinator implements KvCoordinator {
  readonly options: CoordinatorOptions;
  readonly clock: HybridClock;
  /** Clock offsets to the members, and the bounds on the versions this coordinator stamps. */
  readonly clockGuard: ClockGuard;
  readonly stats: CoordinatorStats = { batchMessages: 0, readRepairs: 0, writeQuorumFailures: 0, readQuorumFailures: 0 };
  private readonly routing: Routing;
  private readonly transports = new Map<string, ReplicaTransport>();
  private readonly limit: LimitFunction;
  private readonly log: Logger;
  private unsubscribe?: () => void;
  private readonly listeners = new Set<(members: readonly Member[]) => void>();
  private closed = false;

  constructor(
    private readonly discovery: Discovery,
    private readonly connect: TransportFactory,
    options: Partial<CoordinatorOptions> = {},
  ) {
    this.options = resolveCoordinatorOptions(options);
    this.routing = new Routing(this.options.partitions, this.options.replicas);
    this.limit = pLimit(this.options.concurrency);
    this.log = logger('coordinator');
    this.clock = new HybridClock(undefined, Date.now, this.options.maxClockOffsetMs);
    this.clockGuard = new ClockGuard(this.options, () => this.routing.memberList, (id) => this.replica(id), this.log);
  }

  /** Starts discovery and follows its membership changes. */
  async start(): Promise<void> {
    await this.discovery.start();
    this.apply(this.discovery.members());
    this.unsubscribe = this.discovery.onChange((members) => this.apply(members));
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

  /** Stops following membership and closes every connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.clockGuard.stop();
    this.unsubscribe?.();
    for (const t of this.transports.values()) t.close();
    this.transports.clear();
    await this.discovery.close();
  }

  async putMany(index: string, items: readonly PutItem[], consistency?: Consistency): Promise<WriteOutcome[]> {
    const now = Date.now();
    const { maxValueBytes } = this.options;
    return this.write(index, items.length, consistency, (i) => {
      const item = items[i]!;
      validateKey(item.key);
      validateValue(item.value, maxValueBytes);
      validateTtl(item.ttlMs);
      this.clockGuard.assertCanStamp();
      return { key: item.key, value: item.value, version: this.clock.now(), expiresAt: item.ttlMs > 0 ? now + item.ttlMs : 0, tombstone: false };
    });
  }

  async deleteMany(index: string, keys: readonly Buffer[], consistency?: Consistency): Promise<WriteOutcome[]> {
    return this.write(index, keys.length, consistency, (i) => {
      const key = keys[i]!;
      validateKey(key);
      this.clockGuard.assertCanStamp();
      return { key, value: EMPTY, version: this.clock.now(), expiresAt: 0, tombstone: true };
    });
  }

  async lookupMany(index: string, keys: readonly Buffer[], consistency?: Consistency): Promise<LookupOutcome[]> {
    const outcomes = new Array<LookupOutcome>(keys.length);
    const indexError = check(() => validateIndex(index));
    if (indexError) return keys.map(() => ({ error: indexError, found: false }));
    const c = consistency ?? this.options.consistency;
    const n = keys.length;
    const targets = new Array<string[]>(n);
    const replicas = new Uint8Array(n);
    const required = new Uint8Array(n);
    const answers = new Uint8Array(n);
    const syncingAnswers = new Uint8Array(n);
    const next = new Uint8Array(n);
    // Past the preference list only when a replica said it is still receiving the partition.
    const reach = (i: number): number => (syncingAnswers[i]! > 0 ? targets[i]!.length : replicas[i]!);
    const best = new Array<ReplicaValue | undefined>(n);
    const failures = new Map<number, ReplicaReply[]>();
    const seen: { nodeId: string; keys: number[]; values: (ReplicaValue | undefined)[] }[] = [];

    let pending: number[] = [];
    for (let i = 0; i < n; i++) {
      const keyError = check(() => validateKey(keys[i]!));
      if (keyError) {
        outcomes[i] = { error: keyError, found: false };
        continue;
      }
      const p = partitionOf(index, keys[i]!, this.options.partitions);
      targets[i] = this.routing.readTargets(p);
      replicas[i] = this.routing.preferenceList(p).length;
      required[i] = requiredReplicas(c, this.options.readQuorum, this.routing.homeCount(p));
      if (replicas[i] === 0 || required[i] === 0) {
        outcomes[i] = { error: this.unavailable(), found: false };
        continue;
      }
      pending.push(i);
    }

    // Rounds: ask as many replicas as answers are still missing; expand to the next ones when some fail.
    while (pending.length > 0) {
      const plan = new Map<string, number[]>();
      for (const i of pending) {
        const want = required[i]! - answers[i]!;
        for (let k = 0; k < want && next[i]! < reach(i); k++) {
          push(plan, targets[i]![next[i]!++]!, i);
        }
      }
      if (plan.size === 0) break;
      const messages = planMessages(plan, (i) => keys[i]!.length, this.options);
      await Promise.all(messages.map((m) => this.limit(async () => {
        const batch = m.entries.map((i) => keys[i]!);
        try {
          const results = await this.replica(m.nodeId).read(index, batch, this.options.timeoutMs);
          this.stats.batchMessages += 1;
          const values: (ReplicaValue | undefined)[] = new Array(m.entries.length);
          for (let j = 0; j < m.entries.length; j++) {
            const i = m.entries[j]!;
            const r = results[j]!;
            if (r.error) {
              addFailure(failures, i, m.nodeId, r.error.message);
              continue;
            }
            if (r.syncing) syncingAnswers[i]! += 1;
            else answers[i]! += 1;
            values[j] = r.record;
            if (r.record && (!best[i] || compareVersions(r.record.version, best[i]!.version) > 0)) best[i] = r.record;
          }
          seen.push({ nodeId: m.nodeId, keys: m.entries, values });
        } catch (err) {
          for (const i of m.entries) addFailure(failures, i, m.nodeId, (err as Error).message);
        }
      })));
      pending = pending.filter((i) => answers[i]! < required[i]! && next[i]! < reach(i));
    }

    const now = Date.now();
    for (let i = 0; i < n; i++) {
      if (outcomes[i]) continue;
      // Replicas still receiving the partition count when no others are left (a cluster that has just formed).
      if (answers[i]! + syncingAnswers[i]! < required[i]!) {
        this.stats.readQuorumFailures += 1;
        const replies: ReplicaReply[] = (failures.get(i) ?? []).slice();
        outcomes[i] = { error: new ReadQuorumError(required[i]!, withAnswered(replies, targets[i]!, next[i]!)), found: false };
        continue;
      }
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
    return mergeScans(sources, params.index, this.options.partitions, params.limit);
  }

  /** Sends each record to its partition's replicas and counts acknowledgements per record. */
  private async write(index: string, n: number, consistency: Consistency | undefined, build: (i: number) => ReplicaRecord): Promise<WriteOutcome[]> {
    const outcomes = new Array<WriteOutcome>(n);
    const indexError = check(() => validateIndex(index));
    if (indexError) return Array.from({ length: n }, () => ({ error: indexError }));
    const c = consistency ?? this.options.consistency;
    const records = new Array<ReplicaRecord>(n);
    const targets = new Array<PreferredReplica[]>(n);
    const partitions = new Uint32Array(n);
    const required = new Uint8Array(n);
    const plan = new Map<string, number[]>();
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
      records[i] = record;
      partitions[i] = p;
      targets[i] = t;
      required[i] = requiredReplicas(c, this.options.writeQuorum, this.routing.homeCount(p));
      if (t.length === 0) {
        outcomes[i] = { error: this.unavailable() };
        continue;
      }
      for (const replica of t) {
        // A stand-in gets its records in messages of their own, marked with the home replica it keeps hints for.
        push(plan, replica.hintFor === undefined ? replica.id : `${replica.id}${HINT_SEPARATOR}${replica.hintFor}`, i);
      }
    }

    const acks = new Uint8Array(n);
    const homeAcks = new Uint8Array(n);
    const failures = new Map<number, ReplicaReply[]>();
    const rejected = new Map<number, DstashError>();
    // Per record, a replica that did not apply it because it held a newer version.
    const notApplied = new Map<number, string>();
    // Home replicas that failed a record (down before discovery noticed): the record goes to a stand-in with a hint.
    const retry = new Map<string, number[]>();
    const send = async (target: string, entries: number[]): Promise<void> => {
      const batch = entries.map((i) => records[i]!);
      const [nodeId, hintFor] = target.split(HINT_SEPARATOR) as [string, string | undefined];
      const failed = (i: number, message: string): void => {
        addFailure(failures, i, nodeId, message);
        if (hintFor === undefined) {
          const standIn = this.standIn(partitions[i]!, targets[i]!);
          if (standIn) push(retry, `${standIn}${HINT_SEPARATOR}${nodeId}`, i);
        }
      };
      try {
        const results = await this.replica(nodeId).apply(index, batch, this.options.timeoutMs, hintFor);
        this.stats.batchMessages += 1;
        for (let j = 0; j < entries.length; j++) {
          const i = entries[j]!;
          const error = results[j]!.error;
          if (error?.code.startsWith('DSTASH_INVALID') || error?.code === ErrorCode.ClockSkew) {
            // The replicas agree on what is invalid (and a version too far ahead): no stand-in would take it either.
            rejected.set(i, error);
            addFailure(failures, i, nodeId, error.message);
            continue;
          }
          if (error) {
            failed(i, error.message);
            continue;
          }
          // Applied or not (a newer version was already there), the replica holds this write or a newer one.
          acks[i]! += 1;
          if (!results[j]!.applied) notApplied.set(i, nodeId);
          if (hintFor === undefined) homeAcks[i]! += 1;
        }
      } catch (err) {
        for (const i of entries) failed(i, (err as Error).message);
      }
    };
    const sizeOf = (i: number): number => records[i]!.key.length + records[i]!.value.length;
    await Promise.all(planMessages(plan, sizeOf, this.options).map((m) => this.limit(() => send(m.nodeId, m.entries))));
    if (retry.size > 0) await Promise.all(planMessages(retry, sizeOf, this.options).map((m) => this.limit(() => send(m.nodeId, m.entries))));

    for (let i = 0; i < n; i++) {
      if (outcomes[i]) continue;
      // ALL means every home replica: stand-ins holding hints do not count.
      const got = c === 'ALL' ? homeAcks[i]! : acks[i]!;
      if (got >= required[i]!) {
        outcomes[i] = { version: records[i]!.version };
      } else {
        this.stats.writeQuorumFailures += 1;
        const invalid = rejected.get(i);
        outcomes[i] = {
          error: invalid ?? new WriteQuorumError(required[i]!, withAnswered(failures.get(i) ?? [], targets[i]!.map((t) => t.id), targets[i]!.length)),
        };
      }
    }
    if (notApplied.size > 0) await this.clockGuard.settleSuperseded(index, records.map((r) => r.key), records.map((r) => r.version), notApplied, outcomes);
    return outcomes;
  }

  /** Sends the newest version to every replica that answered with an older one (in the background). */
  private repair(index: string, keys: readonly Buffer[], best: readonly (ReplicaValue | undefined)[], seen: readonly { nodeId: string; keys: number[]; values: (ReplicaValue | undefined)[] }[]): void {
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
      void this.limit(() => this.replica(nodeId).apply(index, records, this.options.timeoutMs)).catch((err: unknown) => {
        this.log.debug({ nodeId, keys: records.length, err: (err as Error).message }, 'read repair failed; anti-entropy will retry');
      });
    }
  }

  private apply(members: readonly Member[]): void {
    for (const id of this.routing.update(members)) {
      this.transports.get(id)?.close();
      this.transports.delete(id);
    }
    this.log.debug({ members: members.length, healthy: members.filter((m) => m.healthy).length }, 'membership');
    for (const listener of this.listeners) listener(members);
  }

  /** The first healthy member after the preference list in the ranking of `partition`: the stand-in for a failed write. */
  private standIn(partition: number, targets: readonly PreferredReplica[]): string | undefined {
    for (const id of this.routing.readTargets(partition)) {
      if (!targets.some((t) => t.id === id)) return id;
    }
    return undefined;
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

function push(plan: Map<string, number[]>, target: string, i: number): void {
  let list = plan.get(target);
  if (!list) plan.set(target, (list = []));
  list.push(i);
}

function addFailure(failures: Map<number, ReplicaReply[]>, i: number, nodeId: string, error: string): void {
  let list = failures.get(i);
  if (!list) failures.set(i, (list = []));
  list.push({ nodeId, ok: false, error });
}

/** The replies for a key: the failures, and every asked replica that did not fail as having answered. */
function withAnswered(failures: readonly ReplicaReply[], targets: readonly string[], asked: number): ReplicaReply[] {
  const failed = new Set(failures.map((f) => f.nodeId));
  const replies = failures.slice();
  for (let k = 0; k < asked; k++) {
    const id = targets[k]!;
    if (!failed.has(id)) replies.push({ nodeId: id, ok: true });
  }
  return replies;
}

