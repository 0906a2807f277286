/**
 * Workloads of many concurrent callers, each making one single-key call at a
 * time (throughput and per-call latency): puts, lookups, and YCSB A/B-like
 * mixes of reads and updates over the loaded data set.
 */
import type { Client } from '../../src/index.js';
import { measure, runCallers, type Run } from '../measure.js';
import type { Measurement } from '../results.js';
import type { BenchContext } from './context.js';

/**
 * One single-key operation on some store: number `i` of the run, made by
 * caller number `caller` (each caller awaits its operations one at a time);
 * false when it failed.
 */
export type SingleOp = (i: number, caller: number) => Promise<boolean>;

/** A store's single-key calls; a call that fails rejects. */
export interface SingleKeyStore {
  put(key: Buffer, value: Buffer): Promise<unknown>;
  /** The value, or null/undefined when missing. */
  lookup(key: Buffer): Promise<Buffer | null | undefined>;
}

/**
 * The store of run number `run`, over keys that are new (`fresh`) or over the
 * data set, loaded beforehand (`loaded`).
 */
export type SingleKeyStores = (run: number, keys: 'fresh' | 'loaded') => SingleKeyStore;

/**
 * Measures `op` from `callers` concurrent callers. `check`, when given, runs
 * after each run, off the clock, and throws when the store's state does not
 * match what the run reported.
 */
export function measureCallers(
  ctx: BenchContext,
  info: Pick<Measurement, 'name' | 'system' | 'description'>,
  callers: number,
  ops: number,
  op: (run: number) => SingleOp,
  check?: (run: number, result: Run) => Promise<void>,
): Promise<Measurement> {
  return measure(ctx, { ...info, ops }, async (r) => {
    const stage = ctx.progress.stage(`${info.system} ${info.name}`, ops);
    const result = await runCallers(callers, ops, op(r), (done) => stage.update(done)).finally(() => stage.done());
    await check?.(r, result);
    return result;
  });
}

/** Most calls of the lone caller: one at a time, they take a while. */
const LONE_CALLER_OPS = 5000;

/** The groups of caller workloads. */
export type CallerGroup = 'single' | 'mixed';

interface CallerWorkload {
  group: CallerGroup;
  name: string;
  description: string;
  keys: 'fresh' | 'loaded';
  /** Callers and operations, when not the options' `callers` and `ops`. */
  callers?: number;
  ops?: number;
  op(store: SingleKeyStore, i: number): Promise<boolean>;
}

/**
 * `single`: single-key puts of new keys and lookups of loaded keys in random
 * order; `mixed`: YCSB A/B-like mixes, each call a read with probability 0.5
 * or 0.95, else an update of a loaded key. Lookups check the value.
 */
function callerDefinitions(ctx: BenchContext): CallerWorkload[] {
  const { data } = ctx;
  const { callers } = ctx.options;
  const { keys, values } = ctx.dataSet;
  const n = keys.length;
  const loneOps = Math.min(ctx.options.ops, LONE_CALLER_OPS);
  const lookup = async (s: SingleKeyStore): Promise<boolean> => {
    const j = Math.floor(Math.random() * n);
    return (await s.lookup(keys[j]!))?.equals(values[j]!) === true;
  };
  const update = async (s: SingleKeyStore): Promise<boolean> => {
    const j = Math.floor(Math.random() * n);
    await s.put(keys[j]!, values[j]!);
    return true;
  };
  return [
    {
      group: 'single', name: 'single-put', description: `put of new keys, ${callers} callers`, keys: 'fresh',
      // Numbered past the data set, so that they are new wherever it was loaded.
      op: async (s, i) => {
        await s.put(data.key(n + i), data.value(i));
        return true;
      },
    },
    {
      group: 'single', name: 'single-put-1', description: `put of new keys, 1 caller: the latency of a lone call`, keys: 'fresh', callers: 1, ops: loneOps,
      // Numbered past single-put's keys of the same run.
      op: async (s, i) => {
        await s.put(data.key(n + ctx.options.ops + i), data.value(i));
        return true;
      },
    },
    { group: 'single', name: 'single-lookup', description: `lookup of random keys, ${callers} callers`, keys: 'loaded', op: (s) => lookup(s) },
    ...[50, 95].map((reads): CallerWorkload => ({
      group: 'mixed',
      name: `mixed-${reads}-${100 - reads}`,
      description: `${reads}% lookups, ${100 - reads}% updates of random keys, ${callers} callers`,
      keys: 'loaded',
      op: (s) => (Math.random() * 100 < reads ? lookup(s) : update(s)),
    })),
  ];
}

/** Runs the caller workloads of `groups` on `system` through `stores`. */
export async function callerWorkloads(ctx: BenchContext, system: Measurement['system'], stores: SingleKeyStores, groups: readonly CallerGroup[]): Promise<Measurement[]> {
  const out: Measurement[] = [];
  for (const w of callerDefinitions(ctx).filter((d) => groups.includes(d.group))) {
    out.push(await measureCallers(ctx, { name: w.name, system, description: w.description }, w.callers ?? ctx.options.callers, w.ops ?? ctx.options.ops, (r) => {
      const store = stores(r, w.keys);
      return (i) => w.op(store, i);
    }));
  }
  return out;
}

/** dstash's single-key calls (auto-batched by the client), on index `batch-0` (loaded) or `single-<run>` (fresh). */
export function dstashSingleKeys(client: Client): SingleKeyStores {
  return (run, keys) => {
    const index = keys === 'fresh' ? `single-${run}` : 'batch-0';
    return {
      put: (key, value) => client.put(key, value, { index }),
      lookup: (key) => client.lookup(key, { index }),
    };
  };
}
