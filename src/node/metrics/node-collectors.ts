/**
 * Metrics read from the node at scrape time: who it is and whether it is
 * ready, its coordinator's counters (batch messages, read repairs, quorum
 * failures), the members and their health as this node sees them, partition
 * ownership, and the size of its store. Reading at scrape time keeps the
 * coordinator and the store free of metrics code.
 */
import { Counter, Gauge, type Registry } from 'prom-client';
import type { CoordinatorStats } from '../../client/index.js';
import { DSTASH_VERSION } from '../../package-info.js';
import type { NodeView } from './node-view.js';
import { registerClockCollectors } from './clock-metrics.js';
import { registerStatCounters, type StatCounter } from './stat-counters.js';

/** How long a store size reading is reused, so that frequent scrapes do not each ask LevelDB. */
const STORE_SIZE_TTL_MS = 10_000;

/** The coordinator's counters, with the metric each becomes. */
const COORDINATOR_COUNTERS: readonly StatCounter<CoordinatorStats>[] = [
  { field: 'batchMessages', name: 'dstash_coordinator_batch_messages_total', help: 'Batch messages the coordinator of this node sent to replicas' },
  { field: 'readRepairs', name: 'dstash_read_repairs_total', help: 'Records sent to stale replicas by read repair' },
  { field: 'writeQuorumFailures', name: 'dstash_write_quorum_failures_total', help: 'Keys whose write, coordinated by this node, failed its quorum' },
  { field: 'readQuorumFailures', name: 'dstash_read_quorum_failures_total', help: 'Keys whose read, coordinated by this node, failed its quorum' },
  { field: 'hintsWritten', name: 'dstash_coordinator_hints_written_total', help: 'Hints this node\'s coordinator left for home replicas that missed a write' },
  { field: 'hintsFailed', name: 'dstash_coordinator_hints_failed_total', help: 'Missed writes for which no replica took a hint (anti-entropy repairs them)' },
  { field: 'speculativeReads', name: 'dstash_speculative_reads_total', help: 'Read messages sent to one more replica because one was slower than its p99' },
];

/** Registers, in `registry`, the metrics that `view` answers at scrape time. */
export function registerNodeCollectors(registry: Registry, view: NodeView): void {
  const registers = [registry];
  new Gauge({
    name: 'dstash_node_info',
    help: 'Always 1; labels name the node, its version and zone',
    labelNames: ['node_id', 'version', 'zone'],
    registers,
    collect() {
      this.reset();
      this.set({ node_id: view.nodeId(), version: DSTASH_VERSION, zone: view.zone() ?? '' }, 1);
    },
  });
  new Gauge({
    name: 'dstash_node_ready',
    help: '1 when the node is ready (store open, membership known), 0 otherwise',
    registers,
    collect() {
      this.set(view.readiness().ready ? 1 : 0);
    },
  });
  registerStatCounters(registers, COORDINATOR_COUNTERS, () => view.coordinator()?.stats);
  new Gauge({
    name: 'dstash_replicas_ejected',
    help: 'Replicas this node\'s coordinator routes around because they stopped answering (outlier detection)',
    registers,
    collect() {
      this.set(view.coordinator()?.ejectedReplicas().length ?? 0);
    },
  });
  registerMemberGauges(registers, view);
  registerStoreSize(registers, view);
  registerClockCollectors(registers, view);
  registerStoreHealth(registers, view);
  registerRecordCache(registers, view);
}

