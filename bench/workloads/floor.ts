/**
 * `floor`: what the storage engine costs on its own. classic-level, opened
 * as a node's store opens it, in the benchmark's own process, writes the
 * data set as dstash stores it (data keys, encoded records) and reads it back:
 * the CPU per record it takes is the floor under the cluster's CPU per key,
 * which writes each key on N nodes and reads it on R.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { DEFAULT_PARTITIONS, partitionOf } from '../../src/placement/partition.js';
import { encodeDataKey } from '../../src/storage/key-layout.js';
import { openLevelDb, writeBatch, type LevelDb } from '../../src/storage/level-db.js';
import { encodeRecord } from '../../src/storage/record-codec.js';
import { DEFAULT_LEVEL_STORE_OPTIONS } from '../../src/storage/store-options.js';
import { encodeVersion } from '../../src/version.js';
import { untilStopped } from '../cleanup.js';
import { ownCpuMicros } from '../cpu.js';
import type { DataSet } from '../data.js';
import { measure, timed, type Run } from '../measure.js';
import type { Measurement } from '../results.js';
import type { BenchContext } from './context.js';

/** Batches in flight at once, as on a node under load. */
const IN_FLIGHT = 8;

/** The data set as dstash stores it in `index`: data keys and encoded records, by position. */
function storedRecords(dataSet: DataSet, index: string, version: Buffer): DataSet {
  return {
    keys: dataSet.keys.map((key) => encodeDataKey(partitionOf(index, key, DEFAULT_PARTITIONS), index, key)),
    values: dataSet.values.map((value) => encodeRecord({ value, version, expiresAt: 0, tombstone: false })),
  };
}

/** Positions 0 … count-1 in random order. */
function shuffled(count: number): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  for (let i = count - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** The records in batches of `size`, in the order of positions `order` (their own by default). */
function inBatches(records: DataSet, size: number, order: readonly number[] = records.keys.map((_, i) => i)): DataSet[] {
  const out: DataSet[] = [];
  for (let start = 0; start < order.length; start += size) {
    const positions = order.slice(start, start + size);
    out.push({ keys: positions.map((p) => records.keys[p]!), values: positions.map((p) => records.values[p]!) });
  }
  return out;
}

/** Runs `each` on every batch, at most {@link IN_FLIGHT} at once: the wall time, and what each returned. */
function inFlight<T>(batches: readonly DataSet[], each: (batch: DataSet) => Promise<T>): Promise<{ ms: number; value: T[] }> {
  const limit = pLimit(IN_FLIGHT);
  return timed(() => Promise.all(batches.map((batch) => limit(() => each(batch)))));
}

/**
 * Writes every batch as the store does, a chained batch each, not fsynced. A
 * failed write rejects: LevelDB alone in a temp dir has no replica to fall
 * back on, and the run had better stop with the cause than count it.
 */
async function writeAll(db: LevelDb, batches: readonly DataSet[]): Promise<Run> {
  const { ms } = await inFlight(batches, ({ keys, values }) => writeBatch(db, false, (batch) => {
    for (let i = 0; i < keys.length; i++) batch.put(keys[i]!, values[i]!);
  }));
  return { ms, errors: 0 };
}

/** Reads every batch with one `getMany`; a missing or wrong record, checked after the clock stops, counts as an error. */
async function readAll(db: LevelDb, batches: readonly DataSet[]): Promise<Run> {
  const { ms, value } = await inFlight(batches, ({ keys }) => db.getMany(keys));
  const errors = value.reduce((sum, found, b) => sum + found.filter((record, i) => !record || !record.equals(batches[b]!.values[i]!)).length, 0);
  return { ms, errors };
}

/**
 * `floor`: `leveldb write` and `leveldb getmany` of the data set, in a fresh
 * database in a temp dir (removed afterwards), each run in an index of its
 * own so that every write is of a new key. Keys, records and the read order
 * are built before each run, off the clock; the CPU is this process's, which
 * counts LevelDB's background threads too.
 */
export async function floorWorkloads(ctx: BenchContext): Promise<Measurement[]> {
  const { options, dataSet } = ctx;
  const { batchSize } = options;
  const keys = dataSet.keys.length;
  const version = encodeVersion(Date.now(), 0, 1);
  const written: DataSet[] = [];
  const batches: DataSet[][] = [];
  const inProcess: BenchContext = { ...ctx, cpu: async () => ({ client: ownCpuMicros() }) };
  ctx.progress.note('measuring classic-level alone, in this process');
  const dir = await mkdtemp(join(tmpdir(), 'dstash-bench-floor-'));
  const removeDir = untilStopped(() => rm(dir, { recursive: true, force: true }));
  try {
    const { writeBufferSize, cacheSize } = DEFAULT_LEVEL_STORE_OPTIONS;
    const db = await openLevelDb(dir, { writeBufferSize, cacheSize });
    try {
      if (!options.quick) {
        // Unmeasured, as on a new cluster: the write and read paths get compiled before the clock runs.
        const warm = storedRecords(ctx.data.range(0, Math.min(keys, 5000)), 'warm-up', version);
        await ctx.progress.around('warming up leveldb', async () => {
          await writeAll(db, inBatches(warm, batchSize));
          await readAll(db, inBatches(warm, batchSize, shuffled(warm.keys.length)));
        });
      }
      const write = await measure(
        inProcess,
        { name: 'write', system: 'leveldb', description: `${keys} new records, chained batches of ${batchSize}, ${IN_FLIGHT} in flight`, ops: keys },
        (r) => ctx.progress.around('leveldb write', () => writeAll(db, batches[r]!)),
        async (r) => {
          written[r] = storedRecords(dataSet, `floor-${r}`, version);
          batches[r] = inBatches(written[r], batchSize);
        },
      );
      const getMany = await measure(
        inProcess,
        { name: 'getmany', system: 'leveldb', description: `${keys} records in random order, getMany of ${batchSize}, ${IN_FLIGHT} in flight`, ops: keys },
        (r) => ctx.progress.around('leveldb getmany', () => readAll(db, batches[r]!)),
        async (r) => {
          batches[r] = inBatches(written[r]!, batchSize, shuffled(keys));
        },
      );
      return [write, getMany];
    } finally {
      await db.close();
    }
  } finally {
    await removeDir();
  }
}
