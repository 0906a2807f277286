/**
 * One batched read, settled at quorum with speculative retry (DESIGN.md,
 * "Quorums settle at W/R"; Cassandra's `speculative_retry`).
 *
 * Each key is first asked of R replicas. A replica that fails, answers that
 * it is still receiving the partition, or has not answered within its recent
 * p99 latency is replaced by the next replica in the key's read order, once
 * per message. Each key is answered when R replicas answered (or none is
 * left to ask); the caller is answered when every key is, and late answers
 * are dropped. The newest version wins, and the replicas that answered with
 * an older one are repaired in the background.
 */
import { ReadQuorumError, type ReplicaReply } from '../errors.js';
import type { ReadOutcome, ReplicaValue } from '../replica-types.js';
import { compareVersions } from '../version.js';
import type { LookupOutcome } from './coordinator-types.js';
import { planMessages } from './message-plan.js';
import { addFailure, messageOf, push, withAnswered, type RoundContext } from './round-context.js';

/** A read of validated keys: `targets[i]` undefined where `outcomes[i]` is already set. */
export interface ReadRequest {
  index: string;
  keys: readonly Buffer[];
  /** Whom each key may be asked, in order. */
  targets: (string[] | undefined)[];
  /** How many of `targets` form the preference list (the rest only while a replica is still receiving the partition). */
  replicas: Uint8Array;
  required: Uint8Array;
  outcomes: LookupOutcome[];
}

/** What one replica answered for some keys (read repair compares it with the newest). */
export interface SeenAnswer {
  nodeId: string;
  keys: number[];
  values: (ReplicaValue | undefined)[];
}

/** The answers of a read: the newest value of each key and who answered what. */
export interface ReadResult {
  best: (ReplicaValue | undefined)[];
  seen: SeenAnswer[];
}

/** Runs the read; resolves once every key has enough answers or none is left to ask. */
export function runRead(ctx: RoundContext, r: ReadRequest): Promise<ReadResult> {
  return new ReadRound(ctx, r).run();
}

class ReadRound {
  private readonly n: number;
  private readonly answers: Uint8Array;
  private readonly syncingAnswers: Uint8Array;
  private readonly next: Uint8Array;
  private readonly outstanding: Uint8Array;
  private readonly done: Uint8Array;
  private readonly best: (ReplicaValue | undefined)[];
  private readonly seen: SeenAnswer[] = [];
  private readonly failures = new Map<number, ReplicaReply[]>();
  private open = 0;
  private escalations = new Map<string, number[]>();
  private flushQueued = false;
  private finish!: () => void;

  constructor(
    private readonly ctx: RoundContext,
    private readonly r: ReadRequest,
  ) {
    this.n = r.keys.length;
    this.answers = new Uint8Array(this.n);
    this.syncingAnswers = new Uint8Array(this.n);
    this.next = new Uint8Array(this.n);
    this.outstanding = new Uint8Array(this.n);
    this.done = new Uint8Array(this.n);
    this.best = new Array<ReplicaValue | undefined>(this.n);
  }

  async run(): Promise<ReadResult> {
    const finished = new Promise<void>((resolve) => {
      this.finish = resolve;
    });
    const plan = new Map<string, number[]>();
    for (let i = 0; i < this.n; i++) {
      if (!this.r.targets[i]) continue;
      this.open += 1;
      for (let k = 0; k < this.r.required[i]! && this.next[i]! < this.reach(i); k++) {
        this.outstanding[i]! += 1;
        push(plan, this.r.targets[i]![this.next[i]!++]!, i);
      }
    }
    if (this.open === 0) this.finish();
    this.dispatch(plan);
    await finished;
    this.conclude();
    return { best: this.best, seen: this.seen };
  }

  /** Past the preference list only when a replica said it is still receiving the partition. */
  private reach(i: number): number {
    return this.syncingAnswers[i]! > 0 ? this.r.targets[i]!.length : this.r.replicas[i]!;
  }

