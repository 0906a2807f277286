/**
 * The proposer of per-key Paxos (CASPaxos, Rystsov 2018; phases as in
 * Cassandra's Paxos v2): any SDK client or node runs one, there is no leader.
 *
 * One operation on one key:
 * 1. prepare a fresh ballot on the key's N home replicas; a majority of
 *    promises returns what each accepted and what each stores;
 * 2. the current value is the accepted value of the highest ballot, or the
 *    stored record when that is newer (a plain write, or the commit of a
 *    value whose acceptor state is gone);
 * 3. the operation's change function runs on it; when it writes, the new
 *    value is accepted under the ballot by a majority (it is chosen), then
 *    committed: written as a record to the home replicas (a majority awaited),
 *    so that plain reads see it. The record's version is the ballot.
 * A read, or a condition that fails, writes nothing: when the current value
 * is not yet committed on any replica that answered, it is first accepted
 * again under the new ballot and committed (the proposal in flight is
 * finished), so an answer never shows a value that could still be lost.
 *
 * Conflicts (a higher ballot was promised) retry with backoff until
 * `timeoutMs` runs out. Every attempt that sends a new value gets an id, and
 * the value carries the ids of the last operations that produced it: when an
 * accept went unanswered, the next attempt finds out from the register
 * whether it took effect, so an operation applies at most once. When that
 * cannot be known any more the operation fails with `DSTASH_TIMEOUT` (outcome
 * unknown); any other failure means it did not apply.
 */
import { randomBytes } from 'node:crypto';
import { MAX_REMEMBERED_OPS, OP_ID_BYTES, type RegisterValue } from '../../consensus/acceptor-state.js';
import type { AcceptorTransport, PrepareReply } from '../../consensus/acceptor-transport.js';
import { applyOperation, liveRecord, type SerialOperation, type SerialOutcome } from '../../consensus/serial-operation.js';
import type { Member } from '../../discovery/discovery.js';
import { DstashError, ErrorCode } from '../../errors.js';
import { validateIndex, validateKey, validateTtl, validateValue } from '../../limits.js';
import { partitionOf } from '../../placement/index.js';
import type { ApplyOutcome, ReplicaRecord, ReplicaValue } from '../../replica-types.js';
import { compareVersions, VERSION_BYTES } from '../../version.js';
import { AutoBatcher } from '../auto-batcher.js';
import type { Coordinator } from '../coordinator.js';
import { quorumRound } from './quorum-round.js';

/** Opens a transport to a member's acceptor. */
export type AcceptorFactory = (member: Member) => AcceptorTransport;

/** Runs linearizable single-key operations. */
export interface SerialCoordinator {
  /** Runs `op` on `key` of `index`; see {@link SerialOutcome}. */
  execute(index: string, key: Buffer, op: SerialOperation): Promise<SerialOutcome>;
}

/** Counters of what the proposer did; they only grow. */
export interface ProposerStats {
  /** Operations that completed (applied or not). */
  operations: number;
  /** Rounds retried after a conflict or a failed quorum. */
  retries: number;
  /** Proposals in flight that were finished on another's behalf. */
  finished: number;
}

/** Longest pause between two rounds of one operation. */
const MAX_BACKOFF_MS = 1000;

/** Bytes of a committed record besides its key and value (version, expiry, framing), about. */
const COMMIT_OVERHEAD = 32;

/** A chosen value on its way to one replica. */
interface Commit {
  nodeId: string;
  index: string;
  record: ReplicaRecord;
  /** How long its caller waits, in ms. */
  timeoutMs: number;
}

/** Proposes serial operations over the home replicas the coordinator's view names. */
export class Proposer implements SerialCoordinator {
  readonly stats: ProposerStats = { operations: 0, retries: 0, finished: 0 };
  private readonly acceptors = new Map<string, { address: string; transport: AcceptorTransport }>();
  private readonly unsubscribe: () => void;
  /** Commits of one tick, gathered per replica and index (as single puts are). */
  private readonly commits: AutoBatcher<Commit, ApplyOutcome>;
  private closed = false;

