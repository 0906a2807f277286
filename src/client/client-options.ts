/**
 * Options of the client SDK and of the coordinator inside it: every field
 * documented with its default, defaults in one constant, cross-field rules
 * (R and W no larger than N) checked once, at construction.
 */
import { ErrorCode, InvalidArgumentError } from '../errors.js';
import { DEFAULT_MAX_VALUE_BYTES, MAX_KEY_BYTES } from '../limits.js';
import { DEFAULT_PARTITIONS, validatePartitions } from '../placement/index.js';
import type { TlsFiles } from '../protocol/tls.js';

/** How many replicas must answer a request. */
export type Consistency = 'ONE' | 'QUORUM' | 'ALL';

/** The coordinator's options (the part of {@link ClientOptions} that routing and quorums need). */
export interface CoordinatorOptions {
  /**
   * Replicas of each partition (N). A cluster with fewer members keeps one copy per member.
   * @default 3
   */
  replicas: number;
  /**
   * Acknowledgements a QUORUM write needs (W).
   * @default a majority of `replicas` (2 of 3)
   */
  writeQuorum: number;
  /**
   * Answers a QUORUM read needs (R). R + W > N gives read-your-writes.
   * @default a majority of `replicas` (2 of 3)
   */
  readQuorum: number;
  /**
   * Consistency of requests that do not name one.
   * @default 'QUORUM'
   */
  consistency: Consistency;
  /**
   * Partitions of the key space; must match the cluster's.
   * @default 1024
   */
  partitions: number;
  /**
   * Deadline of each request to a replica, in milliseconds.
   * @default 10000
   */
  timeoutMs: number;
  /**
   * Batch messages in flight at once to each replica (its lane). Each replica
   * has its own, so a slow replica never takes a slot another one needs.
   * @default 32
   */
  concurrency: number;
  /**
   * Outlier detection: a replica that has had messages in flight this long,
   * with no answer at all in that time, is routed around (its writes leave
   * hints, its reads go to the next replica) until a probe message gets an
   * answer. Also after 5 messages in a row that did not reach it. In ms.
   * @default 1000
   */
  stallMs: number;
  /**
   * How long an outlier is routed around before one probe message is let
   * through, in ms; it doubles (up to 8 ×) while probes fail.
   * @default 1000
   */
  ejectMs: number;
  /**
   * Speculative retry: a read that has not heard from a replica within that
   * replica's recent p99 latency asks the next replica too.
   * @default true
   */
  speculativeRetry: boolean;
  /**
   * The least delay before a speculative read, in ms (the replica's p99 when larger).
   * @default 10
   */
  speculativeMinDelayMs: number;
  /**
   * Most entries in one batch message.
   * @default 1000
   */
  maxBatchEntries: number;
  /**
   * Most bytes (keys and values) in one batch message; a single larger entry travels alone.
   * @default 4 MiB
   */
  maxBatchBytes: number;
  /**
   * Largest value accepted, in bytes (checked before sending).
   * @default 8 MiB
   */
  maxValueBytes: number;
  /**
   * Largest gRPC message, in bytes.
   * @default 64 MiB
   */
  maxMessageBytes: number;
  /**
   * Repair stale replicas seen by a read, in the background.
   * @default true
   */
  readRepair: boolean;
  /**
   * Maximum clock offset between this coordinator, the nodes and each other,
   * in ms (DESIGN.md, Consistency, "Bounded clocks"). Beyond it from a
   * majority of the members, this coordinator refuses to stamp writes
   * (`DSTASH_CLOCK_SKEW`); a write that lost to a version newer by more than
   * it fails with the same code; versions it reads move its clock at most this
   * far ahead. Must match the nodes' `--max-clock-offset`.
   * @default 500
   */
  maxClockOffsetMs: number;
  /**
   * How often the clock offset to each healthy member is measured, in ms.
   * @default 1000
   */
  clockProbeIntervalMs: number;
  /**
   * TLS to the nodes (mutual TLS with a certificate and key).
   * @default undefined (plaintext)
   */
  tls?: TlsFiles;
}

/** The defaults of {@link CoordinatorOptions}. */
export const DEFAULT_COORDINATOR_OPTIONS: Readonly<CoordinatorOptions> = Object.freeze({
  replicas: 3,
  writeQuorum: 2,
  readQuorum: 2,
  consistency: 'QUORUM' as Consistency,
  partitions: DEFAULT_PARTITIONS,
  timeoutMs: 10_000,
  concurrency: 32,
  stallMs: 1000,
  ejectMs: 1000,
  speculativeRetry: true,
  speculativeMinDelayMs: 10,
  maxBatchEntries: 1000,
  maxBatchBytes: 4 * 1024 * 1024,
  maxValueBytes: DEFAULT_MAX_VALUE_BYTES,
  maxMessageBytes: 64 * 1024 * 1024,
  readRepair: true,
  maxClockOffsetMs: 500,
  clockProbeIntervalMs: 1000,
});

const CONSISTENCIES: readonly Consistency[] = ['ONE', 'QUORUM', 'ALL'];

function invalid(message: string): InvalidArgumentError {
  return new InvalidArgumentError(ErrorCode.InvalidOptions, message);
}

/**
 * Merges `options` over the defaults (W and R default to a majority of the
 * given N) and rejects bad values and combinations.
 */
export function resolveCoordinatorOptions(options: Partial<CoordinatorOptions> = {}): CoordinatorOptions {
  const given = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<CoordinatorOptions>;
  const replicas = given.replicas ?? DEFAULT_COORDINATOR_OPTIONS.replicas;
  const majority = Math.floor(replicas / 2) + 1;
  const o: CoordinatorOptions = { ...DEFAULT_COORDINATOR_OPTIONS, writeQuorum: majority, readQuorum: majority, ...given };
  const whole = (name: keyof CoordinatorOptions, min: number, max = Number.MAX_SAFE_INTEGER): void => {
    const v = o[name] as number;
    if (!Number.isInteger(v) || v < min || v > max) throw invalid(`${name} must be a whole number from ${min} to ${max}, got ${String(v)}`);
  };
  whole('replicas', 1, 16);
  whole('writeQuorum', 1, o.replicas);
  whole('readQuorum', 1, o.replicas);
  whole('timeoutMs', 1);
  whole('concurrency', 1);
  whole('stallMs', 1);
  whole('ejectMs', 1);
  whole('speculativeMinDelayMs', 0);
  whole('maxBatchEntries', 1);
  whole('maxBatchBytes', 1);
  whole('maxValueBytes', 0);
  whole('maxClockOffsetMs', 1);
  whole('clockProbeIntervalMs', 10);
  if (o.writeQuorum > o.replicas || o.readQuorum > o.replicas) throw invalid('writeQuorum and readQuorum cannot be larger than replicas');
  if (!CONSISTENCIES.includes(o.consistency)) throw invalid(`consistency must be one of ${CONSISTENCIES.join(', ')}, got ${String(o.consistency)}`);
  validatePartitions(o.partitions);
  if (o.maxMessageBytes < o.maxValueBytes + MAX_KEY_BYTES + 1024) throw invalid('maxMessageBytes must be at least maxValueBytes + 5 KiB');
  return o;
}

/**
 * Replicas that must answer at `consistency` when `available` replicas of
 * the partition exist (fewer than N in a cluster smaller than N).
 */
export function requiredReplicas(consistency: Consistency, quorum: number, available: number): number {
  switch (consistency) {
    case 'ONE':
      return 1;
    case 'ALL':
      return available;
    default:
      return Math.min(quorum, available);
  }
}
