/**
 * What Redis commands do to the cluster, in dstash terms: plain reads and
 * writes through the node's coordinator at the connection's consistency, and
 * atomic read-modify-writes through per-key Paxos (the node's proposer).
 *
 * An atomic change reads the key linearizably, computes the new record, and
 * writes it with a compare-and-set on the version it read; when another
 * writer got there first, it computes again from the value the failed
 * compare-and-set returned. Operations on one key from this node wait for
 * each other, so that they do not contend among themselves; increments of one
 * key that wait together are proposed as one (their sum), and each caller
 * gets the value its own increment produced.
 *
 * Single-key reads and writes of all connections made in the same tick are
 * sent as one batch (as the SDK's auto-batching does), so that pipelines and
 * many clients ride the coordinator's batch messages.
 */
import { AutoBatcher, type Consistency, type Coordinator, type LookupOutcome, type SerialCoordinator, type WriteOutcome } from '../../client/index.js';
import type { SerialCondition, SerialOperation, SerialOutcome } from '../../consensus/serial-operation.js';
import { DstashError, ErrorCode } from '../../errors.js';
import { decodeValue, type RedisValue } from './redis-value.js';

/** A connection's consistency: the coordinator's levels, or SERIAL (every read and write through Paxos). */
export type RedisConsistency = Consistency | 'SERIAL';

/** A live key as a command sees it. */
export interface Stored {
  value: RedisValue;
  /** Expiry in ms since the epoch; 0 = none. */
  expiresAt: number;
}

/** What an atomic change decides: the record to write (or `'delete'`), if any, and what to answer. */
export interface Change<T> {
  write?: { value: Buffer; ttlMs: number } | 'delete';
  result: T;
}

/** One write of a batch. */
export interface KeyWrite {
  key: Buffer;
  /** The encoded record (see redis-value.ts). */
  value: Buffer;
  /** 0 = no expiry. */
  ttlMs: number;
}

/** How {@link Keyspace.copy} treats the destination and the source. */
export interface CopyOptions {
  /** Overwrite a destination that exists (else the copy is not made). */
  replace: boolean;
  /** Delete the source once the destination is written (RENAME). */
  move: boolean;
}

/** What a copy found: no source, a destination it may not overwrite, or done. */
export type CopyResult = 'no-source' | 'exists' | 'copied';

/** Compare-and-set rounds an atomic change tries before it gives up. */
const MAX_ATTEMPTS = 50;
/** Most keys of one automatic batch. */
const MAX_BATCH = 1000;

/** Increments of one key waiting for their turn, proposed together. */
interface PendingIncrement {
  parts: bigint[];
  settle: { resolve(n: bigint): void; reject(err: unknown): void }[];
}

/** The keys of one index as Redis commands see them. */
export class Keyspace {
  private readonly tails = new Map<string, Promise<void>>();
  private readonly increments = new Map<string, PendingIncrement>();
  /** Single-key reads and writes, one batcher per consistency, grouped by index. */
  private readonly reads: Record<Consistency, AutoBatcher<Buffer, LookupOutcome>>;
  private readonly writes: Record<Consistency, AutoBatcher<KeyWrite, WriteOutcome>>;

  constructor(
    private readonly coordinator: Coordinator,
    private readonly serial: SerialCoordinator,
  ) {
    this.reads = byConsistency((c) => new AutoBatcher((index, keys) => coordinator.lookupMany(index, keys, c), MAX_BATCH));
    this.writes = byConsistency((c) => new AutoBatcher((index, items) => coordinator.putMany(index, items, c), MAX_BATCH));
  }

  /** The live keys among `keys` (undefined for missing ones). */
  async read(index: string, keys: readonly Buffer[], c: RedisConsistency): Promise<(Stored | undefined)[]> {
    if (c === 'SERIAL') return Promise.all(keys.map(async (k) => stored(await this.execute(index, k, { kind: 'read' }))));
    const outcomes = keys.length === 1 ? [await this.reads[c].add(index, keys[0]!)] : await this.coordinator.lookupMany(index, keys, c);
    return outcomes.map((o) => {
      if (o.error) throw o.error;
      return o.found ? { value: decodeValue(o.value!), expiresAt: o.expiresAt ?? 0 } : undefined;
    });
  }

  /** Writes every record (unconditionally); throws the first failure. */
  async write(index: string, items: readonly KeyWrite[], c: RedisConsistency): Promise<void> {
    if (c === 'SERIAL') {
      await Promise.all(items.map((i) => this.execute(index, i.key, { kind: 'set', value: i.value, ttlMs: i.ttlMs })));
      return;
    }
    throwFirst(items.length === 1 ? [await this.writes[c].add(index, items[0]!)] : await this.coordinator.putMany(index, items, c));
  }

  /** Deletes every key (unconditionally); throws the first failure. */
  async remove(index: string, keys: readonly Buffer[], c: RedisConsistency): Promise<void> {
    if (c === 'SERIAL') {
      await Promise.all(keys.map((k) => this.execute(index, k, { kind: 'delete' })));
      return;
    }
    throwFirst(await this.coordinator.deleteMany(index, keys, c));
  }

