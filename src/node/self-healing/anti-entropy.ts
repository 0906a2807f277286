/**
 * Anti-entropy (DESIGN.md, Consistency): for every partition this node
 * home-owns, compare bucket digests with each other healthy home replica and
 * exchange the records of the buckets that differ, both ways, newest version
 * winning. Runs on a schedule and on demand (`dstash cluster repair`); its
 * cost is bounded by a records-per-second rate.
 */
import pLimit from 'p-limit';
import type { Coordinator } from '../../client/index.js';
import type { Logger } from '../../logger.js';
import type { PartitionRecord } from '../../replica-types.js';
import { compareVersions } from '../../version.js';
import type { LocalReplica } from '../local-replica.js';
import type { ReplicationMetrics } from '../metrics/replication-metrics.js';
import { DEFAULT_BUCKETS, differingBuckets } from './partition-digest.js';
import type { RateLimiter } from './rate-limiter.js';
import { chunked, sendRecords } from './transfer.js';

/** Partitions compared at once. */
const PARALLEL_PARTITIONS = 8;

/** What one run did. */
export interface RepairResult {
  partitionsCompared: number;
  recordsPulled: number;
  recordsPushed: number;
  /** Partitions left out because this replica could not read its own copy. */
  partitionsSkipped: number;
}

/** Compares and repairs this node's partitions against their other replicas. */
export class AntiEntropy {
  /** Records repaired so far, both ways. */
  repaired = 0;
  private timer?: NodeJS.Timeout;
  private running?: Promise<RepairResult>;

  constructor(
    private readonly selfId: () => string,
    private readonly local: LocalReplica,
    private readonly coordinator: Coordinator,
    private readonly log: Logger,
    private readonly options: { intervalMs: number; timeoutMs: number; rate: RateLimiter; metrics: ReplicationMetrics; buckets?: number },
  ) {}

  /** Runs every `intervalMs` (0 = only on demand). */
  start(): void {
    if (this.options.intervalMs <= 0) return;
    this.timer = setInterval(() => void this.runNow().catch(() => undefined), this.options.intervalMs);
    this.timer.unref();
  }

  /** Stops the schedule and waits for a run in progress. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One run over every home-owned partition (joins a run in progress). */
  runNow(): Promise<RepairResult> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<RepairResult> {
    const result: RepairResult = { partitionsCompared: 0, recordsPulled: 0, recordsPushed: 0, partitionsSkipped: 0 };
    const self = this.selfId();
    const view = this.coordinator.view;
    const buckets = this.options.buckets ?? DEFAULT_BUCKETS;
    // A few partitions at a time: each comparison waits mostly on a peer, and the rate limit bounds the records moved.
    const limit = pLimit(PARALLEL_PARTITIONS);
    await Promise.all(view.placement.partitionsOwnedBy(self).map((partition) => limit(async () => {
      const peers = view.placement.homeReplicas(partition).filter((id) => id !== self && view.isHealthy(id));
      if (peers.length === 0) return;
      let mine: Buffer[];
      try {
        mine = await this.local.digest(partition, buckets);
      } catch (err) {
        // This replica's own copy cannot be read (damaged files): the store's recovery rebuilds it; the other partitions go on.
        result.partitionsSkipped += 1;
        this.log.warn({ partition, err: (err as Error).message }, 'anti-entropy skipped a partition this replica cannot read');
        return;
      }
      for (const peer of peers) {
        try {
          const theirs = await this.coordinator.replica(peer).digest(partition, buckets, this.options.timeoutMs);
          result.partitionsCompared += 1;
          const differ = differingBuckets(mine, theirs);
          if (differ.length > 0) await this.exchange(peer, partition, { count: buckets, ids: differ }, result);
        } catch (err) {
          this.log.warn({ peer, partition, err: (err as Error).message }, 'anti-entropy could not compare a partition; next run retries');
        }
      }
    })));
    this.repaired += result.recordsPulled + result.recordsPushed;
    this.options.metrics.antiEntropyKeysRepaired(result.recordsPulled + result.recordsPushed);
    if (result.recordsPulled + result.recordsPushed > 0) this.log.info({ ...result }, 'anti-entropy repaired records');
    return result;
  }

  /** Exchanges the records of the differing buckets with `peer`: each side gets what it lacks or holds older. */
  private async exchange(peer: string, partition: number, buckets: { count: number; ids: number[] }, result: RepairResult): Promise<void> {
    const transport = this.coordinator.replica(peer);
    const theirs = new Map<string, PartitionRecord>();
    for await (const r of transport.partitionScan([partition], this.options.timeoutMs, buckets)) theirs.set(identity(r), r);
    const pull: PartitionRecord[] = [];
    const push: PartitionRecord[] = [];
    for await (const r of this.local.partitionScan([partition], buckets)) {
      const other = theirs.get(identity(r));
      theirs.delete(identity(r));
      const order = other ? compareVersions(r.version, other.version) : 1;
      if (order > 0) push.push(r);
      else if (order < 0) pull.push(other!);
    }
    pull.push(...theirs.values());
    for await (const chunk of chunked(iterate(pull))) {
      await this.options.rate.take(chunk.length);
      await sendRecords(this.localTransport(), chunk, this.options.timeoutMs);
      result.recordsPulled += chunk.length;
    }
    for await (const chunk of chunked(iterate(push))) {
      await this.options.rate.take(chunk.length);
      await sendRecords(transport, chunk, this.options.timeoutMs);
      result.recordsPushed += chunk.length;
    }
  }

  private localTransport(): ReturnType<Coordinator['replica']> {
    return this.coordinator.replica(this.selfId());
  }
}

function identity(r: PartitionRecord): string {
  return `${r.index}\0${r.key.toString('latin1')}`;
}

async function* iterate<T>(items: readonly T[]): AsyncIterable<T> {
  yield* items;
}