function registerRecordCache(registers: Registry[], view: NodeView): void {
  const stats = () => view.store()?.recordCacheStats?.();
  new Counter({
    name: 'dstash_record_cache_hits_total',
    help: 'Store lookups (reads, and the version reads of writes) answered by the hot-record cache',
    registers,
    collect() {
      this.reset();
      this.inc(stats()?.hits ?? 0);
    },
  });
  new Counter({
    name: 'dstash_record_cache_misses_total',
    help: 'Store lookups the hot-record cache did not know, answered by LevelDB',
    registers,
    collect() {
      this.reset();
      this.inc(stats()?.misses ?? 0);
    },
  });
  new Gauge({
    name: 'dstash_record_cache_bytes',
    help: 'Bytes the hot-record cache holds, its index included (at most --cache-size)',
    registers,
    collect() {
      this.set(stats()?.bytes ?? 0);
    },
  });
  new Gauge({
    name: 'dstash_record_cache_entries',
    help: 'Keys the hot-record cache knows (records, and keys known absent)',
    registers,
    collect() {
      this.set(stats()?.entries ?? 0);
    },
  });
}

function registerStoreHealth(registers: Registry[], view: NodeView): void {
  new Gauge({
    name: 'dstash_store_writable',
    help: '1 while the store takes writes, 0 while it is read-only (disk full) or fails them (I/O error, the node reports NOT_SERVING)',
    registers,
    collect() {
      const health = view.storeHealth();
      this.set(health && health.state === undefined ? 1 : 0);
    },
  });
  new Gauge({
    name: 'dstash_store_read_only',
    help: '1 while the store is read-only (disk full): the node serves reads and refuses writes until space is freed',
    registers,
    collect() {
      this.set(view.storeHealth()?.readOnlyReason === undefined ? 0 : 1);
    },
  });
  new Counter({
    name: 'dstash_store_write_failures_total',
    help: 'Store writes that failed (disk full, I/O error), probe writes included',
    registers,
    collect() {
      this.reset();
      this.inc(view.storeHealth()?.failures ?? 0);
    },
  });
  new Counter({
    name: 'dstash_store_probes_total',
    help: 'Probes run while the store did not take writes (free space checks and probe writes)',
    registers,
    collect() {
      this.reset();
      this.inc(view.storeHealth()?.probes ?? 0);
    },
  });
  new Counter({
    name: 'dstash_store_reopens_total',
    help: 'Times the store was reopened to clear a write error',
    registers,
    collect() {
      this.reset();
      this.inc(view.storeHealth()?.reopens ?? 0);
    },
  });
}

function registerMemberGauges(registers: Registry[], view: NodeView): void {
  new Gauge({
    name: 'dstash_members',
    help: 'Members as this node sees them, by health',
    labelNames: ['health'],
    registers,
    collect() {
      const members = view.coordinator()?.members() ?? [];
      const healthy = members.filter((m) => m.healthy).length;
      this.set({ health: 'healthy' }, healthy);
      this.set({ health: 'unhealthy' }, members.length - healthy);
    },
  });
  new Gauge({
    name: 'dstash_member_healthy',
    help: '1 when this node sees the member as healthy, 0 when it does not',
    labelNames: ['member'],
    registers,
    collect() {
      // Reset first, so that a member that left stops being reported.
      this.reset();
      for (const m of view.coordinator()?.members() ?? []) this.set({ member: m.id }, m.healthy ? 1 : 0);
    },
  });
  new Gauge({
    name: 'dstash_member_home_partitions',
    help: 'Partitions each member is a home replica of, as this node places them',
    labelNames: ['member'],
    registers,
    collect() {
      this.reset();
      const placement = view.coordinator()?.view.placement;
      for (const [member, count] of placement?.ownership() ?? []) this.set({ member }, count);
    },
  });
}

function registerStoreSize(registers: Registry[], view: NodeView): void {
  let bytes = 0;
  let readAt = -Infinity;
  new Gauge({
    name: 'dstash_store_size_bytes',
    help: `Approximate size of the LevelDB store (its table files), read at most every ${STORE_SIZE_TTL_MS / 1000} s`,
    registers,
    async collect() {
      const store = view.store();
      if (store?.isOpen && Date.now() - readAt >= STORE_SIZE_TTL_MS) {
        readAt = Date.now();
        // A store that closes meanwhile rejects: keep the last reading.
        bytes = await store.approximateSize().catch(() => bytes);
      }
      this.set(bytes);
    },
  });
}