  private dispatch(plan: Map<string, number[]>): void {
    const sizeOf = (i: number): number => this.r.keys[i]!.length;
    for (const m of planMessages(plan, sizeOf, this.ctx.options)) void this.send(m.target, m.entries);
  }

  /** Asks the next replica for key `i` in place of one that failed or is slow; batched per tick. */
  private escalate(i: number): void {
    if (this.done[i] || this.next[i]! >= this.reach(i)) return;
    this.outstanding[i]! += 1;
    push(this.escalations, this.r.targets[i]![this.next[i]!++]!, i);
    if (this.flushQueued) return;
    this.flushQueued = true;
    queueMicrotask(() => {
      this.flushQueued = false;
      const plan = this.escalations;
      this.escalations = new Map();
      this.dispatch(plan);
    });
  }

  private async send(nodeId: string, entries: number[]): Promise<void> {
    const { options } = this.ctx;
    const keys = entries.map((i) => this.r.keys[i]!);
    // Set when this message's keys were also sent to the next replica (speculation or failure): at most once.
    let replaced = false;
    const replace = (): void => {
      if (replaced) return;
      replaced = true;
      for (const i of entries) this.escalate(i);
    };
    let timer: NodeJS.Timeout | undefined;
    if (options.speculativeRetry) {
      // From the moment the message is sent to the lane: a message queued behind a frozen replica's is slow too.
      const delay = Math.min(options.timeoutMs, Math.max(options.speculativeMinDelayMs, this.ctx.lane(nodeId).p99(SPECULATION_FALLBACK_MS)));
      timer = setTimeout(() => {
        if (entries.some((i) => !this.done[i])) this.ctx.stats.speculativeReads += 1;
        replace();
      }, delay);
    }
    let results: ReadOutcome[] | undefined;
    let failure = '';
    try {
      results = await this.ctx.send(nodeId, (t) => t.read(this.r.index, keys, options.timeoutMs));
      this.ctx.stats.batchMessages += 1;
    } catch (err) {
      failure = messageOf(err);
    }
    if (timer) clearTimeout(timer);
    const values: (ReplicaValue | undefined)[] = new Array<ReplicaValue | undefined>(entries.length);
    for (let j = 0; j < entries.length; j++) {
      const i = entries[j]!;
      this.outstanding[i]! -= 1;
      const r = results?.[j];
      if (!r || r.error) {
        addFailure(this.failures, i, nodeId, r?.error?.message ?? failure);
        if (!replaced) this.escalate(i);
      } else if (r.syncing) {
        this.syncingAnswers[i]! += 1;
        if (!replaced) this.escalate(i);
      } else {
        this.answers[i]! += 1;
      }
      if (r?.record && !r.error) {
        values[j] = r.record;
        const best = this.best[i];
        if (!best || compareVersions(r.record.version, best.version) > 0) this.best[i] = r.record;
      }
      this.check(i);
    }
    if (results) this.seen.push({ nodeId, keys: entries, values });
  }

  private check(i: number): void {
    if (this.done[i]) return;
    if (this.answers[i]! >= this.r.required[i]! || (this.outstanding[i] === 0 && this.next[i]! >= this.reach(i))) {
      this.done[i] = 1;
      if (--this.open === 0) this.finish();
    }
  }

  /** Outcomes of the keys that did not get their quorum. */
  private conclude(): void {
    for (let i = 0; i < this.n; i++) {
      if (this.r.outcomes[i]) continue;
      // Replicas still receiving the partition count when no others are left (a cluster that has just formed).
      if (this.answers[i]! + this.syncingAnswers[i]! < this.r.required[i]!) {
        this.ctx.stats.readQuorumFailures += 1;
        this.r.outcomes[i] = { error: new ReadQuorumError(this.r.required[i]!, withAnswered(this.failures.get(i) ?? [], this.r.targets[i]!, this.next[i]!)), found: false };
      }
    }
  }
}

/** The speculative delay until a replica has answered enough messages to have a p99, in ms. */
const SPECULATION_FALLBACK_MS = 100;
