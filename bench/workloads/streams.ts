/**
 * `streams`: the data set put and looked up through one node's public KV
 * service, on its batch streams (`PutStream`, `LookupStream`), by a generic
 * gRPC client, as a client in another language talks to dstash: the node
 * places each batch and coordinates it with the replicas, where the SDK does
 * both itself. Lookups check every value, after the clock stops.
 */
import * as grpc from '@grpc/grpc-js';
import { channelOptions } from '../../src/client/grpc-replica-transport.js';
import { DEFAULT_NODE_OPTIONS } from '../../src/node/index.js';
import { KvService } from '../../src/protocol/definitions.js';
import type { EntryStatus__Output } from '../../src/protocol/generated/dstash/v1/EntryStatus.js';
import type { KVClient } from '../../src/protocol/generated/dstash/v1/KV.js';
import type { LookupBatch } from '../../src/protocol/generated/dstash/v1/LookupBatch.js';
import type { PutBatch } from '../../src/protocol/generated/dstash/v1/PutBatch.js';
import type { DataSet } from '../data.js';
import { measure, timed, type Run } from '../measure.js';
import type { BenchOptions } from '../options.js';
import type { Measurement } from '../results.js';
import type { BenchContext } from './context.js';

/** What each stream message is cut to and how many await their answer at once. */
type StreamOptions = Pick<BenchOptions, 'batchSize' | 'concurrency'>;

/** Whether an entry's status is OK: code 0, or no status at all (an unset message field reads as its defaults in proto3). */
const isOk = (entry: { status: EntryStatus__Output | null }): boolean => (entry.status?.code ?? 0) === 0;

/** Where each message's entries start and end in the data set: message `b` holds `[b × size, (b + 1) × size)`. */
function batchRanges(count: number, size: number): (readonly [number, number])[] {
  return Array.from({ length: Math.ceil(count / size) }, (_, b) => [b * size, Math.min(count, (b + 1) * size)] as const);
}

/**
 * Writes `messages` on `call`, message `b` carrying id `b`, at most
 * `inFlight` awaiting their answer at once, and ends the call after the last
 * one. Resolves with the answers by id once every message has one; rejects
 * on a stream error, an answer to no message awaiting one, or a stream that
 * ends with messages unanswered.
 */
function exchange<Req, Res extends { id: number }>(call: grpc.ClientDuplexStream<Req, Res>, messages: readonly Req[], inFlight: number): Promise<Res[]> {
  return new Promise((resolve, reject) => {
    const answers = new Array<Res | undefined>(messages.length);
    let sent = 0;
    let answered = 0;
    const sendMore = (): void => {
      while (sent < messages.length && sent - answered < inFlight) {
        call.write(messages[sent]!);
        sent += 1;
        if (sent === messages.length) call.end();
      }
    };
    call.on('data', (answer: Res) => {
      if (!(answer.id < sent) || answers[answer.id] !== undefined) {
        call.cancel();
        reject(new Error(`dstash.v1.KV answered batch ${answer.id}, which awaited no answer`));
        return;
      }
      answers[answer.id] = answer;
      answered += 1;
      if (answered === messages.length) resolve(answers as Res[]);
      else sendMore();
    });
    call.on('error', reject);
    call.on('end', () => {
      if (answered < messages.length) reject(new Error(`dstash.v1.KV ended the stream with ${messages.length - answered} of ${messages.length} batches unanswered`));
    });
    sendMore();
  });
}

/** Writes `set` in `index` on one `PutStream` call; an entry whose status is not OK counts as an error. */
async function streamPut(kv: KVClient, index: string, set: DataSet, options: StreamOptions): Promise<Run> {
  const messages: PutBatch[] = batchRanges(set.keys.length, options.batchSize).map(([from, to], id) => ({
    id,
    index,
    entries: set.keys.slice(from, to).map((key, j) => ({ key, value: set.values[from + j]!, ttlMs: 0 })),
    consistency: 'CONSISTENCY_QUORUM',
  }));
  const { ms, value: answers } = await timed(() => exchange(kv.PutStream(), messages, options.concurrency));
  const ok = answers.reduce((sum, answer) => sum + answer.results.filter(isOk).length, 0);
  return { ms, errors: set.keys.length - ok };
}

/** Reads `set` from `index` on one `LookupStream` call; an entry not OK, not found or with another value counts as an error. */
async function streamLookup(kv: KVClient, index: string, set: DataSet, options: StreamOptions): Promise<Run> {
  const ranges = batchRanges(set.keys.length, options.batchSize);
  const messages: LookupBatch[] = ranges.map(([from, to], id) => ({ id, index, keys: set.keys.slice(from, to), consistency: 'CONSISTENCY_QUORUM' }));
  const { ms, value: answers } = await timed(() => exchange(kv.LookupStream(), messages, options.concurrency));
  const ok = answers.reduce((sum, answer, b) => {
    const from = ranges[b]![0];
    return sum + answer.results.filter((r, j) => isOk(r) && r.found && r.value.equals(set.values[from + j]!)).length;
  }, 0);
  return { ms, errors: set.keys.length - ok };
}

/**
 * `streams`: `stream-put` then `stream-lookup` of the data set through the
 * node at `address`, each run in an index of its own so that every put
 * writes new keys. The client is a generic one of `dstash.v1.KV` (the
 * proto-loader codec), allowing messages as large as the node does. A new
 * client's connection and the node's KV path get a put and lookup of a few
 * thousand keys first, not measured (none in a `quick` run).
 */
export async function streamWorkloads(ctx: BenchContext, address: string): Promise<Measurement[]> {
  const { options, dataSet } = ctx;
  const keys = dataSet.keys.length;
  const kv = new KvService(address, grpc.credentials.createInsecure(), channelOptions(DEFAULT_NODE_OPTIONS.maxMessageBytes));
  try {
    if (!options.quick) {
      const set = ctx.data.range(0, Math.min(keys, 5000));
      await ctx.progress.around('warming up the KV streams', async () => {
        await streamPut(kv, 'warm-up-stream', set, options);
        await streamLookup(kv, 'warm-up-stream', set, options);
      });
    }
    const batches = `through one node, batches of ${options.batchSize}`;
    const put = await measure(
      ctx,
      { name: 'stream-put', system: 'dstash', description: `PutStream of ${keys} keys ${batches}`, ops: keys },
      (r) => ctx.progress.around('dstash stream-put', () => streamPut(kv, `stream-${r}`, dataSet, options)),
    );
    const lookup = await measure(
      ctx,
      { name: 'stream-lookup', system: 'dstash', description: `LookupStream of ${keys} keys ${batches}`, ops: keys },
      (r) => ctx.progress.around('dstash stream-lookup', () => streamLookup(kv, `stream-${r}`, dataSet, options)),
    );
    return [put, lookup];
  } finally {
    kv.close();
  }
}
