/**
 * Bounded clocks, read at scrape time: whether this node is within the
 * maximum offset, its measured offset to each member, and the writes and
 * versions refused because of a clock beyond it.
 */
import { Gauge, type Registry } from 'prom-client';
import type { ClockGuardStats } from '../../client/index.js';
import type { NodeView } from './node-view.js';
import { registerStatCounters, type StatCounter } from './stat-counters.js';

const GUARD_COUNTERS: readonly StatCounter<ClockGuardStats>[] = [
  { field: 'refusedWrites', name: 'dstash_clock_skew_refused_writes_total', help: 'Writes this node refused to stamp while its clock was out of bounds' },
  { field: 'lostWrites', name: 'dstash_clock_skew_lost_writes_total', help: 'Writes answered DSTASH_CLOCK_SKEW because the key held a version newer than the maximum offset allows' },
  { field: 'failedProbes', name: 'dstash_clock_probe_failures_total', help: 'Clock offset measurements that failed' },
];

/** Registers the clock metrics of `view`. */
export function registerClockCollectors(registers: Registry[], view: NodeView): void {
  new Gauge({
    name: 'dstash_clock_out_of_bounds',
    help: '1 while this node\'s clock is beyond the maximum offset from a majority of members (it stamps no writes and is not ready)',
    registers,
    collect() {
      this.set(view.coordinator()?.clockGuard.outOfBounds ? 1 : 0);
    },
  });
  new Gauge({
    name: 'dstash_clock_offset_seconds',
    help: 'Clock offset of each member relative to this node, as last measured (positive: the member is ahead)',
    labelNames: ['member'],
    registers,
    collect() {
      this.reset();
      for (const o of view.coordinator()?.clockGuard.offsets() ?? []) this.set({ member: o.id }, o.offsetMs / 1000);
    },
  });
  registerStatCounters(registers, GUARD_COUNTERS, () => view.coordinator()?.clockGuard.stats);
  registerStatCounters(registers, [{
    field: 'refused',
    name: 'dstash_clock_skew_refused_versions_total',
    help: 'Versions this node\'s replica refused as more than the maximum offset ahead of its clock',
  }], () => ({ refused: view.refusedVersions() }));
}
