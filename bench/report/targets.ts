/**
 * The targets of the benchmark issue, judged on one run. A miss is reported,
 * never fatal: the figures depend on the machine, and a run on a loaded
 * laptop should still produce its report.
 */
import { round } from '../measure.js';
import type { BenchOptions } from '../options.js';
import type { Measurement, TargetResult } from '../results.js';
import { REDIS_MODES, REDIS_TESTS, redisPortWorkload } from '../workloads/redis-port.js';
import { find } from './compare.js';

/** Single-key operations per second that 64 callers must reach. */
const SINGLE_KEY_OPS_PER_SEC = 50_000;

/** A lone caller's put, p50 latency in ms. */
const LONE_PUT_P50_MS = 1;

/** The Redis port's throughput against a replicated Redis (AOF everysec), by test and mode. */
const REDIS_PORT_RATIOS: readonly { test: (typeof REDIS_TESTS)[number]; mode: string; limit: number }[] = [
  { test: 'set', mode: 'p1', limit: 0.5 },
  { test: 'get', mode: 'p1', limit: 0.5 },
  { test: 'set', mode: 'p16', limit: 0.35 },
  { test: 'get', mode: 'p16', limit: 0.25 },
];
/** The one-key mode's throughput against the random-key mode's, pipelines of 16 alike. */
const ONE_KEY_RATIO = 0.9;

type Bound = Pick<TargetResult, 'target' | 'limit' | 'unit'> & { atLeast: boolean };

function judge(bound: Bound, measured: number | undefined, needs: string): TargetResult {
  const { atLeast, ...rest } = bound;
  if (measured === undefined || !Number.isFinite(measured)) return { ...rest, verdict: 'n/a', note: `needs ${needs}, not all measured in this run` };
  const pass = atLeast ? measured >= bound.limit : measured <= bound.limit;
  return { ...rest, measured, verdict: pass ? 'pass' : 'miss' };
}

/** How many times slower `a` is than `b`, per operation: b's ops/s ÷ a's. */
function timesSlower(a: Measurement | undefined, b: Measurement | undefined): number | undefined {
  return a && b ? b.opsPerSec / a.opsPerSec : undefined;
}

/** The replicated Redis's MGET the lookup target compares with: with AOF everysec, else with appendfsync no. */
function replicatedMget(m: (id: string) => Measurement | undefined): Measurement | undefined {
  return m('redis-aof-everysec mget') ?? m('redis-aof-no mget');
}

/**
 * The storage engine's CPU for work of `copies` times its floor workload
 * `engine` (N writes, R reads of each key), when the `floor` group measured it.
 */
function floorOf(engine: Measurement | undefined, copies: number): Pick<TargetResult, 'floor'> {
  return engine?.cpuUsPerOp === undefined ? {} : { floor: round(copies * engine.cpuUsPerOp, 2) };
}

/** Judges every target on `measurements`. */
export function judgeTargets(measurements: readonly Measurement[], options: BenchOptions): TargetResult[] {
  const m = (id: string): Measurement | undefined => find(measurements, id);
  const { keys, largeKeys, replicas, readQuorum: r, writeQuorum: w } = options;
  const largeLimit = Math.round(1.1 * (largeKeys / keys) * 100) / 100;
  return [
    judge({ target: `batch lookup (R=${r}) time ≤ 1.5× Redis MGET`, limit: 1.5, unit: 'x', atLeast: false },
      timesSlower(m('dstash batch-lookup'), m('redis mget')), 'dstash batch-lookup and redis mget'),
    judge({ target: `batch lookup (R=${r}) time ≤ 4× replicated Redis MGET (${replicatedMget(m)?.system ?? 'redis-aof-everysec'})`, limit: 4, unit: 'x', atLeast: false },
      timesSlower(m('dstash batch-lookup'), replicatedMget(m)), 'dstash batch-lookup and redis-aof-everysec (or redis-aof-no) mget'),
    judge({ target: `batch put (W=${w}) time ≤ 2× Redis MSET`, limit: 2, unit: 'x', atLeast: false },
      timesSlower(m('dstash batch-put'), m('redis mset')), 'dstash batch-put and redis mset'),
    judge({ target: `batch put (W=${w}) throughput ≥ 30× etcd put`, limit: 30, unit: 'x', atLeast: true },
      timesSlower(m('etcd put'), m('dstash batch-put')), 'dstash batch-put and etcd put'),
    {
      ...judge({ target: `batch put (N=${replicas}) cluster CPU ≤ 15 µs per key`, limit: 15, unit: 'µs', atLeast: false },
        m('dstash batch-put')?.cpuUsPerOp, 'dstash batch-put with its CPU'),
      ...floorOf(m('leveldb write'), replicas),
    },
    {
      ...judge({ target: `batch lookup (R=${r}) cluster CPU ≤ 9 µs per key`, limit: 9, unit: 'µs', atLeast: false },
        m('dstash batch-lookup')?.cpuUsPerOp, 'dstash batch-lookup with its CPU'),
      ...floorOf(m('leveldb getmany'), r),
    },
    ...(['put', 'lookup'] as const).map((op) => judge(
      { target: `single-key ${op} from ${options.callers} callers ≥ ${SINGLE_KEY_OPS_PER_SEC.toLocaleString('en-US')} ops/s`, limit: SINGLE_KEY_OPS_PER_SEC, unit: 'ops/s', atLeast: true },
      m(`dstash single-${op}`)?.opsPerSec, `dstash single-${op}`,
    )),
    judge({ target: 'a lone caller\'s single-key put p50 ≤ 1 ms', limit: LONE_PUT_P50_MS, unit: 'ms', atLeast: false },
      m('dstash single-put-1')?.latency?.p50, 'dstash single-put-1'),
    judge({ target: `compare-and-set throughput from ${options.callers} callers ≥ etcd's`, limit: 1, unit: 'x', atLeast: true },
      timesSlower(m('etcd cas'), m('dstash cas')), 'dstash cas and etcd cas'),
    ...(['put', 'lookup'] as const).map((op) => judge(
      { target: `${largeKeys.toLocaleString('en-US')}-key ${op} time ≤ ${largeLimit}× the ${keys.toLocaleString('en-US')}-key batch ${op}`, limit: largeLimit, unit: 'x', atLeast: false },
      (m(`dstash large-${op}`)?.ms ?? NaN) / (m(`dstash batch-${op}`)?.ms ?? NaN), `dstash large-${op} and batch-${op}`,
    )),
    ...REDIS_PORT_RATIOS.map(({ test, mode, limit }) => {
      const id = redisPortWorkload(test, mode);
      const what = REDIS_MODES.find((x) => x.id === mode)!.what;
      return judge({ target: `Redis port ${test.toUpperCase()} (redis-benchmark, ${what}) ≥ ${limit}× a replicated Redis (AOF everysec)`, limit, unit: 'x', atLeast: true },
        timesSlower(m(`redis-aof-everysec ${id}`), m(`dstash ${id}`)), `dstash ${id} and redis-aof-everysec ${id}`);
    }),
    ...REDIS_TESTS.map((test) => judge(
      { target: `Redis port ${test.toUpperCase()} on one key ≥ ${ONE_KEY_RATIO}× on random keys (pipelines of 16)`, limit: ONE_KEY_RATIO, unit: 'x', atLeast: true },
      timesSlower(m(`dstash ${redisPortWorkload(test, 'p16')}`), m(`dstash ${redisPortWorkload(test, 'p16-one-key')}`)),
      `dstash ${redisPortWorkload(test, 'p16')} and ${redisPortWorkload(test, 'p16-one-key')}`,
    )),
  ];
}
