/**
 * Options of the benchmark: every field documented with its default, the
 * defaults in one constant, set from flags (`--value-size 200`) or the
 * environment (`DSTASH_BENCH_VALUE_SIZE=200`, flags win), and checked once.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The workload groups, in the order they run. */
export const WORKLOAD_GROUPS = ['batch', 'streams', 'single', 'mixed', 'serial', '1m', 'clusters', 'redis', 'floor'] as const;
/** A group of workloads to run. */
export type WorkloadGroup = (typeof WORKLOAD_GROUPS)[number];

/** The peers the suite can measure beside dstash. */
export const PEER_NAMES = ['redis', 'redis-aof-no', 'redis-aof-everysec', 'etcd'] as const;
/** A peer store. */
export type PeerName = (typeof PEER_NAMES)[number];

/** How the benchmark runs. */
export interface BenchOptions {
  /**
   * Nodes of the main cluster.
   * @default 3
   */
  nodes: number;
  /**
   * Replicas of each partition (N); capped at the nodes of a smaller cluster.
   * @default 3
   */
  replicas: number;
  /**
   * Acknowledgements a write waits for (W).
   * @default 2
   */
  writeQuorum: number;
  /**
   * Answers a read waits for (R).
   * @default 2
   */
  readQuorum: number;
  /**
   * Keys of a batch workload (and of the data set single-key workloads use).
   * @default 100000
   */
  keys: number;
  /**
   * Bytes of each key.
   * @default 16
   */
  keySize: number;
  /**
   * Bytes of each value.
   * @default 100
   */
  valueSize: number;
  /**
   * Entries in one stream message (the client's `maxBatchEntries`), and
   * records in one LevelDB batch or `getMany` of the `floor` group.
   * @default 1000
   */
  batchSize: number;
  /**
   * Batch messages in flight (the client's `concurrency`).
   * @default 32
   */
  concurrency: number;
  /**
   * Concurrent callers of the single-key and mixed workloads.
   * @default 64
   */
  callers: number;
  /**
   * Operations of each single-key and mixed workload.
   * @default 100000
   */
  ops: number;
  /**
   * Operations of each serial (compare-and-set, increment) workload: each is
   * a consensus round over the key's replicas, far slower than a put.
   * @default 3000
   */
  serialOps: number;
  /**
   * Keys of the large workload ("1M keys"), written and read in batches of `keys`.
   * @default 1000000
   */
  largeKeys: number;
  /**
   * Cluster sizes the `clusters` workload compares.
   * @default [1, 3, 5]
   */
  clusterSizes: number[];
  /**
   * Workload groups to run.
   * @default every group
   */
  workloads: WorkloadGroup[];
  /**
   * Peers to measure in the same run; one that is not installed is skipped with the reason.
   * `redis-aof-no` and `redis-aof-everysec` are a Redis primary with 2 replicas and AOF.
   * @default every peer (none with `quick`)
   */
  peers: PeerName[];
  /**
   * Most writes of each etcd workload (puts, compare-and-set transactions):
   * etcd is slow, and this keeps the run short; throughput is what is compared.
   * @default 10000
   */
  etcdKeys: number;
  /**
   * Runs of each measurement; the report shows the median.
   * @default 1
   */
  repeat: number;
  /**
   * Run the nodes inside this process instead of one child process each
   * (one profile covers client and nodes, but they share one thread).
   * @default false
   */
  inProcess: boolean;
  /**
   * Smoke mode: tiny key counts, no peers, outputs in a temp dir unless given.
   * @default false
   */
  quick: boolean;
  /**
   * Where the JSON results go.
   * @default bench/results/latest.json (a temp dir with `quick`)
   */
  json: string;
  /**
   * Where the SVG chart goes (RESULTS.md links it).
   * @default bench/RESULTS.svg (a temp dir with `quick`)
   */
  svg: string;
  /**
   * Where the Markdown report goes.
   * @default bench/RESULTS.md (a temp dir with `quick`)
   */
  markdown: string;
}

/** The bench/ folder of the repository (this file runs from dist/bench/). */
const BENCH_DIR = fileURLToPath(new URL('../../bench/', import.meta.url));

/** The defaults of {@link BenchOptions}. */
export const DEFAULT_BENCH_OPTIONS: Readonly<BenchOptions> = Object.freeze({
  nodes: 3,
  replicas: 3,
  writeQuorum: 2,
  readQuorum: 2,
  keys: 100_000,
  keySize: 16,
  valueSize: 100,
  batchSize: 1000,
  concurrency: 32,
  callers: 64,
  ops: 100_000,
  serialOps: 3000,
  largeKeys: 1_000_000,
  clusterSizes: [1, 3, 5],
  workloads: [...WORKLOAD_GROUPS],
  peers: [...PEER_NAMES],
  etcdKeys: 10_000,
  repeat: 1,
  inProcess: false,
  quick: false,
  json: join(BENCH_DIR, 'results', 'latest.json'),
  svg: join(BENCH_DIR, 'RESULTS.svg'),
  markdown: join(BENCH_DIR, 'RESULTS.md'),
});

/** What `--quick` changes: enough to run every workload, too little to measure anything. */
function quickDefaults(): Partial<BenchOptions> {
  const dir = join(tmpdir(), 'dstash-bench-quick');
  return {
    keys: 1000,
    ops: 1000,
    serialOps: 200,
    largeKeys: 3000,
    etcdKeys: 500,
    peers: [],
    json: join(dir, 'results.json'),
    svg: join(dir, 'results.svg'),
    markdown: join(dir, 'RESULTS.md'),
  };
}

type Kind = 'int' | 'ints' | 'bool' | 'path' | 'workloads' | 'peers';

