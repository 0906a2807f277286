/**
 * Moving records between replicas, shared by rebalancing, drain and
 * anti-entropy: records travel in chunks, grouped by index (a replica message
 * carries one index), and a chunk counts as delivered only when every record
 * of it was acknowledged.
 */
import type { PartitionRecord, ReplicaTransport } from '../../replica-types.js';

/** Records per chunk. */
export const TRANSFER_CHUNK = 500;

/** Yields `items` in arrays of at most `size`. */
export async function* chunked<T>(items: AsyncIterable<T>, size = TRANSFER_CHUNK): AsyncIterable<T[]> {
  let chunk: T[] = [];
  for await (const item of items) {
    chunk.push(item);
    if (chunk.length >= size) {
      yield chunk;
      chunk = [];
    }
  }
  if (chunk.length > 0) yield chunk;
}

/** Sends `records` to `to`; rejects unless every one was acknowledged. */
export async function sendRecords(to: ReplicaTransport, records: readonly PartitionRecord[], timeoutMs: number): Promise<void> {
  const byIndex = new Map<string, PartitionRecord[]>();
  for (const r of records) {
    let list = byIndex.get(r.index);
    if (!list) byIndex.set(r.index, (list = []));
    list.push(r);
  }
  for (const [index, list] of byIndex) {
    const outcomes = await to.apply(index, list, timeoutMs);
    const failed = outcomes.find((o) => o.error);
    if (failed) throw failed.error;
  }
}

/** Bytes a record takes on the wire, roughly (for progress figures). */
export function recordBytes(r: PartitionRecord): number {
  return r.key.length + r.value.length + r.version.length + r.index.length + 16;
}
