/**
 * Hinted handoff (DESIGN.md, Placement): this node keeps hints for home
 * replicas it stood in for while they were unhealthy. Once such a replica is
 * healthy again, the hinted records (their newest stored version) are sent to
 * it and the hints dropped; hints for a node that left the cluster are dropped
 * too, since its partitions now belong to others.
 */
import type { Coordinator } from '../../client/index.js';
import type { Logger } from '../../logger.js';
import type { RecordKey, Store } from '../../storage/store.js';
import type { ReplicationMetrics } from '../metrics/replication-metrics.js';
import type { RateLimiter } from './rate-limiter.js';

/** Hints sent per message. */
const CHUNK = 2000;

/** Delivers this node's hints on a schedule. */
export class HintedHandoff {
  /** Records delivered so far. */
  delivered = 0;
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly store: Store,
    private readonly coordinator: Coordinator,
    private readonly log: Logger,
    private readonly options: { intervalMs: number; timeoutMs: number; rate: RateLimiter; metrics: ReplicationMetrics },
  ) {}

  /** Hints waiting, all targets together. */
  pending(): number {
    let n = 0;
    for (const count of this.store.hintCounts().values()) n += count;
    return n;
  }

  /** Starts delivering every `intervalMs` (0 = only by `deliverNow()`). */
  start(): void {
    if (this.options.intervalMs <= 0) return;
    this.timer = setInterval(() => void this.deliverNow(), this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops the schedule and waits for a delivery in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One delivery round to every healthy target; never rejects. */
  deliverNow(): Promise<void> {
    this.running ??= this.deliver().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async deliver(): Promise<void> {
    this.options.metrics.hintsPending(this.pending());
    for (const target of [...this.store.hintCounts().keys()]) {
      const view = this.coordinator.view;
      try {
        if (!view.member(target)) {
          await this.dropAll(target);
        } else if (view.isHealthy(target)) {
          await this.deliverTo(target);
        }
      } catch (err) {
        this.log.debug({ target, err: (err as Error).message }, 'hint delivery failed; retrying next round');
      }
    }
  }

  private async deliverTo(target: string): Promise<void> {
    for (;;) {
      const keys = await this.store.hintsFor(target, CHUNK);
      if (keys.length === 0) return;
      await this.options.rate.take(keys.length);
      const records = await this.store.getMany(keys);
      const byIndex = new Map<string, { key: RecordKey; record: NonNullable<(typeof records)[number]> }[]>();
      keys.forEach((key, i) => {
        const record = records[i];
        if (!record) return; // purged meanwhile: nothing left to deliver
        let list = byIndex.get(key.index);
        if (!list) byIndex.set(key.index, (list = []));
        list.push({ key, record });
      });
      for (const [index, list] of byIndex) {
        const outcomes = await this.coordinator.replica(target).apply(index, list.map(({ key, record }) => ({ key: key.key, ...record })), this.options.timeoutMs);
        const failed = outcomes.find((o) => o.error);
        if (failed) throw failed.error;
      }
      await this.store.removeHints(target, keys);
      this.delivered += keys.length;
      this.options.metrics.hintsDelivered(keys.length);
      this.options.metrics.hintsPending(this.pending());
      this.log.info({ target, records: keys.length, pending: this.pending() }, 'hints delivered');
    }
  }

  private async dropAll(target: string): Promise<void> {
    let dropped = 0;
    for (let keys = await this.store.hintsFor(target, CHUNK); keys.length > 0; keys = await this.store.hintsFor(target, CHUNK)) {
      await this.store.removeHints(target, keys);
      dropped += keys.length;
    }
    this.options.metrics.hintsDropped(dropped);
    this.log.info({ target, dropped }, 'dropped the hints of a node that left the cluster');
  }
}
