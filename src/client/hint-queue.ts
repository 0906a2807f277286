/**
 * Hints on their way to the replicas that keep them. When a replica stops
 * answering, thousands of answered writes may each need a hint at the same
 * moment: the queue gathers the hints added in one tick into batch messages
 * per holder, target and index, and sends them in each holder's background
 * lane, so that hint traffic never takes a slot the callers' own writes need.
 */
import type { DstashError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ApplyOutcome, ReplicaRecord, ReplicaTransport } from '../replica-types.js';

/** What the queue needs of its coordinator. */
export interface HintSender {
  readonly options: { timeoutMs: number; maxBatchEntries: number };
  readonly log: Logger;
  /** Runs `call` in the replica's background lane. */
  send(nodeId: string, call: (transport: ReplicaTransport) => Promise<ApplyOutcome[]>, lane: 'background'): Promise<ApplyOutcome[]>;
}

/** The hints for one holder, target and index gathered so far: one Apply message. */
interface Waiting {
  holder: string;
  target: string;
  index: string;
  records: ReplicaRecord[];
  done: ((stored: boolean) => void)[];
}

/** Gathers hints and sends them in batches. */
export class HintQueue {
  /** Waiting hints by holder, then target, then index. */
  private waiting = new Map<string, Map<string, Map<string, Waiting>>>();
  private flushQueued = false;

  constructor(private readonly ctx: HintSender) {}

  /** Asks `holder` to keep `record` of `index` for `target`; resolves with whether it did. */
  add(holder: string, target: string, index: string, record: ReplicaRecord): Promise<boolean> {
    let byTarget = this.waiting.get(holder);
    if (!byTarget) this.waiting.set(holder, (byTarget = new Map()));
    let byIndex = byTarget.get(target);
    if (!byIndex) byTarget.set(target, (byIndex = new Map()));
    let w = byIndex.get(index);
    if (!w) byIndex.set(index, (w = { holder, target, index, records: [], done: [] }));
    w.records.push(record);
    const stored = new Promise<boolean>((resolve) => w.done.push(resolve));
    if (w.records.length >= this.ctx.options.maxBatchEntries) {
      byIndex.delete(index);
      void this.send(w);
    } else if (!this.flushQueued) {
      this.flushQueued = true;
      setImmediate(() => this.flush());
    }
    return stored;
  }

  private flush(): void {
    this.flushQueued = false;
    const waiting = this.waiting;
    this.waiting = new Map();
    for (const byTarget of waiting.values()) {
      for (const byIndex of byTarget.values()) for (const w of byIndex.values()) void this.send(w);
    }
  }

  private async send(w: Waiting): Promise<void> {
    const { holder, target, index } = w;
    let results: { error?: DstashError }[];
    try {
      results = await this.ctx.send(holder, (t) => t.apply(index, w.records, this.ctx.options.timeoutMs, target), 'background');
    } catch (err) {
      this.ctx.log.debug({ holder, target, keys: w.records.length, err: (err as Error)?.message ?? String(err) }, 'could not leave hints; trying another replica');
      results = [];
    }
    w.done.forEach((done, j) => done(results[j] !== undefined && !results[j]!.error));
  }
}
