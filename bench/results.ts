/** The shapes of what the benchmark measures and reports (the JSON results file). */

/** Latency percentiles of single operations, in milliseconds. */
export interface Latency {
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/** One measured workload of one system. */
export interface Measurement {
  /** Workload id, e.g. `batch-put` or `redis-mset`. */
  name: string;
  /**
   * The store measured: `redis` is one in-memory server, `redis-aof-no` and
   * `redis-aof-everysec` a primary and 2 replicas with AOF and that appendfsync;
   * `leveldb` is classic-level alone, in the benchmark's process: the storage
   * engine's own cost per record.
   */
  system: 'dstash' | 'redis' | 'redis-aof-no' | 'redis-aof-everysec' | 'etcd' | 'leveldb';
  /** What was done, in a few words. */
  description: string;
  /** Operations (keys) per run. */
  ops: number;
  /** Median wall time of a run, ms. */
  ms: number;
  /** `ops` / `ms`, per second. */
  opsPerSec: number;
  /**
   * Median CPU time of a run, ms, over the client (the benchmark's process)
   * and the servers (dstash's nodes, a peer's server processes): steadier
   * than wall time on a busy machine. Absent where it cannot be sampled.
   */
  cpuMs?: number;
  /**
   * `cpuMs` per operation, in µs: the cluster's CPU cost of one operation
   * (one key of a batch), comparable across workloads and runs of any size.
   */
  cpuUsPerOp?: number;
  /**
   * Median CPU time of a run, ms, of the servers alone (dstash's node
   * processes, a peer's server processes); absent with in-process nodes.
   */
  serverCpuMs?: number;
  /** Operations that failed or read a wrong value, over all runs (0 when healthy). */
  errors: number;
  /** Wall time of every run, ms. */
  runs: number[];
  /** Per-operation latency of the median run (workloads of single operations). */
  latency?: Latency;
}

/** A peer that was not measured, and why. */
export interface SkippedPeer {
  peer: string;
  reason: string;
}

/** dstash's speed on a workload relative to a peer's on the comparable one. */
export interface Comparison {
  workload: string;
  peer: string;
  /** dstash ops/s ÷ peer ops/s: above 1, dstash is faster. */
  speedup: number;
}

/** A target from the benchmark issue, judged on this run. */
export interface TargetResult {
  /** What is promised, in words. */
  target: string;
  /** The measured figure, in the target's terms (a time ratio, ops/s or µs of CPU per key). */
  measured?: number;
  /** The bound the figure must meet. */
  limit: number;
  /** 'pass', 'miss', or 'n/a' when a figure it needs was not measured. */
  verdict: 'pass' | 'miss' | 'n/a';
  /** How `measured` is expressed: 'x' for a ratio, 'ops/s', 'µs' of CPU per key. */
  unit: 'x' | 'ops/s' | 'µs' | 'ms';
  /**
   * The storage engine's own CPU for the same work: copies × its cost per
   * record, from the floor workloads of the same run; in `unit`. Only on the
   * CPU targets, when the `floor` group ran.
   */
  floor?: number;
  /** Why it is n/a. */
  note?: string;
}

/** The machine a run came from. */
export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  /** Load averages over 1, 5 and 15 minutes at the end of the run: how busy the machine was. */
  loadAverage: number[];
}

/** Everything one run produced. */
export interface BenchResults {
  startedAt: string;
  durationMs: number;
  machine: Machine;
  /** The options the run used. */
  config: Record<string, unknown>;
  measurements: Measurement[];
  comparisons: Comparison[];
  targets: TargetResult[];
  skipped: SkippedPeer[];
  /** Versions of the peers measured, as they report them. */
  peerVersions: Record<string, string>;
}
