/**
 * Serves KV requests from this node's own store: the node is the only
 * replica, so it stamps versions itself and answers at once. This is the
 * backend of a node that runs without a cluster.
 */
import { validateIndex, validateKey, validateTtl, validateValue } from '../limits.js';
import { isLive } from '../storage/store.js';
import { HybridClock } from '../version.js';
import type { KvBackend, LookupOutcome, PutItem, ScanItem, ScanParams, WriteOutcome } from './kv-backend.js';
import type { ReplicaRecord } from '../protocol/replica-types.js';
import { asDstashError, type LocalReplica } from './local-replica.js';

const EMPTY = Buffer.alloc(0);

/** A {@link KvBackend} over the local replica only. */
export class StandaloneBackend implements KvBackend {
  constructor(
    private readonly replica: LocalReplica,
    private readonly maxValueBytes: number,
    private readonly clock: HybridClock = new HybridClock(),
    private readonly now: () => number = Date.now,
  ) {}

  async putMany(index: string, items: readonly PutItem[]): Promise<WriteOutcome[]> {
    const now = this.now();
    return this.write(index, items, (item) => {
      validateKey(item.key);
      validateValue(item.value, this.maxValueBytes);
      validateTtl(item.ttlMs);
      return { key: item.key, value: item.value, version: this.clock.now(), expiresAt: item.ttlMs > 0 ? now + item.ttlMs : 0, tombstone: false };
    });
  }

  async deleteMany(index: string, keys: readonly Buffer[]): Promise<WriteOutcome[]> {
    return this.write(index, keys, (key) => {
      validateKey(key);
      return { key, value: EMPTY, version: this.clock.now(), expiresAt: 0, tombstone: true };
    });
  }

  async lookupMany(index: string, keys: readonly Buffer[]): Promise<LookupOutcome[]> {
    const now = this.now();
    const outcomes = await this.replica.read(index, keys);
    return outcomes.map((o) => {
      if (o.error) return { error: o.error, found: false };
      if (!isLive(o.record, now)) return { found: false };
      return { found: true, value: o.record.value, version: o.record.version, expiresAt: o.record.expiresAt };
    });
  }

  async *scan(params: ScanParams): AsyncIterable<ScanItem> {
    for await (const r of this.replica.scan({ ...params, includeDead: false })) {
      yield { key: r.key, value: r.value, version: r.version, expiresAt: r.expiresAt };
    }
  }

  /** Builds a record per item (bad items answer their error) and applies the rest in one batch. */
  private async write<T>(index: string, items: readonly T[], toRecord: (item: T) => ReplicaRecord): Promise<WriteOutcome[]> {
    const outcomes: WriteOutcome[] = new Array<WriteOutcome>(items.length);
    const records: ReplicaRecord[] = [];
    const at: number[] = [];
    try {
      validateIndex(index);
    } catch (err) {
      return items.map(() => ({ error: asDstashError(err) }));
    }
    for (let i = 0; i < items.length; i++) {
      try {
        records.push(toRecord(items[i]!));
        at.push(i);
      } catch (err) {
        outcomes[i] = { error: asDstashError(err) };
      }
    }
    const applied = await this.replica.apply(index, records);
    for (let j = 0; j < at.length; j++) {
      const o = applied[j]!;
      outcomes[at[j]!] = o.error ? { error: o.error } : { version: records[j]!.version };
    }
    return outcomes;
  }
}
