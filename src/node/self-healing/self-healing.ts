/**
 * The node's background repair work, started and stopped together: hinted
 * handoff, anti-entropy and rebalancing (DESIGN.md, Consistency), plus the
 * hand-over of every partition when the node drains.
 */
import type { Coordinator } from '../../client/index.js';
import type { Logger } from '../../logger.js';
import { PlacementTable } from '../../placement/index.js';
import type { Store } from '../../storage/store.js';
import { AntiEntropy } from './anti-entropy.js';
import { HintedHandoff } from './hinted-handoff.js';
import type { LocalReplica } from '../local-replica.js';
import type { ReplicationMetrics } from '../metrics/replication-metrics.js';
import type { NodeOptions } from '../node-options.js';
import { RateLimiter } from './rate-limiter.js';
import { Rebalancer } from './rebalancer.js';
import type { SyncState } from './sync-state.js';

/** Progress of a drain. */
export interface DrainProgress {
  phase: 'handing-over' | 'settling' | 'final-pass' | 'deregistering' | 'done';
  partitionsTotal: number;
  partitionsDone: number;
  keysMoved: number;
}

/** Hinted handoff, anti-entropy and rebalancing of one node. */
export class SelfHealing {
  readonly hints: HintedHandoff;
  readonly antiEntropy: AntiEntropy;
  readonly rebalancer: Rebalancer;
  private readonly transferRate: RateLimiter;

  constructor(
    private readonly selfId: () => string,
    store: Store,
    local: LocalReplica,
    sync: SyncState,
    private readonly coordinator: Coordinator,
    private readonly log: Logger,
    private readonly options: NodeOptions,
    metrics: ReplicationMetrics,
  ) {
    const timeoutMs = coordinator.options.timeoutMs;
    this.transferRate = new RateLimiter(options.transferRate);
    this.hints = new HintedHandoff(store, coordinator, log, { intervalMs: options.hintIntervalMs, timeoutMs, rate: this.transferRate, metrics });
    this.antiEntropy = new AntiEntropy(selfId, local, coordinator, log, { intervalMs: options.antiEntropyIntervalMs, timeoutMs, rate: new RateLimiter(options.repairRate), metrics });
    this.rebalancer = new Rebalancer(selfId, store, local, sync, coordinator, log, { intervalMs: options.rebalanceIntervalMs, timeoutMs, rate: this.transferRate, metrics });
  }

  /** Starts every schedule. */
  start(): void {
    this.hints.start();
    this.antiEntropy.start();
    this.rebalancer.start();
  }

  /** Stops every schedule and waits for work in progress. */
  async stop(): Promise<void> {
    await Promise.all([this.hints.stop(), this.antiEntropy.stop(), this.rebalancer.stop()]);
  }

  /**
   * Hands every partition this node holds to its owners in the cluster
   * without this node, twice: once while serving, and once more after
   * `markUnavailable` (NOT_SERVING) and a settle time, so that writes this
   * node acknowledged during the first pass reach the new owners too.
   * Returns the records moved in both passes.
   */
  async handOverAll(markUnavailable: () => void, onProgress: (p: DrainProgress) => void): Promise<number> {
    await this.stop();
    const self = this.selfId();
    const others = this.coordinator.members().filter((m) => m.id !== self);
    const o = this.coordinator.options;
    const without = new PlacementTable(others.map((m) => ({ id: m.id, zone: m.zone })), { partitions: o.partitions, replicas: o.replicas });
    const progress: DrainProgress = { phase: 'handing-over', partitionsTotal: o.partitions, partitionsDone: 0, keysMoved: 0 };
    const pass = async (): Promise<void> => {
      progress.partitionsDone = 0;
      for (let p = 0; p < o.partitions; p++) {
        const owners = without.homeReplicas(p);
        if (owners.length === 0) throw new Error('no other member to hand the data to');
        progress.keysMoved += await this.handOverOrWait(p, owners);
        progress.partitionsDone += 1;
        if (p % 64 === 63 || p === o.partitions - 1) onProgress({ ...progress });
      }
    };
    await pass();
    markUnavailable();
    onProgress({ ...progress, phase: 'settling' });
    await new Promise((resolve) => setTimeout(resolve, this.options.drainSettleMs));
    progress.phase = 'final-pass';
    await pass();
    this.log.info({ keysMoved: progress.keysMoved }, 'drain: every partition handed over');
    return progress.keysMoved;
  }

  /** Hands partition `p` over, waiting (and retrying) while one of its new owners is unhealthy. */
  private async handOverOrWait(p: number, owners: readonly string[]): Promise<number> {
    for (let attempt = 0; ; attempt++) {
      try {
        const unhealthy = owners.filter((id) => !this.coordinator.view.isHealthy(id));
        if (unhealthy.length === 0) return await this.rebalancer.handOver(p, owners, true);
        if (attempt >= 50) throw new Error(`new owners ${unhealthy.join(', ')} of partition ${p} stay unhealthy`);
      } catch (err) {
        if (attempt >= 50) throw err;
        this.log.warn({ partition: p, err: (err as Error).message }, 'drain: hand-over failed; retrying');
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Hints waiting, all targets together. */
  hintsPending(): number {
    return this.hints.pending();
  }
}