  constructor(
    private readonly coordinator: Coordinator,
    private readonly connect: AcceptorFactory,
  ) {
    this.unsubscribe = coordinator.onMembershipChange(() => this.dropDeparted());
    const { maxBatchEntries, maxBatchBytes } = coordinator.options;
    this.commits = new AutoBatcher((_group, commits) => this.sendCommits(commits), maxBatchEntries, {
      sizeOf: (c) => c.record.key.length + c.record.value.length + COMMIT_OVERHEAD,
      maxBytes: maxBatchBytes,
    });
  }

  async execute(index: string, key: Buffer, op: SerialOperation): Promise<SerialOutcome> {
    validateIndex(index);
    validateKey(key);
    const { partitions, timeoutMs, maxValueBytes } = this.coordinator.options;
    if (op.kind === 'set' || op.kind === 'append') validateValue(op.value, maxValueBytes);
    if (op.kind === 'set') validateTtl(op.ttlMs);
    const deadline = Date.now() + timeoutMs;
    const partition = partitionOf(index, key, partitions);
    const base = randomOpBytes();
    /** What each attempt that sent a value would answer, by attempt id. */
    const mine = new Map<string, SerialOutcome>();
    /** Attempts whose value some acceptor may hold. */
    const unsure = new Set<string>();
    let lastProblem = 'no attempt finished';
    let roundStarted = 0;

    for (let round = 0; ; round++) {
      if (this.closed) throw new DstashError(ErrorCode.Closed, 'the client is closed');
      if (round > 0) {
        // Randomised exponential backoff in units of the last round's duration, so that duelling proposers fall out of step.
        this.stats.retries += 1;
        const roundMs = Math.max(1, Date.now() - roundStarted);
        await sleep(Math.random() * Math.min(MAX_BACKOFF_MS, roundMs * 2 ** Math.min(round, 6), Math.max(0, deadline - Date.now())));
      }
      roundStarted = Date.now();
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw this.giveUp(unsure.size > 0, lastProblem);
      const homes = this.coordinator.view.placement.homeReplicas(partition);
      if (homes.length === 0) throw new DstashError(ErrorCode.Unavailable, 'no members known: check the peers or discovery options');
      const need = Math.floor(homes.length / 2) + 1;
      const clock = this.coordinator.clock;
      const ballot = clock.now();

      const prepared = await quorumRound(homes, need, (id) => this.acceptor(id).prepare(index, key, ballot, remaining), (r) => r.promised);
      if (!prepared.reached) {
        for (const r of prepared.no) clock.observe(r.promisedBallot);
        lastProblem = describe('prepare', prepared.yes.length, need, prepared.no.length, prepared.failed);
        continue;
      }
      const { current, committed } = currentValue(prepared.yes);
      if (current && compareVersions(current.record.version, ballot) >= 0) {
        // The register holds a version from a faster clock: the new one must be newer.
        clock.observe(current.record.version);
        lastProblem = 'the register holds a version newer than the ballot';
        continue;
      }

      // Only after an attempt of this operation sent a value (never in the first round) can the register hold it.
      const earlier = mine.size > 0 ? current?.ops.find((id) => mine.has(id.toString('hex'))) : undefined;
      if (earlier) {
        // An earlier attempt of this operation took effect: make sure it stays, and answer as it would have.
        if (!committed && !(await this.settle(index, key, ballot, current!, homes, need, remaining))) continue;
        return this.done(mine.get(earlier.toString('hex'))!);
      }
      if ([...unsure].some((hex) => !provablyAbsent(current, Buffer.from(hex, 'hex')))) {
        throw this.giveUp(true, 'too many other operations changed the key meanwhile to tell whether an unanswered attempt took effect');
      }

      const now = Date.now();
      // A value accepted before a truncation of the index (FLUSHDB) is gone: the operation sees the key absent. The register's
      // history (`current`, its ops) still decides whether an earlier attempt took effect.
      const visible = current && this.coordinator.truncated(index, current.record.version) ? undefined : current?.record;
      const change = applyOperation(op, liveRecord(visible, now), ballot, now, maxValueBytes);
      if (!change.write) {
        // With an attempt unanswered, a value is chosen under this ballot even when committed already:
        // from then on no lower ballot, the attempt's included, can ever be chosen.
        if ((!committed || unsure.size > 0) && !(await this.settle(index, key, ballot, current ?? absentAt(ballot), homes, need, remaining))) continue;
        return this.done(change.outcome);
      }

      const id = attemptId(ballot, base);
      const hex = id.toString('hex');
      mine.set(hex, change.outcome);
      unsure.add(hex);
      const value: RegisterValue = { record: change.write, ops: [id, ...(current?.ops ?? [])].slice(0, MAX_REMEMBERED_OPS) };
      const accepted = await quorumRound(homes, need, (nodeId) => this.acceptor(nodeId).accept(index, key, ballot, value, remaining), (r) => r.accepted);
      if (!accepted.reached) {
        for (const r of accepted.no) clock.observe(r.promisedBallot);
        // Refused by every home replica: no acceptor holds it, it can never take effect.
        if (accepted.no.length === homes.length) unsure.delete(hex);
        lastProblem = describe('accept', accepted.yes.length, need, accepted.no.length, accepted.failed);
        continue;
      }
      await this.commit(index, key, change.write, homes, need, remaining);
      return this.done(change.outcome);
    }
  }

