/**
 * Rebalancing (DESIGN.md, Consistency): after a membership change this node
 * pulls the partitions it newly home-owns from the other members (so a node
 * that joins with an empty disk fills up), and streams every partition it
 * holds but no longer home-owns to its home replicas, deleting its copy only
 * once all of them acknowledged. Rate-limited; progress is reported.
 */
import type { Coordinator } from '../../client/index.js';
import type { Logger } from '../../logger.js';
import type { Store } from '../../storage/store.js';
import type { LocalReplica } from '../local-replica.js';
import type { ReplicationMetrics } from '../metrics/replication-metrics.js';
import type { RateLimiter } from './rate-limiter.js';
import type { SyncState } from './sync-state.js';
import { chunked, recordBytes, sendRecords } from './transfer.js';

/** Progress of rebalancing, since the node started. */
export interface TransferProgress {
  partitionsRemaining: number;
  partitionsMoved: number;
  keysMoved: number;
  bytesMoved: number;
}

/** Moves partitions to where the placement table says they belong. */
export class Rebalancer {
  readonly progress: TransferProgress = { partitionsRemaining: 0, partitionsMoved: 0, keysMoved: 0, bytesMoved: 0 };
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly selfId: () => string,
    private readonly store: Store,
    private readonly local: LocalReplica,
    private readonly sync: SyncState,
    private readonly coordinator: Coordinator,
    private readonly log: Logger,
    private readonly options: { intervalMs: number; timeoutMs: number; rate: RateLimiter; metrics: ReplicationMetrics },
  ) {}

  /** Follows membership changes, and runs every `intervalMs` to hand over what stand-ins kept. */
  start(): void {
    this.coordinator.onMembershipChange(() => this.trigger());
    if (this.options.intervalMs > 0) {
      this.timer = setInterval(() => this.trigger(), this.options.intervalMs);
      this.timer.unref();
    }
    this.trigger();
  }

  /** Stops and waits for a run in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Starts a run, or asks for another one after the run in progress. */
  trigger(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.run().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.trigger();
      }
    });
  }

  private async run(): Promise<void> {
    const self = this.selfId();
    const view = this.coordinator.view;
    const table = view.placement;
    if (!view.member(self)) return; // not (yet) in the member list: nothing is ours
    const owned = table.partitionsOwnedBy(self);
    this.sync.setOwned(owned);
    const ownedSet = new Set(owned);
    try {
      await this.pull(this.sync.syncing());
      const notOwned: number[] = [];
      for (let p = 0; p < table.partitions; p++) if (!ownedSet.has(p)) notOwned.push(p);
      await this.sync.mark(notOwned.filter((p) => this.sync.isSynced(p)), false);
      for (const p of notOwned) {
        if (this.stopped) return;
        await this.handOver(p, table.homeReplicas(p), false);
      }
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'rebalancing stopped early; the next run resumes');
    }
  }

  /** Pulls `partitions` from every other healthy member, then marks them synced. */
  private async pull(partitions: number[]): Promise<void> {
    if (partitions.length === 0) return;
    const self = this.selfId();
    const others = this.coordinator.view.memberList.filter((m) => m.id !== self);
    const sources = others.filter((m) => m.healthy);
    this.setRemaining(partitions.length);
    this.log.info({ partitions: partitions.length, sources: sources.length }, 'pulling newly owned partitions');
    for (const source of sources) {
      for await (const chunk of chunked(this.coordinator.replica(source.id).partitionScan(partitions, this.options.timeoutMs))) {
        await this.options.rate.take(chunk.length);
        await sendRecords(this.coordinator.replica(self), chunk, this.options.timeoutMs);
        this.count(chunk);
      }
    }
    if (sources.length < others.length) {
      // An unhealthy member may hold the only copy of some keys: stay "syncing" and pull again once it is back.
      this.log.info({ unhealthy: others.length - sources.length }, 'partitions pulled from the healthy members only; pulling again when the others are healthy');
      return;
    }
    await this.sync.mark(partitions, true);
    this.progress.partitionsMoved += partitions.length;
    this.setRemaining(0);
    this.log.info({ partitions: partitions.length, keysMoved: this.progress.keysMoved }, 'newly owned partitions received');
  }

  /**
   * Streams partition `p` to `owners`; with `keep` false, deletes each chunk
   * once every owner acknowledged it. Skips the partition (keeping the data)
   * while an owner is unhealthy. Returns the records sent.
   */
  async handOver(p: number, owners: readonly string[], keep: boolean): Promise<number> {
    const view = this.coordinator.view;
    const self = this.selfId();
    const targets = owners.filter((id) => id !== self);
    if (targets.length === 0 || targets.some((id) => !view.isHealthy(id))) return 0;
    let sent = 0;
    for await (const chunk of chunked(this.local.partitionScan([p]))) {
      await this.options.rate.take(chunk.length);
      await Promise.all(targets.map((id) => sendRecords(this.coordinator.replica(id), chunk, this.options.timeoutMs)));
      if (!keep) await this.store.deleteIfVersion(chunk);
      this.count(chunk);
      sent += chunk.length;
    }
    if (sent > 0) {
      this.progress.partitionsMoved += 1;
      this.log.info({ partition: p, to: targets, records: sent }, keep ? 'partition copied' : 'partition handed over');
    }
    return sent;
  }

  private setRemaining(n: number): void {
    this.progress.partitionsRemaining = n;
    this.options.metrics.rebalancePartitionsRemaining(n);
  }

  private count(chunk: readonly { key: Buffer; value: Buffer; version: Buffer; index: string }[]): void {
    this.progress.keysMoved += chunk.length;
    for (const r of chunk) this.progress.bytesMoved += recordBytes(r as Parameters<typeof recordBytes>[0]);
  }
}
