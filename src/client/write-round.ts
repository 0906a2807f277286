/**
 * One batched write, settled at quorum (DESIGN.md, "Quorums settle at W/R").
 *
 * Every record goes to its preference list at once; each key is answered as
 * soon as W replicas acknowledged it (or it can no longer get there), and the
 * caller is answered when every key is. Replicas still working finish in the
 * background. A home replica that failed a record sends it on to a stand-in
 * with a hint, and once every replica has answered or given up, each home
 * replica that holds neither the write nor a stand-in's hint for it gets a
 * durable hint on a replica that acknowledged the write: every missed write
 * comes back when the replica answers again, at exactly N members too.
 */
import { DstashError, ErrorCode, WriteQuorumError, type ReplicaReply } from '../errors.js';
import type { PreferredReplica } from '../placement/index.js';
import type { ReplicaRecord } from '../replica-types.js';
import type { Consistency } from './client-options.js';
import type { WriteOutcome } from './coordinator-types.js';
import { planMessages, WritePlan, type WriteTarget } from './message-plan.js';
import { addFailure, messageOf, withAnswered, type RoundContext } from './round-context.js';

/** A write of prepared records: `records[i]` undefined where `outcomes[i]` is already set (bad input). */
export interface WriteRequest {
  index: string;
  consistency: Consistency;
  records: (ReplicaRecord | undefined)[];
  partitions: Uint32Array;
  targets: PreferredReplica[][];
  required: Uint8Array;
  outcomes: WriteOutcome[];
  /** Filled, until the caller is answered, with a replica per key that did not apply it because it held a newer version. */
  notApplied?: Map<number, string>;
}

/** Runs the write; resolves when every key has its outcome (work on slow replicas and hints goes on in the background). */
export function runWrite(ctx: RoundContext, w: WriteRequest): Promise<WriteOutcome[]> {
  return new WriteRound(ctx, w).run();
}

class WriteRound {
  private readonly n: number;
  private readonly acks: Uint8Array;
  private readonly homeAcks: Uint8Array;
  /** Messages in flight per key. */
  private readonly outstanding: Uint16Array;
  /** Replicas that acknowledged each key, home replicas and stand-ins, in answer order. */
  private readonly ackedBy: (string[] | undefined)[];
  /** Home replicas whose miss a stand-in keeps a hint for, per key. */
  private readonly covered: (string[] | undefined)[];
  private readonly failures = new Map<number, ReplicaReply[]>();
  private readonly rejected = new Map<number, DstashError>();
  private unsettled = 0;
  private messagesOut = 0;
  private answer!: (outcomes: WriteOutcome[]) => void;
  private quiet!: () => void;
  private readonly allAnswered = new Promise<void>((resolve) => {
    this.quiet = resolve;
  });

  constructor(
    private readonly ctx: RoundContext,
    private readonly w: WriteRequest,
  ) {
    this.n = w.records.length;
    this.acks = new Uint8Array(this.n);
    this.homeAcks = new Uint8Array(this.n);
    this.outstanding = new Uint16Array(this.n);
    this.ackedBy = new Array<string[] | undefined>(this.n);
    this.covered = new Array<string[] | undefined>(this.n);
  }

  run(): Promise<WriteOutcome[]> {
    const answered = new Promise<WriteOutcome[]>((resolve) => {
      this.answer = resolve;
    });
    const plan = new WritePlan();
    for (let i = 0; i < this.n; i++) {
      if (!this.w.records[i]) continue;
      this.unsettled += 1;
      for (const replica of this.w.targets[i]!) plan.add(replica.id, replica.hintFor, i);
    }
    if (this.unsettled === 0) this.answer(this.w.outcomes);
    this.dispatch(plan);
    if (this.messagesOut === 0) this.quiet();
    this.ctx.track(this.allAnswered.then(() => this.leaveHints()));
    return answered;
  }

  private sizeOf = (i: number): number => this.w.records[i]!.key.length + this.w.records[i]!.value.length;

  private dispatch(plan: WritePlan): void {
    let last: { entries: number[]; batch: ReplicaRecord[] } | undefined;
    for (const m of planMessages(plan, this.sizeOf, this.ctx.options)) {
      for (const i of m.entries) this.outstanding[i]! += 1;
      this.messagesOut += 1;
      // Replicas that get the same records get the same array, which the codec encodes once.
      if (!last || !sameEntries(last.entries, m.entries)) last = { entries: m.entries, batch: m.entries.map((i) => this.w.records[i]!) };
      void this.send(m.target, m.entries, last.batch);
    }
  }