  /** Closes the acceptor connections. */
  close(): void {
    this.closed = true;
    this.unsubscribe();
    for (const { transport } of this.acceptors.values()) transport.close();
    this.acceptors.clear();
  }

  /** Accepts `current` again under `ballot` and commits it; false when the accept did not reach a quorum. */
  private async settle(index: string, key: Buffer, ballot: Buffer, current: RegisterValue, homes: readonly string[], need: number, timeoutMs: number): Promise<boolean> {
    const accepted = await quorumRound(homes, need, (id) => this.acceptor(id).accept(index, key, ballot, current, timeoutMs), (r) => r.accepted);
    if (!accepted.reached) {
      for (const r of accepted.no) this.coordinator.clock.observe(r.promisedBallot);
      return false;
    }
    this.stats.finished += 1;
    await this.commit(index, key, current.record, homes, need, timeoutMs);
    return true;
  }

  /**
   * Writes a chosen value as a record to the home replicas, awaiting a
   * majority (or every answer). The value is chosen already: a replica that
   * missed the commit gets it from anti-entropy, read repair or the next
   * serial operation on the key.
   */
  private async commit(index: string, key: Buffer, record: ReplicaValue, homes: readonly string[], need: number, timeoutMs: number): Promise<void> {
    const entry = { key, ...record };
    await quorumRound(homes, need, (nodeId) => this.commits.add(`${nodeId}\0${index}`, { nodeId, index, record: entry, timeoutMs }), (r) => !r.error);
  }

  /** Writes the commits of one tick bound for one replica and index as one Apply message. */
  private async sendCommits(commits: readonly Commit[]): Promise<ApplyOutcome[]> {
    const { nodeId, index } = commits[0]!;
    return this.coordinator.replica(nodeId).apply(index, commits.map((c) => c.record), Math.max(...commits.map((c) => c.timeoutMs)));
  }

  private done(outcome: SerialOutcome): SerialOutcome {
    this.stats.operations += 1;
    return outcome;
  }

  private giveUp(unknown: boolean, problem: string): DstashError {
    return unknown
      ? new DstashError(ErrorCode.Timeout, `serial operation outcome unknown: it may have applied (${problem})`)
      : new DstashError(ErrorCode.Unavailable, `serial operation not applied: ${problem}`);
  }

