/**
 * Metrics of the work that brings replicas back in line in the background:
 * hinted handoff, anti-entropy and rebalancing. Those components report what
 * they do through these methods; the names below are the documented ones.
 *
 * | metric | type | meaning |
 * | --- | --- | --- |
 * | `dstash_hints_pending` | gauge | hints this node holds for unhealthy replicas |
 * | `dstash_hints_delivered_total` | counter | hints handed to their replica |
 * | `dstash_hints_dropped_total` | counter | hints given up (expired, replica left the cluster) |
 * | `dstash_rebalance_partitions_remaining` | gauge | partitions this node still has to hand to their new home replicas |
 * | `dstash_antientropy_keys_repaired_total` | counter | keys anti-entropy sent to a replica that lacked them or held an older version |
 * | `dstash_store_corruption_total` | counter | times the store met damaged LevelDB files and the node put them aside to rebuild from its peers |
 */
import { Counter, Gauge, type Registry } from 'prom-client';

/** Hinted handoff, anti-entropy and rebalancing progress. */
export class ReplicationMetrics {
  private readonly pending: Gauge;
  private readonly delivered: Counter;
  private readonly dropped: Counter;
  private readonly remaining: Gauge;
  private readonly repaired: Counter;
  private readonly corruption: Counter;
  /** Anti-entropy so far, for the node's Info (the dashboard): keys repaired, and when the last run ended (0 = none yet). */
  readonly antiEntropy = { keysRepaired: 0, lastRunMs: 0 };

  constructor(registry: Registry) {
    const registers = [registry];
    this.pending = new Gauge({ name: 'dstash_hints_pending', help: 'Hints this node holds for unhealthy replicas', registers });
    this.delivered = new Counter({ name: 'dstash_hints_delivered_total', help: 'Hints delivered to their replica', registers });
    this.dropped = new Counter({ name: 'dstash_hints_dropped_total', help: 'Hints given up (expired, or the replica left the cluster)', registers });
    this.remaining = new Gauge({
      name: 'dstash_rebalance_partitions_remaining',
      help: 'Partitions this node still has to hand to their new home replicas',
      registers,
    });
    this.repaired = new Counter({
      name: 'dstash_antientropy_keys_repaired_total',
      help: 'Keys anti-entropy sent to a replica that lacked them or held an older version',
      registers,
    });
    this.corruption = new Counter({
      name: 'dstash_store_corruption_total',
      help: 'Times the store met damaged LevelDB files (a read, scan, write or compaction failing with Corruption, or a write-ahead log replayed with records dropped)',
      registers,
    });
  }

  /** Counts one discovery of damaged store files. */
  storeCorruption(): void {
    this.corruption.inc();
  }

  /** Sets how many hints this node holds now. */
  hintsPending(count: number): void {
    this.pending.set(count);
  }

  /** Counts hints delivered to their replica. */
  hintsDelivered(count = 1): void {
    this.delivered.inc(count);
  }

  /** Counts hints given up. */
  hintsDropped(count = 1): void {
    this.dropped.inc(count);
  }

  /** Sets how many partitions are left to hand over (0 when rebalancing is done). */
  rebalancePartitionsRemaining(count: number): void {
    this.remaining.set(count);
  }

  /** Counts keys repaired by anti-entropy; anti-entropy calls it at the end of every run. */
  antiEntropyKeysRepaired(count = 1): void {
    this.repaired.inc(count);
    this.antiEntropy.keysRepaired += count;
    this.antiEntropy.lastRunMs = Date.now();
  }
}
