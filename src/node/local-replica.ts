/**
 * This node as a replica: validates and applies versioned records to the
 * local store, and reads them back. Both the Replica gRPC service and the
 * node's own coordinator (for itself, in-process) go through here, so every
 * write is checked the same way before it can reach the store.
 *
 * Its checks are the ones for input from any peer (src/limits.ts says who
 * owns which): a coordinator validated the records it stamped, but the
 * Replica service also takes records from other nodes' hints, transfers,
 * anti-entropy and restores, and from programs that are not the SDK. This is
 * the one place that guards all of them, record by record, so that a bad
 * record fails alone and never reaches the store, whose own assertions
 * would fail the whole message.
 */
import { DstashError, ErrorCode, InvalidArgumentError } from '../errors.js';
import { keyError, MAX_KEY_BYTES, validateIndex, validateKey, validateValue } from '../limits.js';
import { partitionOf } from '../placement/partition.js';
import type { ApplyOutcome, PartitionRecord, ReadOutcome, ReplicaRecord, ReplicaScanOptions } from '../replica-types.js';
import { bucketOf, digestOf } from './self-healing/partition-digest.js';
import { checkPartition, MAX_TIME_MS } from '../storage/key-layout.js';
import type { KeyedRecord, ScanOptions, Store } from '../storage/store.js';
import { isVersion } from '../version.js';
import { ALWAYS_WRITABLE, type StoreWrites } from './store-health.js';
import { checkTruncation } from '../truncations.js';
import { VersionBound } from './version-bound.js';