  private async send({ nodeId, hintFor }: WriteTarget, entries: number[], batch: readonly ReplicaRecord[]): Promise<void> {
    const { index } = this.w;
    const retry = new WritePlan();
    const failed = (i: number, message: string): void => {
      addFailure(this.failures, i, nodeId, message);
      if (hintFor !== undefined) return;
      // A home replica that failed (down before discovery noticed): the record goes to a stand-in with a hint.
      const standIn = this.standIn(i);
      if (standIn) retry.add(standIn, nodeId, i);
    };
    try {
      const results = await this.ctx.send(nodeId, (t) => t.apply(index, batch, this.ctx.options.timeoutMs, hintFor));
      this.ctx.stats.batchMessages += 1;
      for (let j = 0; j < entries.length; j++) {
        const i = entries[j]!;
        const error = results[j]!.error;
        if (error?.code.startsWith('DSTASH_INVALID') || error?.code === ErrorCode.ClockSkew) {
          // The replicas agree on what is invalid (and on a version too far ahead): no stand-in would take it either.
          this.rejected.set(i, error);
          addFailure(this.failures, i, nodeId, error.message);
        } else if (error) {
          failed(i, error.message);
        } else {
          // Applied or not (a newer version was already there), the replica holds this write or a newer one.
          this.acks[i]! += 1;
          if (!results[j]!.applied && this.unsettled > 0) this.w.notApplied?.set(i, nodeId);
          if (hintFor === undefined) this.homeAcks[i]! += 1;
          else (this.covered[i] ??= []).push(hintFor);
          (this.ackedBy[i] ??= []).push(nodeId);
        }
      }
    } catch (err) {
      const message = messageOf(err);
      for (const i of entries) failed(i, message);
    }
    for (const i of entries) this.outstanding[i]! -= 1;
    this.dispatch(retry);
    for (const i of entries) this.settle(i);
    if (--this.messagesOut === 0) this.quiet();
  }

  /** Gives key `i` its outcome once it has its quorum, or once no answer that could make it is left. */
  private settle(i: number): void {
    if (this.w.outcomes[i]) return;
    // ALL means every home replica: stand-ins holding hints do not count.
    const got = this.w.consistency === 'ALL' ? this.homeAcks[i]! : this.acks[i]!;
    if (got >= this.w.required[i]!) {
      this.w.outcomes[i] = { version: this.w.records[i]!.version };
    } else if (this.outstanding[i] === 0) {
      this.ctx.stats.writeQuorumFailures += 1;
      const targets = this.w.targets[i]!;
      this.w.outcomes[i] = {
        error: this.rejected.get(i) ?? new WriteQuorumError(this.w.required[i]!, withAnswered(this.failures.get(i) ?? [], targets.map((t) => t.id), targets.length)),
      };
    } else {
      return;
    }
    if (--this.unsettled === 0) this.answer(this.w.outcomes);
  }

  /** The first healthy member after the preference list in the ranking of the key's partition. */
  private standIn(i: number): string | undefined {
    const targets = this.w.targets[i]!;
    for (const id of this.ctx.routing.readTargets(this.w.partitions[i]!)) {
      if (!targets.some((t) => t.id === id)) return id;
    }
    return undefined;
  }

  /**
   * Once every replica has answered or given up: for each home replica that
   * neither acknowledged a key nor has a stand-in's hint for it, a hint on a
   * replica that acknowledged the key (the next one when one fails).
   */
  private async leaveHints(): Promise<void> {
    const work: Promise<void>[] = [];
    const { placement } = this.ctx.routing;
    for (let i = 0; i < this.n; i++) {
      const acked = this.ackedBy[i];
      if (!acked || this.rejected.has(i)) continue;
      const homes = placement.homeReplicas(this.w.partitions[i]!);
      // The common case: every home replica acknowledged.
      if (this.homeAcks[i] === homes.length) continue;
      for (const home of homes) {
        if (acked.includes(home) || this.covered[i]?.includes(home)) continue;
        work.push(this.hint(i, home, acked));
      }
    }
    await Promise.all(work);
  }

  private async hint(i: number, home: string, holders: readonly string[]): Promise<void> {
    for (const holder of holders) {
      if (await this.ctx.hints.add(holder, home, this.w.index, this.w.records[i]!)) {
        this.ctx.stats.hintsWritten += 1;
        return;
      }
    }
    this.ctx.stats.hintsFailed += 1;
  }
}

function sameEntries(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
