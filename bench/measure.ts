/**
 * Timing: wall time of whole runs, per-operation latency histograms for
 * concurrent callers, and the median of repeated runs.
 */
import { createHistogram, performance, type RecordableHistogram } from 'node:perf_hooks';
import type { Latency, Measurement } from './results.js';
import type { BenchContext } from './workloads/context.js';

/** One run of a workload. */
export interface Run {
  ms: number;
  errors: number;
  latency?: Latency;
}

/** What a workload is, apart from its figures. */
export type WorkloadInfo = Pick<Measurement, 'name' | 'system' | 'description' | 'ops'>;

function median(values: readonly number[]): number {
  return values.slice().sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;
}

/**
 * Runs `once` `options.repeat` times (each with its run number) and reports
 * the median run, and the median CPU time when the context can sample it.
 * `prepare` runs before each run, outside the clock and the CPU sample.
 */
export async function measure(ctx: BenchContext, info: WorkloadInfo, once: (run: number) => Promise<Run>, prepare?: (run: number) => Promise<void>): Promise<Measurement> {
  const runs: Run[] = [];
  const cpu: number[] = [];
  const serverCpu: number[] = [];
  for (let r = 0; r < ctx.options.repeat; r++) {
    await prepare?.(r);
    const before = await ctx.cpu?.();
    runs.push(await once(r));
    if (!before) continue;
    const after = await ctx.cpu!();
    const servers = after.servers !== undefined && before.servers !== undefined ? after.servers - before.servers : undefined;
    cpu.push((after.client - before.client + (servers ?? 0)) / 1000);
    if (servers !== undefined) serverCpu.push(servers / 1000);
  }
  const mid = runs.find((r) => r.ms === median(runs.map((x) => x.ms)))!;
  return {
    ...info,
    ms: round(mid.ms),
    opsPerSec: Math.round(info.ops / (mid.ms / 1000)),
    ...(cpu.length > 0 ? { cpuMs: round(median(cpu)), cpuUsPerOp: round((median(cpu) * 1000) / info.ops, 2) } : {}),
    ...(serverCpu.length === runs.length ? { serverCpuMs: round(median(serverCpu)) } : {}),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    runs: runs.map((r) => round(r.ms)),
    ...(mid.latency ? { latency: mid.latency } : {}),
  };
}

/** Wall time of `fn`, ms, and what it returns. */
export async function timed<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const start = performance.now();
  const value = await fn();
  return { ms: performance.now() - start, value };
}

/**
 * `callers` concurrent loops share `ops` operations (operation `i`, made by
 * caller number `caller`, is `op(i, caller)`, false when it failed); each
 * operation's latency goes in a histogram. `progress` hears of every
 * completed operation.
 */
export async function runCallers(callers: number, ops: number, op: (i: number, caller: number) => Promise<boolean>, progress: (done: number) => void): Promise<Run> {
  const histogram = createHistogram();
  let next = 0;
  let done = 0;
  let errors = 0;
  const loop = async (caller: number): Promise<void> => {
    while (next < ops) {
      const i = next++;
      const start = performance.now();
      const ok = await op(i, caller).catch(() => false);
      histogram.record(Math.max(1, Math.round((performance.now() - start) * 1e6)));
      if (!ok) errors += 1;
      progress(++done);
    }
  };
  const { ms } = await timed(() => Promise.all(Array.from({ length: Math.min(callers, ops) }, (_, caller) => loop(caller))));
  return { ms, errors, latency: latencyOf(histogram) };
}

function latencyOf(h: RecordableHistogram): Latency {
  const ms = (ns: number): number => round(ns / 1e6, 3);
  return { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), p999: ms(h.percentile(99.9)), max: ms(h.max) };
}

/** `x` rounded to `digits` decimals. */
export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