/** The local store seen as one replica. */
export class LocalReplica {
  /** Hints dropped because the hint store was full (see `maxHints`). */
  hintsDropped = 0;
  /** Told of each truncation that moved the store's forward (the node's coordinator hides what it reads below it). */
  onTruncated: (index: string, version: Buffer) => void = () => undefined;
  /** While set, reads, writes and partition walks wait for it (see {@link holdUntil}). */
  private held: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly partitions: number,
    private readonly maxValueBytes: number,
    /** True while this node is still receiving `partition` (reads say so). */
    private readonly syncing: (partition: number) => boolean = () => false,
    /** Told when hints are dropped. */
    private readonly onHintsDropped: (target: string, count: number) => void = () => undefined,
    /** Asked before each write (a read-only store refuses it at once), told when the store fails one. */
    private readonly writes: StoreWrites = ALWAYS_WRITABLE,
    /** Refuses versions too far ahead of this node's clock (`--max-clock-offset`). */
    readonly versionBound: VersionBound = new VersionBound(Number.POSITIVE_INFINITY),
  ) {}

  /**
   * Applies `records` of `index` last-writer-wins; invalid records are
   * answered with their error and not written. With `hintFor`, this node
   * stands in for that home replica and keeps a hint for every valid record.
   * While the store is read-only, valid records are answered with its
   * `DSTASH_READ_ONLY` refusal, and nothing is tried.
   */
  async apply(index: string, records: readonly ReplicaRecord[], hintFor?: string): Promise<ApplyOutcome[]> {
    if (this.held) await this.held;
    const outcomes: ApplyOutcome[] = new Array<ApplyOutcome>(records.length);
    const indexError = catchError(() => validateIndex(index));
    const valid: KeyedRecord[] = [];
    const validAt: number[] = [];
    for (let i = 0; i < records.length; i++) {
      const r = records[i]!;
      const error = indexError ?? this.recordError(r);
      if (error) {
        outcomes[i] = { error, applied: false };
        continue;
      }
      valid.push({
        partition: partitionOf(index, r.key, this.partitions),
        index,
        key: r.key,
        value: r.tombstone ? EMPTY : r.value,
        version: r.version,
        expiresAt: r.expiresAt,
        tombstone: r.tombstone,
      });
      validAt.push(i);
    }
    const refused = valid.length > 0 ? this.writes.refusal() : undefined;
    if (refused) {
      for (const i of validAt) outcomes[i] = { error: refused, applied: false };
    } else if (valid.length > 0) {
      try {
        const applied = await this.store.apply(valid);
        // The hint points at the stored record: delivery sends whatever is newest then.
        if (hintFor) {
          const { dropped } = await this.store.addHints(hintFor, valid);
          if (dropped > 0) {
            this.hintsDropped += dropped;
            this.onHintsDropped(hintFor, dropped);
          }
        }
        for (let j = 0; j < validAt.length; j++) outcomes[validAt[j]!] = applied[j] ? APPLIED : NOT_APPLIED;
      } catch (err) {
        if (!(err instanceof InvalidArgumentError)) this.writes.failed(err);
        const error = asDstashError(err);
        for (const i of validAt) outcomes[i] = { error, applied: false };
      }
    }
    return outcomes;
  }

  /** Reads `keys` of `index` as stored. */
  async read(index: string, keys: readonly Buffer[]): Promise<ReadOutcome[]> {
    if (this.held) await this.held;
    const indexError = catchError(() => validateIndex(index));
    const outcomes: ReadOutcome[] = new Array<ReadOutcome>(keys.length);
    const lookups = [];
    const lookupAt: number[] = [];
    for (let i = 0; i < keys.length; i++) {
      const key = keys[i]!;
      const error = indexError ?? keyError(key);
      if (error) {
        outcomes[i] = { error };
        continue;
      }
      lookups.push({ partition: partitionOf(index, key, this.partitions), index, key });
      lookupAt.push(i);
    }
    if (lookups.length > 0) {
      try {
        const records = await this.store.getMany(lookups);
        for (let j = 0; j < lookupAt.length; j++) {
          const syncing = this.syncing(lookups[j]!.partition);
          outcomes[lookupAt[j]!] = records[j] ? { record: records[j], syncing } : { syncing };
        }
      } catch (err) {
        const error = asDstashError(err);
        for (const i of lookupAt) outcomes[i] = { error };
      }
    }
    return outcomes;
  }

  /** Records of one index with a key prefix, in token order. Throws on bad input. */
  scan(options: ReplicaScanOptions & { includeDead: boolean }): AsyncIterable<KeyedRecord> {
    validateIndex(options.index);
    if (options.prefix.length > MAX_KEY_BYTES) throw new InvalidArgumentError(ErrorCode.InvalidKey, 'invalid prefix: longer than a key can be (4 KiB)');
    const scan: ScanOptions = { index: options.index, prefix: options.prefix, limit: options.limit, includeDead: options.includeDead };
    if (options.startAfter.length > 0) {
      validateKey(options.startAfter);
      scan.startAfter = { partition: partitionOf(options.index, options.startAfter, this.partitions), key: options.startAfter };
    }
    const held = this.held;
    return held ? afterHold(held, () => this.store.scan(scan)) : this.store.scan(scan);
  }

  /** Every record of `partitions`, tombstones included; with `buckets`, only those in the listed digest buckets. */
  async *partitionScan(partitions: readonly number[], buckets?: { count: number; ids: readonly number[] }): AsyncIterable<PartitionRecord> {
    const wanted = buckets && buckets.count > 0 ? new Set(buckets.ids) : undefined;
    if (this.held) await this.held;
    for (const p of partitions) {
      checkPartition(p, this.partitions);
      for await (const r of this.store.partition(p)) {
        if (wanted && !wanted.has(bucketOf(r.index, r.key, buckets!.count))) continue;
        yield r;
      }
    }
  }

  /** Bucket digests of one partition. */
  async digest(partition: number, buckets: number): Promise<Buffer[]> {
    checkPartition(partition, this.partitions);
    if (!Number.isInteger(buckets) || buckets < 1 || buckets > 4096) throw new InvalidArgumentError(ErrorCode.InvalidArgument, `invalid bucket count ${buckets}`);
    if (this.held) await this.held;
    return (await digestOf(this.store.partition(partition), buckets)).digests;
  }

  /**
   * Truncates `index` ("*": every index) in the local store at `version`
   * (see `Store.truncate`); true when that moved its truncation forward.
   * Not held: the truncations a starting node learns arrive through here.
   */
  async truncate(index: string, version: Buffer): Promise<boolean> {
    checkTruncation(index, version);
    const moved = await this.store.truncate(index, version);
    if (moved) this.onTruncated(index, version);
    return moved;
  }

  /**
   * Holds reads, writes and partition walks (digests, transfers) until
   * `ready` settles: a node that starts serves nothing from its store until
   * it has learned the truncations it missed, so that no record they removed
   * can reach a caller or a peer meanwhile.
   */
  holdUntil(ready: Promise<void>): void {
    const held: Promise<void> = ready.catch(() => undefined).finally(() => {
      if (this.held === held) this.held = undefined;
    });
    this.held = held;
  }

  /** Why `r` cannot be applied, or undefined (a method, not a closure per record: batches run it for every one). */
  private recordError(r: ReplicaRecord): DstashError | undefined {
    try {
      this.validateRecord(r);
      return undefined;
    } catch (err) {
      return asDstashError(err);
    }
  }

  /**
   * What a peer could send wrong. The version and expiry are asserted by the
   * record codec too, for the store's sake; here they fail one record instead
   * of the whole message, so the expiry has the codec's bound.
   */
  private validateRecord(r: ReplicaRecord): void {
    validateKey(r.key);
    validateValue(r.value, this.maxValueBytes);
    if (!isVersion(r.version)) {
      throw new InvalidArgumentError(ErrorCode.InvalidArgument, `invalid version: ${r.version.length} bytes, expected 12`);
    }
    this.versionBound.check(r.version);
    if (!Number.isSafeInteger(r.expiresAt) || r.expiresAt < 0 || r.expiresAt > MAX_TIME_MS) {
      throw new InvalidArgumentError(ErrorCode.InvalidArgument, `invalid expiry ${r.expiresAt}`);
    }
  }
}

const EMPTY = Buffer.alloc(0);
// Shared: outcomes are only read (by the codec, or by the node's own coordinator).
const APPLIED: ApplyOutcome = Object.freeze({ applied: true });
const NOT_APPLIED: ApplyOutcome = Object.freeze({ applied: false });


/** The records of `scan()`, once `held` settled. */
async function* afterHold<T>(held: Promise<void>, scan: () => AsyncIterable<T>): AsyncIterable<T> {
  await held;
  yield* scan();
}

function catchError(fn: () => void): DstashError | undefined {
  try {
    fn();
    return undefined;
  } catch (err) {
    return asDstashError(err);
  }
}

/** `err` as a DstashError (foreign errors become DSTASH_INTERNAL). */
export function asDstashError(err: unknown): DstashError {
  return err instanceof DstashError ? err : new DstashError(ErrorCode.Internal, (err as Error)?.message ?? String(err), { cause: err });
}