/** Each option's flag kind; the flag is the kebab-case name, the variable DSTASH_BENCH_ + upper snake case. */
const KINDS: Record<keyof BenchOptions, Kind> = {
  nodes: 'int',
  replicas: 'int',
  writeQuorum: 'int',
  readQuorum: 'int',
  keys: 'int',
  keySize: 'int',
  valueSize: 'int',
  batchSize: 'int',
  concurrency: 'int',
  callers: 'int',
  ops: 'int',
  serialOps: 'int',
  largeKeys: 'int',
  clusterSizes: 'ints',
  workloads: 'workloads',
  peers: 'peers',
  etcdKeys: 'int',
  repeat: 'int',
  inProcess: 'bool',
  quick: 'bool',
  json: 'path',
  svg: 'path',
  markdown: 'path',
};

const flagName = (name: string): string => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const envName = (name: string): string => `DSTASH_BENCH_${flagName(name).replace(/-/g, '_').toUpperCase()}`;
/** How errors name an option: by its flag and its variable, either may have set it. */
const label = (name: string): string => `--${flagName(name)} (${envName(name)})`;

/** Thrown for a bad flag or value; the runner prints it with the usage. */
export class BenchUsageError extends Error {}

/** The usage text: every flag, its variable and its default. */
export function usage(): string {
  const lines = ['Usage: npm run bench -- [flags]   (or node dist/bench/run.js [flags])', ''];
  for (const name of Object.keys(KINDS) as (keyof BenchOptions)[]) {
    const value = DEFAULT_BENCH_OPTIONS[name];
    const shown = Array.isArray(value) ? value.join(',') : String(value);
    lines.push(`  --${flagName(name).padEnd(16)} ${envName(name).padEnd(30)} default ${shown}`);
  }
  lines.push('', `  workloads: ${WORKLOAD_GROUPS.join(', ')}; peers: ${PEER_NAMES.join(', ')} or none`);
  return lines.join('\n');
}

/** Reads the options from `argv` (flags) over `env` over the defaults, and validates them. */
export function parseBenchOptions(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): BenchOptions {
  const raw = new Map<keyof BenchOptions, string>();
  for (const name of Object.keys(KINDS) as (keyof BenchOptions)[]) {
    const value = env[envName(name)];
    if (value !== undefined && value !== '') raw.set(name, value);
  }
  const byFlag = new Map((Object.keys(KINDS) as (keyof BenchOptions)[]).map((name) => [flagName(name), name]));
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.replace(/^--/, '').split(/=(.*)/s, 2) as [string, string | undefined];
    const name = argv[i]!.startsWith('--') ? byFlag.get(flag) : undefined;
    if (!name) throw new BenchUsageError(`unknown argument ${argv[i]}`);
    if (KINDS[name] === 'bool') raw.set(name, inline ?? 'true');
    else if (inline !== undefined) raw.set(name, inline);
    else if (i + 1 < argv.length) raw.set(name, argv[++i]!);
    else throw new BenchUsageError(`--${flag} needs a value`);
  }
  const quick = raw.has('quick') && parseValue('quick', 'bool', raw.get('quick')!) === true;
  const options: BenchOptions = { ...DEFAULT_BENCH_OPTIONS, ...(quick ? quickDefaults() : {}) };
  for (const [name, value] of raw) (options as unknown as Record<string, unknown>)[name] = parseValue(name, KINDS[name], value);
  validate(options);
  return options;
}

function parseValue(name: string, kind: Kind, value: string): unknown {
  const list = (): string[] => value.split(',').map((s) => s.trim()).filter((s) => s !== '' && s !== 'none');
  const whole = (s: string): number => {
    if (!/^\d+$/.test(s.replace(/_/g, ''))) throw new BenchUsageError(`${label(name)} takes whole numbers, got ${JSON.stringify(s)}`);
    return Number(s.replace(/_/g, ''));
  };
  const oneOf = <T extends string>(allowed: readonly T[]): T[] => list().map((s) => {
    if (!allowed.includes(s as T)) throw new BenchUsageError(`${label(name)}: ${JSON.stringify(s)} is not one of ${allowed.join(', ')}`);
    return s as T;
  });
  switch (kind) {
    case 'int':
      return whole(value);
    case 'ints':
      return list().map(whole);
    case 'bool':
      if (!['true', 'false', '1', '0'].includes(value)) throw new BenchUsageError(`${label(name)} is true or false, got ${JSON.stringify(value)}`);
      return value === 'true' || value === '1';
    case 'workloads':
      return oneOf(WORKLOAD_GROUPS);
    case 'peers':
      return oneOf(PEER_NAMES);
    default:
      return value;
  }
}

function validate(o: BenchOptions): void {
  const atLeast = (name: keyof BenchOptions, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    const v = o[name] as number;
    if (v < min || v > max) throw new BenchUsageError(`${label(name)} must be from ${min} to ${max}, got ${v}`);
  };
  atLeast('nodes', 1, 16);
  atLeast('replicas', 1, 16);
  atLeast('writeQuorum', 1, o.replicas);
  atLeast('readQuorum', 1, o.replicas);
  for (const name of ['keys', 'valueSize', 'batchSize', 'concurrency', 'callers', 'ops', 'serialOps', 'etcdKeys', 'repeat'] as const) atLeast(name, 1);
  // Keys are 'k' and a decimal counter padded to keySize; single-key puts number theirs past the data set.
  atLeast('keySize', String(Math.max(o.keys + o.ops, o.largeKeys)).length + 1, 4096);
  atLeast('largeKeys', o.keys);
  if (o.clusterSizes.length === 0 || o.clusterSizes.some((n) => n < 1 || n > 16)) {
    throw new BenchUsageError(`${label('clusterSizes')} takes node counts from 1 to 16`);
  }
}
