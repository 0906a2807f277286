/**
 * dstash's batch workloads: one `batchPut` and one `batchLookup` of the whole
 * data set, the large data set in batches of that size, and the same pair on
 * a fresh cluster of each size. Lookups check every value, after the clock stops.
 */
import type { Client, ClientOptions } from '../../src/index.js';
import type { DataSet } from '../data.js';
import { LocalCluster } from '../cluster/local-cluster.js';
import { measure, timed, type Run } from '../measure.js';
import type { BenchOptions } from '../options.js';
import type { Measurement } from '../results.js';
import type { BenchContext } from './context.js';

/** Writes `set` in one batch; failed keys count as errors. */
export async function putBatch(client: Client, index: string, set: DataSet): Promise<Run> {
  const entries = set.keys.map((key, i) => ({ key, value: set.values[i]! }));
  const { ms, value: results } = await timed(() => client.batchPut(entries, { index }));
  return { ms, errors: results.filter((r) => !r.ok).length };
}

/** Reads `set` in one batch; missing keys and wrong values count as errors. */
export async function lookupBatch(client: Client, index: string, set: DataSet): Promise<Run> {
  const { ms, value: results } = await timed(() => client.batchLookup(set.keys, { index }));
  const errors = results.filter((r, i) => !r.found || !r.value.equals(set.values[i]!)).length;
  return { ms, errors };
}

/**
 * A batch put and lookup of a few thousand keys in index `warm-up`, not
 * measured: a new client connects, and the code paths get compiled, before
 * the clock runs. Not in a `quick` run, whose figures mean nothing anyway.
 */
export async function warmUp(ctx: BenchContext, client: Client): Promise<void> {
  if (ctx.options.quick) return;
  const set = ctx.data.range(0, Math.min(ctx.options.keys, 5000));
  await ctx.progress.around('warming up', async () => {
    await putBatch(client, 'warm-up', set);
    await lookupBatch(client, 'warm-up', set);
  });
}

/**
 * `batch`: a batch put then a batch lookup of the data set, each run in an
 * index of its own so that every put writes new keys. Leaves the data set in
 * index `batch-0` for the workloads that read it.
 */
export async function batchWorkloads(ctx: BenchContext, client: Client, prefix = 'batch'): Promise<Measurement[]> {
  const { dataSet } = ctx;
  const keys = dataSet.keys.length;
  const put = await measure(
    ctx,
    { name: `${prefix}-put`, system: 'dstash', description: `batchPut of ${keys} keys`, ops: keys },
    (r) => ctx.progress.around(`dstash ${prefix}-put`, () => putBatch(client, `${prefix}-${r}`, dataSet)),
  );
  const lookup = await measure(
    ctx,
    { name: `${prefix}-lookup`, system: 'dstash', description: `batchLookup of ${keys} keys`, ops: keys },
    (r) => ctx.progress.around(`dstash ${prefix}-lookup`, () => lookupBatch(client, `${prefix}-${r}`, dataSet)),
  );
  return [put, lookup];
}

/** `1m`: the large data set, put then looked up in batches of `keys`. */
export async function largeWorkloads(ctx: BenchContext, client: Client): Promise<Measurement[]> {
  const { options, data } = ctx;
  const chunks = Math.ceil(options.largeKeys / options.keys);
  const chunked = (index: string, stageName: string, each: (index: string, set: DataSet) => Promise<Run>) => async (): Promise<Run> => {
    const stage = ctx.progress.stage(stageName, options.largeKeys);
    const total: Run = { ms: 0, errors: 0 };
    for (let c = 0; c < chunks; c++) {
      const from = c * options.keys;
      // Built outside the timed call: the figure is the store's, not the generator's.
      const set = data.range(from, Math.min(options.keys, options.largeKeys - from));
      const run = await each(index, set);
      total.ms += run.ms;
      total.errors += run.errors;
      stage.update(from + set.keys.length);
    }
    stage.done();
    return total;
  };
  const size = options.largeKeys;
  const put = await measure(
    ctx,
    { name: 'large-put', system: 'dstash', description: `${size} keys, batchPut of ${options.keys} at a time`, ops: size },
    (r) => chunked(`large-${r}`, 'dstash large-put', (index, set) => putBatch(client, index, set))(),
  );
  const lookup = await measure(
    ctx,
    { name: 'large-lookup', system: 'dstash', description: `${size} keys, batchLookup of ${options.keys} at a time`, ops: size },
    (r) => chunked(`large-${r}`, 'dstash large-lookup', (index, set) => lookupBatch(client, index, set))(),
  );
  return [put, lookup];
}

/**
 * `clusters`: the batch pair on a fresh cluster of each size (the main
 * cluster holds the other workloads' data by then, which would tilt its figures).
 */
export async function clusterWorkloads(ctx: BenchContext): Promise<Measurement[]> {
  const { options } = ctx;
  const out: Measurement[] = [];
  for (const nodes of options.clusterSizes) {
    ctx.progress.note(`starting a ${nodes}-node cluster`);
    const cluster = await LocalCluster.start({ ...options, nodes });
    const client = cluster.client(clientOptions(options));
    try {
      await warmUp(ctx, client);
      out.push(...(await batchWorkloads({ ...ctx, cpu: () => cluster.cpu() }, client, `cluster-${nodes}`)));
    } finally {
      await client.close();
      await cluster.stop();
    }
  }
  return out;
}

/** The client options the benchmark's flags set. */
export function clientOptions(options: BenchOptions): Partial<ClientOptions> {
  return { maxBatchEntries: options.batchSize, concurrency: options.concurrency };
}
