/**
 * Splits the entries bound for each replica into batch messages of bounded
 * size: at most `maxBatchEntries` entries and about `maxBatchBytes` bytes (an
 * entry larger than that travels alone).
 */
import { push } from './round-context.js';

/** One batch message: the entries (by their index in the caller's batch) for one target. */
export interface Message<T> {
  target: T;
  entries: number[];
}

/** Splits `plan` (target → entry indexes, a replica id for reads) into messages. */
export function planMessages<T>(
  plan: Iterable<readonly [T, readonly number[]]>,
  sizeOf: (entry: number) => number,
  limits: { maxBatchEntries: number; maxBatchBytes: number },
): Message<T>[] {
  const messages: Message<T>[] = [];
  for (const [target, entries] of plan) {
    let current: number[] = [];
    let bytes = 0;
    for (const e of entries) {
      const size = sizeOf(e);
      if (current.length > 0 && (current.length >= limits.maxBatchEntries || bytes + size > limits.maxBatchBytes)) {
        messages.push({ target, entries: current });
        current = [];
        bytes = 0;
      }
      current.push(e);
      bytes += size;
    }
    if (current.length > 0) messages.push({ target, entries: current });
  }
  return messages;
}

/** Where a write message goes: a replica and, when it stands in for an unhealthy home replica, that replica. */
export interface WriteTarget {
  readonly nodeId: string;
  /** The home replica whose writes this stand-in keeps hints for; absent for a home replica. */
  readonly hintFor?: string;
}

/**
 * The entries of a write by target: home replicas by id, stand-ins by id and
 * the home replica they keep hints for (a stand-in's records travel in
 * messages of their own, one per home replica). Adding an entry creates
 * nothing per entry but its slot in a list; targets are made per group, as
 * the plan is read.
 */
export class WritePlan implements Iterable<[WriteTarget, number[]]> {
  private readonly homes = new Map<string, number[]>();
  private readonly standIns = new Map<string, Map<string, number[]>>();

  /** Adds entry `i` for replica `nodeId`, standing in for `hintFor` when it is given. */
  add(nodeId: string, hintFor: string | undefined, i: number): void {
    if (hintFor === undefined) {
      push(this.homes, nodeId, i);
      return;
    }
    let byHome = this.standIns.get(nodeId);
    if (!byHome) this.standIns.set(nodeId, (byHome = new Map()));
    push(byHome, hintFor, i);
  }

  *[Symbol.iterator](): Iterator<[WriteTarget, number[]]> {
    for (const [nodeId, entries] of this.homes) yield [{ nodeId }, entries];
    for (const [nodeId, byHome] of this.standIns) {
      for (const [hintFor, entries] of byHome) yield [{ nodeId, hintFor }, entries];
    }
  }
}
