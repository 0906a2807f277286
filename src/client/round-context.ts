/**
 * What a write or read round needs from its coordinator: the options, the
 * routing view, replicas reached through their lanes, and a place to leave
 * work that goes on after the caller has its answer.
 */
import type { DstashError, ReplicaReply } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ReplicaTransport } from '../replica-types.js';
import type { CoordinatorOptions } from './client-options.js';
import type { HintQueue } from './hint-queue.js';
import type { ReplicaLane } from './replica-lane.js';
import type { Routing } from './routing.js';

/** Counters of what the coordinator did; they only grow. */
export interface CoordinatorStats {
  /** Batch messages sent to replicas (applies and reads). */
  batchMessages: number;
  /** Records sent to stale replicas by read repair. */
  readRepairs: number;
  /** Writes that failed their quorum. */
  writeQuorumFailures: number;
  /** Reads that failed their quorum. */
  readQuorumFailures: number;
  /** Hints left for home replicas that missed a write (on a stand-in or on a replica that acknowledged it). */
  hintsWritten: number;
  /** Missed writes for which no replica could take a hint (anti-entropy repairs those). */
  hintsFailed: number;
  /** Reads that asked one more replica because one was slower than its recent p99. */
  speculativeReads: number;
}

/** Which of a replica's two lanes a message takes. */
export type LaneKind = 'foreground' | 'background';

/** The coordinator as its rounds see it. */
export interface RoundContext {
  readonly options: CoordinatorOptions;
  readonly routing: Routing;
  readonly stats: CoordinatorStats;
  readonly log: Logger;
  /**
   * Runs `call` on the replica's transport, in the replica's lane: the
   * callers' own traffic in the foreground lane, hints and read repair in the
   * background lane, so that they never hold a caller.
   */
  send<T>(nodeId: string, call: (transport: ReplicaTransport) => Promise<T>, lane?: LaneKind): Promise<T>;
  /** Hints on their way to the replicas that keep them. */
  readonly hints: HintQueue;
  /** The lane of a replica (its recent latency, whether it is ejected). */
  lane(nodeId: string): ReplicaLane;
  /** Work that goes on after the caller was answered; `close()` waits for it. */
  track(work: Promise<unknown>): void;
}

/** Appends entry `i` to `plan[target]`. */
export function push(plan: Map<string, number[]>, target: string, i: number): void {
  let list = plan.get(target);
  if (!list) plan.set(target, (list = []));
  list.push(i);
}

/** Records that `nodeId` failed entry `i`. */
export function addFailure(failures: Map<number, ReplicaReply[]>, i: number, nodeId: string, error: string): void {
  let list = failures.get(i);
  if (!list) failures.set(i, (list = []));
  list.push({ nodeId, ok: false, error });
}

/** The replies for a key: the failures, and every asked replica that did not fail as having answered. */
export function withAnswered(failures: readonly ReplicaReply[], targets: readonly string[], asked: number): ReplicaReply[] {
  const failed = new Set(failures.map((f) => f.nodeId));
  const replies = failures.slice();
  for (let k = 0; k < asked; k++) {
    const id = targets[k]!;
    if (!failed.has(id)) replies.push({ nodeId: id, ok: true });
  }
  return replies;
}

/** `err` as a DstashError message. */
export function messageOf(err: unknown): string {
  return (err as DstashError | Error)?.message ?? String(err);
}
