/**
 * Which peer workload each dstash workload is compared with, and the speed
 * ratios: dstash ops/s ÷ the peer's ops/s (above 1, dstash is faster).
 * Throughput, not time, so that etcd's capped key count compares fairly.
 * The public streams compare with the SDK's batches the same way: above 1,
 * the path through one node is faster.
 */
import type { Comparison, Measurement } from '../results.js';
import { REDIS_MODES, REDIS_TESTS, redisPortWorkload } from '../workloads/redis-port.js';

/** dstash workload → the peer workloads (`system name`), or dstash's own by another path, that do the same job. */
const COMPARABLE: Record<string, readonly string[]> = {
  'batch-put': ['redis mset', 'redis pipeline-set', 'redis-aof-no mset-wait', 'redis-aof-everysec mset-wait', 'etcd put'],
  'batch-lookup': ['redis mget', 'redis pipeline-get', 'redis-aof-no mget', 'redis-aof-everysec mget'],
  'single-put': ['redis single-put', 'etcd put'],
  'single-lookup': ['redis single-lookup'],
  cas: ['etcd cas'],
  'stream-put': ['dstash batch-put'],
  'stream-lookup': ['dstash batch-lookup'],
  ...Object.fromEntries(REDIS_MODES.flatMap((mode) => REDIS_TESTS.map((test) => {
    const id = redisPortWorkload(test, mode.id);
    return [id, [`redis-aof-everysec ${id}`]];
  }))),
};

/** The id of a measurement: `system name`, e.g. `redis mset`. */
export function measurementId(m: Pick<Measurement, 'system' | 'name'>): string {
  return `${m.system} ${m.name}`;
}

/** The measurement with `id`, if it was measured. */
export function find(measurements: readonly Measurement[], id: string): Measurement | undefined {
  return measurements.find((m) => measurementId(m) === id);
}

/** Every comparison the measurements allow. */
export function compare(measurements: readonly Measurement[]): Comparison[] {
  const out: Comparison[] = [];
  for (const [workload, peers] of Object.entries(COMPARABLE)) {
    const own = find(measurements, `dstash ${workload}`);
    if (!own) continue;
    for (const peer of peers) {
      const other = find(measurements, peer);
      if (other) out.push({ workload, peer, speedup: own.opsPerSec / other.opsPerSec });
    }
  }
  return out;
}
