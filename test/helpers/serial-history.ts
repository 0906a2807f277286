/**
 * Workloads that record what clients saw, for the linearizability checker
 * and the counter checks of the consensus fault tests, and the fault schedule
 * they run under. Operations that failed with a clear error did not take
 * effect and are left out; those that timed out (DSTASH_TIMEOUT) have an
 * unknown outcome and stay in, without a return.
 */
import { performance } from 'node:perf_hooks';
import { ErrorCode, hasCode, type Client } from '../../src/index.js';
import type { HistoryOperation, RegisterInput, RegisterOutput } from '../support/linearizability/index.js';
import type { ProcessCluster } from './process-cluster.js';
import { waitFor } from './wait.js';

/** A register operation as recorded. */
export type RegisterOperation = HistoryOperation<RegisterInput & { key: string }, RegisterOutput>;

/** Counts of operation outcomes. */
export interface Tally {
  acked: number;
  /** Timed out: may or may not have applied. */
  maybe: number;
  /** Failed with a clear error: did not apply. */
  failed: number;
  /** Error codes of the failures, with counts. */
  codes: Record<string, number>;
}

/** A new empty tally. */
export function tally(): Tally {
  return { acked: 0, maybe: 0, failed: 0, codes: {} };
}

/** Records `err` in `t`; true when the outcome is unknown. */
export function countError(t: Tally, err: unknown): boolean {
  const code = (err as { code?: string }).code ?? 'unknown';
  t.codes[code] = (t.codes[code] ?? 0) + 1;
  if (hasCode(err, ErrorCode.Timeout)) {
    t.maybe += 1;
    return true;
  }
  t.failed += 1;
  return false;
}

/** Increments `key` in a loop until `stop()` says so. */
export async function incrementLoop(client: Client, key: string, t: Tally, stop: () => boolean): Promise<void> {
  while (!stop()) {
    try {
      await client.increment(key);
      t.acked += 1;
    } catch (err) {
      countError(t, err);
    }
  }
}

/**
 * Runs random serial reads and compare-and-sets (writes and deletes) on
 * `keys` until `stop()`, recording each with its call and return times.
 * Written values are unique, so a value stands for its version.
 */
export async function registerLoop(client: Client, name: string, keys: readonly string[], history: RegisterOperation[], t: Tally, stop: () => boolean): Promise<void> {
  const known = new Map<string, { value: string | null; version?: Buffer }>();
  let n = 0;
  while (!stop()) {
    const key = keys[Math.floor(Math.random() * keys.length)]!;
    const last = known.get(key);
    const choice = Math.random();
    // Reads 40 %, compare-and-set of a new unique value 45 %, delete-if 15 %; a read first when the key's state is unknown.
    const input: RegisterInput & { key: string } = choice < 0.4 || !last
      ? { kind: 'read', key }
      : { kind: 'cas', key, expected: last.value, value: choice < 0.85 || last.value === null ? `${name}-${n++}` : null };
    const call = performance.now();
    try {
      let output: RegisterOutput;
      let now: { found: boolean; value?: Buffer; version?: Buffer };
      if (input.kind === 'read') {
        now = await client.serialLookup(key);
        output = { kind: 'read', value: now.found ? now.value!.toString() : null };
      } else {
        const condition = last!.value === null ? 'absent' : last!.version!;
        const r = input.value === null ? await client.deleteIf(key, last!.version!) : await client.compareAndSet(key, condition, Buffer.from(input.value));
        now = r;
        output = { kind: 'cas', applied: r.applied };
      }
      history.push({ input, call, ret: performance.now(), output });
      known.set(key, { value: now.found ? now.value!.toString() : null, version: now.version });
      t.acked += 1;
    } catch (err) {
      // Unknown outcome: in the history without a return; what the key holds is unknown too.
      if (countError(t, err)) history.push({ input, call });
      known.delete(key);
    }
  }
}

/** Freezes (SIGSTOP) or thaws (SIGCONT) a node's process, when it still runs. */
export function signalNode(cluster: ProcessCluster, id: string, signal: 'SIGSTOP' | 'SIGCONT'): void {
  const { child } = cluster.node(id).process;
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
}

/**
 * The fault schedule: progress, kill -9 node-2, progress, restart it,
 * progress, freeze node-3, progress, thaw it, progress. Each step waits for
 * `every` more completed operations (by `progress()`), not for a time.
 * Returns what happened, in order, for the report.
 */
export async function faultSchedule(cluster: ProcessCluster, progress: () => number, every: number): Promise<string[]> {
  const log: string[] = [];
  const advance = async (what: string): Promise<void> => {
    const target = progress() + every;
    await waitFor(() => progress() >= target, `${every} more operations (${what})`, 60_000);
    log.push(`${what}: ${progress()} operations done`);
  };
  await advance('warm-up');
  await cluster.kill('node-2');
  await advance('node-2 killed (-9)');
  await cluster.restart('node-2');
  await advance('node-2 restarted');
  signalNode(cluster, 'node-3', 'SIGSTOP');
  try {
    await advance('node-3 frozen (SIGSTOP)');
  } finally {
    signalNode(cluster, 'node-3', 'SIGCONT');
  }
  await advance('node-3 thawed');
  return log;
}