  private acceptor(nodeId: string): AcceptorTransport {
    const member = this.coordinator.view.member(nodeId);
    if (!member) throw new DstashError(ErrorCode.Unavailable, `${nodeId} is no longer a member`);
    let entry = this.acceptors.get(nodeId);
    if (!entry || entry.address !== member.address) {
      entry?.transport.close();
      entry = { address: member.address, transport: this.connect(member) };
      this.acceptors.set(nodeId, entry);
    }
    return entry.transport;
  }

  private dropDeparted(): void {
    for (const [id, entry] of this.acceptors) {
      if (this.coordinator.view.member(id)?.address !== entry.address) {
        entry.transport.close();
        this.acceptors.delete(id);
      }
    }
  }
}

/**
 * The register's current value among a quorum's promises: the accepted value
 * of the highest ballot, unless a stored record is newer; and whether it is
 * known to be committed (some replica stores it or a newer record).
 */
export function currentValue(promises: readonly PrepareReply[]): { current?: RegisterValue; committed: boolean } {
  let best: PrepareReply | undefined;
  let stored: ReplicaValue | undefined;
  for (const p of promises) {
    if (p.accepted && (!best || compareVersions(p.acceptedBallot, best.acceptedBallot) > 0)) best = p;
    if (p.stored && (!stored || compareVersions(p.stored.version, stored.version) > 0)) stored = p.stored;
  }
  let current = best?.accepted;
  if (stored && (!current || compareVersions(stored.version, current.record.version) > 0)) current = { record: stored, ops: [] };
  const committed = !current || (stored !== undefined && compareVersions(stored.version, current.record.version) >= 0);
  return { current, committed };
}

/** Random bytes drawn at a time: one call to the generator serves many operations. */
const RANDOM_POOL_BYTES = 4096;
let randomPool = Buffer.alloc(0);
let randomAt = 0;

/** Fresh random bytes for one operation's attempt ids (a view of a pool that is never reused). */
function randomOpBytes(): Buffer {
  const n = OP_ID_BYTES - VERSION_BYTES;
  if (randomAt + n > randomPool.length) {
    randomPool = randomBytes(RANDOM_POOL_BYTES);
    randomAt = 0;
  }
  randomAt += n;
  return randomPool.subarray(randomAt - n, randomAt);
}

/** An attempt's id: its ballot, then the operation's random bytes. */
function attemptId(ballot: Buffer, base: Buffer): Buffer {
  return Buffer.concat([ballot, base]);
}

/**
 * True when the attempt `id` is provably not part of the register's history
 * up to `current`: it is not among the remembered operations, and they reach
 * back past its ballot (or are all there is). Operation ids start with their
 * ballot, and the remembered ones are newest first.
 */
export function provablyAbsent(current: RegisterValue | undefined, id: Buffer): boolean {
  if (!current) return true;
  if (current.ops.some((op) => op.equals(id))) return false;
  const oldest = current.ops[current.ops.length - 1];
  return current.ops.length < MAX_REMEMBERED_OPS || (oldest !== undefined && compareVersions(oldest.subarray(0, VERSION_BYTES), id.subarray(0, VERSION_BYTES)) < 0);
}

/** "Absent" as a value to choose: a tombstone under the ballot (a key nothing was written to, settled). */
function absentAt(ballot: Buffer): RegisterValue {
  return { record: { value: Buffer.alloc(0), version: ballot, expiresAt: 0, tombstone: true }, ops: [] };
}

function describe(phase: string, yes: number, need: number, no: number, failed: readonly { nodeId: string; error: Error }[]): string {
  const failures = failed.map((f) => `${f.nodeId} (${f.error.message})`).join(', ');
  return `${phase}: ${yes}/${need} home replicas agreed, ${no} promised a higher ballot${failures ? `, failed: ${failures}` : ''}`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