  /** Writes `value` when the key is missing; whether it did. */
  async setIfAbsent(index: string, key: Buffer, value: Buffer, ttlMs: number): Promise<boolean> {
    return (await this.execute(index, key, { kind: 'set', expect: { absent: true }, value, ttlMs })).applied;
  }

  /** Deletes the key if it still holds `version`; whether it did. */
  async deleteIf(index: string, key: Buffer, version: Buffer): Promise<boolean> {
    return (await this.execute(index, key, { kind: 'delete', expect: { version } })).applied;
  }

  /** Adds `by` to the counter; its new value. `DSTASH_NOT_A_COUNTER` when the key holds something else. */
  increment(index: string, key: Buffer, by: bigint): Promise<bigint> {
    const id = lockId(index, key);
    let pending = this.increments.get(id);
    if (!pending) {
      const p: PendingIncrement = { parts: [], settle: [] };
      this.increments.set(id, (pending = p));
      void this.locked(index, key, async () => {
        // Let the caller that opened this turn add its part first; from here on, new increments wait for the next turn.
        await Promise.resolve();
        this.increments.delete(id);
        try {
          const total = p.parts.reduce((a, b) => a + b, 0n);
          const outcome = await this.serial.execute(index, key, { kind: 'increment', by: total });
          // The parts apply in arrival order: each caller sees the value after its own part.
          let value = BigInt(outcome.value!.toString('latin1')) - total;
          p.parts.forEach((part, i) => p.settle[i]!.resolve((value += part)));
        } catch (err) {
          for (const s of p.settle) s.reject(err);
        }
      });
    }
    const mine = pending;
    mine.parts.push(by);
    return new Promise<bigint>((resolve, reject) => mine.settle.push({ resolve, reject }));
  }

  /** Runs `change` atomically on the key (see the module comment); its result. */
  async modify<T>(index: string, key: Buffer, change: (current: Stored | undefined) => Change<T>): Promise<T> {
    return this.locked(index, key, async () => {
      let current = await this.serial.execute(index, key, { kind: 'read' });
      for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
        const { write, result } = change(stored(current));
        if (!write) return result;
        const expect: SerialCondition = current.found ? { version: current.version! } : { absent: true };
        const op: SerialOperation = write === 'delete' ? { kind: 'delete', expect } : { kind: 'set', expect, value: write.value, ttlMs: write.ttlMs };
        const outcome = await this.serial.execute(index, key, op);
        if (outcome.applied) return result;
        current = outcome;
      }
      throw new DstashError(ErrorCode.ConditionFailed, `key changed under ${MAX_ATTEMPTS} compare-and-set attempts in a row: too much contention on it`);
    });
  }

  /**
   * Copies a key's record and remaining TTL to another key (of this or
   * another index; the two may be in different partitions): the source is
   * read linearizably, the destination written atomically on its own Paxos
   * (a compare-and-set on what it held), then, for a move, the source
   * deleted with a compare-and-set on the version read, so that a write to
   * the source in between is kept rather than lost. Not atomic across the
   * two keys: a reader may see both for a moment, and a failure between the
   * two writes leaves both.
   */
  async copy(index: string, from: Buffer, toIndex: string, to: Buffer, o: CopyOptions): Promise<CopyResult> {
    const source = await this.execute(index, from, { kind: 'read' });
    if (!source.found) return 'no-source';
    const ttlMs = source.expiresAt ? Math.max(1, source.expiresAt - Date.now()) : 0;
    const written = await this.modify(toIndex, to, (current): Change<boolean> =>
      current && !o.replace ? { result: false } : { write: { value: source.value!, ttlMs }, result: true });
    if (!written) return 'exists';
    if (o.move) await this.execute(index, from, { kind: 'delete', expect: { version: source.version! } });
    return 'copied';
  }

  private execute(index: string, key: Buffer, op: SerialOperation): Promise<SerialOutcome> {
    return this.locked(index, key, () => this.serial.execute(index, key, op));
  }

  /** Runs `fn` after the operations on the same key that this node started before it. */
  private locked<T>(index: string, key: Buffer, fn: () => Promise<T>): Promise<T> {
    const id = lockId(index, key);
    const previous = this.tails.get(id);
    const run = previous ? previous.then(fn) : fn();
    const tail = run.then(() => undefined, () => undefined);
    this.tails.set(id, tail);
    void tail.then(() => {
      if (this.tails.get(id) === tail) this.tails.delete(id);
    });
    return run;
  }
}

/** One key's identity among the locks: index names cannot hold `\0`, so it is unambiguous (and it is never taken apart). */
function lockId(index: string, key: Buffer): string {
  return `${index}\0${key.toString('latin1')}`;
}

function byConsistency<T>(make: (c: Consistency) => T): Record<Consistency, T> {
  return { ONE: make('ONE'), QUORUM: make('QUORUM'), ALL: make('ALL') };
}

function stored(o: SerialOutcome): Stored | undefined {
  return o.found ? { value: decodeValue(o.value!), expiresAt: o.expiresAt ?? 0 } : undefined;
}

function throwFirst(outcomes: readonly { error?: DstashError }[]): void {
  for (const o of outcomes) if (o.error) throw o.error;
}
