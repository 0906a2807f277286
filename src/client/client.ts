/**
 * The dstash client SDK. It routes each key to its replicas itself
 * (rendezvous hashing over the members discovery reports), so requests go
 * straight to the nodes that hold the data, in parallel batches.
 *
 * ```ts
 * const client = new Client({ peers: ['127.0.0.1:7420'], codec: codecs.json<User>() });
 * await client.put('user:1', { name: 'Ada' });
 * const user = await client.lookup('user:1');
 * await client.close();
 * ```
 */
import * as grpc from '@grpc/grpc-js';
import type { Discovery, Member } from '../discovery/discovery.js';
import type { ConsulOptions } from '../discovery/consul-options.js';
import { createDiscovery } from '../discovery/create-discovery.js';
import type { DnsOptions } from '../discovery/dns-options.js';
import { DstashError, ErrorCode, InvalidArgumentError } from '../errors.js';
import { DEFAULT_INDEX } from '../limits.js';
import { channelCredentials } from '../protocol/tls.js';
import { AutoBatcher } from './auto-batcher.js';
import type { Consistency, CoordinatorOptions } from './client-options.js';
import { bufferCodec, decodeValue, keyBytes, ValueDecodeError, type Codec, type Key } from './codecs.js';
import { Coordinator, type CoordinatorStats } from './coordinator.js';
import type { LookupOutcome, WriteOutcome } from './coordinator-types.js';
import type { MemberOffset } from './clock-guard.js';
import { GrpcReplicaTransport } from './grpc-replica-transport.js';
import { GrpcAcceptorTransport } from './consensus/grpc-acceptor-transport.js';
import { Proposer } from './consensus/proposer.js';
import { conditionOf, SerialOperations, type Expected, type SerialResult } from './serial-operations.js';

/** Options of a {@link Client}. Give one source of membership: `peers` (or `peersFile`), `dns`, `consul` or `discovery`. */
export interface ClientOptions<T = Buffer> extends Partial<CoordinatorOptions> {
  /**
   * Nodes to start from, as `host:port` or `id@host:port` (static discovery);
   * the client learns members that joined later from them.
   * @default undefined
   */
  peers?: string[];
  /**
   * A file listing peers, re-read when it changes (static discovery).
   * @default undefined
   */
  peersFile?: string;
  /**
   * How often static (or DNS) discovery probes each peer's health, in ms.
   * @default 1000
   */
  healthIntervalMs?: number;
  /**
   * Find the members in DNS: SRV records of `name`, or its A/AAAA records with `port` (see DnsOptions).
   * @default undefined
   */
  dns?: Partial<DnsOptions> & Pick<DnsOptions, 'name'>;
  /**
   * Follow the members registered in Consul (see ConsulOptions).
   * @default undefined
   */
  consul?: ConsulOptions;
  /**
   * A discovery of your own instead of peers or Consul.
   * @default undefined
   */
  discovery?: Discovery;
  /**
   * Bearer token sent with every call, for nodes started with
   * `--auth-token-file`. The client routes requests to the replicas itself,
   * over the Replica service, so it needs a token of role `cluster`;
   * applications that hold only a `read` or `write` token use a node's KV
   * service, REST API or the CLI instead.
   * @default undefined (no token)
   */
  token?: string;
  /**
   * How values are encoded.
   * @default bufferCodec (values are Buffers)
   */
  codec?: Codec<T>;
  /**
   * Index of calls that do not name one.
   * @default 'default'
   */
  index?: string;
  /**
   * Carry concurrent single-key calls on the batch streams.
   * @default true
   */
  autoBatch?: boolean;
}

/** Options of one call. */
export interface CallOptions {
  /** Index (namespace); default: the client's `index`. */
  index?: string;
  /** Replicas that must answer; default: the client's `consistency`. */
  consistency?: Consistency;
}

/** Options of a put. */
export interface PutOptions extends CallOptions {
  /** Time to live in ms; 0 or absent = none. */
  ttl?: number;
}

/** One entry of {@link Client.batchPut}. */
export interface PutEntry<T> {
  key: Key;
  value: T;
  /** Time to live in ms. */
  ttl?: number;
}

/** What happened to one key of a batch write. */
export type WriteResult =
  /** `superseded`: a concurrent write (less than the maximum clock offset newer) won; `version` is the winner's. */
  | { key: Key; ok: true; version: Buffer; superseded?: boolean }
  | { key: Key; ok: false; error: DstashError };

/** What happened to one key of a batch lookup. */
export type LookupResult<T> =
  | { key: Key; found: true; value: T; version: Buffer; expiresAt: number }
  | { key: Key; found: false; error?: undefined }
  | { key: Key; found: false; error: DstashError };

/** Options of a scan. */
export interface ScanOptions extends CallOptions {
  /** Keys starting with this prefix. */
  prefix?: Key;
  /** Most records (0 = all). */
  limit?: number;
  /** Resume after this key (the last key of a previous scan). */
  startAfter?: Key;
  /**
   * Called with each record whose value the codec cannot decode; the scan
   * skips the record and goes on. Without it, the scan throws that
   * {@link ValueDecodeError} (`DSTASH_DECODE`, with the key to resume after).
   */
  onDecodeError?: (err: ValueDecodeError) => void;
}

/** What {@link Client.clockStatus} answers. */
export interface ClockStatus {
  /** True while this client refuses to stamp writes (DSTASH_CLOCK_SKEW). */
  outOfBounds: boolean;
  /** The maximum clock offset, in ms (`maxClockOffsetMs`). */
  maxOffsetMs: number;
  /** Each measured node: its offset and round trip in ms, and whether it is beyond the bound from a majority. */
  offsets: MemberOffset[];
}

/** Counters of what the client did. */
export interface ClientStats extends CoordinatorStats {
  /** Batches formed by auto-batching single-key calls. */
  autoBatches: number;
}

type Op = 'put' | 'lookup' | 'delete';
type Outcome = WriteOutcome | LookupOutcome;
interface Queued {
  key: Buffer;
  value?: Buffer;
  ttlMs?: number;
}

/** A dstash client. Create one per application and share it; `close()` it at exit. */
export class Client<T = Buffer> {
  private readonly coordinator: Coordinator;
  private readonly codec: Codec<T>;
  private readonly index: string;
  private readonly autoBatch: boolean;
  /**
   * The auto-batchers of single-key calls, by operation and consistency (made
   * on first use); each one groups its calls by index, so that a group is one
   * coordinator call.
   */
  private readonly batchers: Record<Op, Map<Consistency | undefined, AutoBatcher<Queued, Outcome>>> = { put: new Map(), lookup: new Map(), delete: new Map() };
  private started?: Promise<void>;
  private closed = false;
  private proposer?: Proposer;
  private readonly serial: SerialOperations<T>;

  constructor(options: ClientOptions<T>) {
    const { peers, peersFile, healthIntervalMs, dns, consul, discovery, codec, index, autoBatch, token, ...coordinatorOptions } = options;
    const source = createDiscovery({ peers, peersFile, dns, consul, discovery }, { healthIntervalMs, tls: coordinatorOptions.tls, token });
    const credentials: grpc.ChannelCredentials = channelCredentials(coordinatorOptions.tls);
    this.coordinator = new Coordinator(
      source,
      (member: Member) => new GrpcReplicaTransport(member.address, credentials, this.coordinator.options.maxMessageBytes, token),
      coordinatorOptions,
    );
    this.codec = codec ?? (bufferCodec as unknown as Codec<T>);
    this.index = index ?? DEFAULT_INDEX;
    this.autoBatch = autoBatch ?? true;
    this.serial = new SerialOperations(async () => {
      await this.connect();
      this.proposer ??= new Proposer(this.coordinator, (m) => new GrpcAcceptorTransport(m.address, credentials, this.coordinator.options, token));
      return this.proposer;
    }, this.codec);
  }

  /** Connects (starts discovery). Operations call it themselves; call it to fail early on a bad configuration. */
  connect(): Promise<void> {
    if (this.closed) return Promise.reject(new DstashError(ErrorCode.Closed, 'the client is closed'));
    this.started ??= this.coordinator.start();
    return this.started;
  }

  /**
   * Stores `value` under `key`. Rejects with a typed error (`WriteQuorumError` below W acknowledgements;
   * `DSTASH_CLOCK_SKEW` when a clock is beyond the maximum offset, or when the key already holds a version
   * newer than that bound allows, so that a resolved put is never followed by a read of an older value).
   */
  async put(key: Key, value: T, options: PutOptions = {}): Promise<void> {
    const item = { key: keyBytes(key), value: this.codec.encode(value), ttlMs: options.ttl ?? 0 };
    const outcome = (await this.single('put', options, item)) as WriteOutcome;
    if (outcome.error) throw outcome.error;
  }

  /** Reads the value of `key`; `undefined` when it is missing, deleted or expired. */
  async lookup(key: Key, options: CallOptions = {}): Promise<T | undefined> {
    const outcome = (await this.single('lookup', options, { key: keyBytes(key) })) as LookupOutcome;
    if (outcome.error) throw outcome.error;
    return outcome.found ? decodeValue(this.codec, keyBytes(key), outcome.value!) : undefined;
  }

  /** Deletes `key` (a tombstone, so that replicas agree). */
  async delete(key: Key, options: CallOptions = {}): Promise<void> {
    const outcome = (await this.single('delete', options, { key: keyBytes(key) })) as WriteOutcome;
    if (outcome.error) throw outcome.error;
  }

  /** Stores many entries; never rejects for a single key: each result says what happened to its key. */
  async batchPut(entries: readonly PutEntry<T>[], options: CallOptions = {}): Promise<WriteResult[]> {
    await this.connect();
    const items = entries.map((e) => ({ key: keyBytes(e.key), value: this.codec.encode(e.value), ttlMs: e.ttl ?? 0 }));
    const outcomes = await this.coordinator.putMany(options.index ?? this.index, items, options.consistency);
    return outcomes.map((o, i) => writeResult(entries[i]!.key, o));
  }

  /** Reads many keys; each result says found, missing, or the error for that key. */
  async batchLookup(keys: readonly Key[], options: CallOptions = {}): Promise<LookupResult<T>[]> {
    await this.connect();
    const outcomes = await this.coordinator.lookupMany(options.index ?? this.index, keys.map(keyBytes), options.consistency);
    return outcomes.map((o, i) => this.lookupResult(keys[i]!, o));
  }

  /** Deletes many keys; each result says what happened to its key. */
  async batchDelete(keys: readonly Key[], options: CallOptions = {}): Promise<WriteResult[]> {
    await this.connect();
    const outcomes = await this.coordinator.deleteMany(options.index ?? this.index, keys.map(keyBytes), options.consistency);
    return outcomes.map((o, i) => writeResult(keys[i]!, o));
  }

  /**
   * Lists the live records of an index whose keys start with `prefix`, over
   * the whole cluster, merged and de-duplicated by newest version, in token
   * order (partition, then key bytes).
   */
  async *scan(options: ScanOptions = {}): AsyncIterable<{ key: Buffer; value: T; version: Buffer }> {
    await this.connect();
    const items = this.coordinator.scan({
      index: options.index ?? this.index,
      prefix: options.prefix === undefined ? Buffer.alloc(0) : keyBytes(options.prefix),
      limit: options.limit ?? 0,
      startAfter: options.startAfter === undefined ? Buffer.alloc(0) : keyBytes(options.startAfter),
    });
    for await (const item of items) {
      let value: T;
      try {
        value = decodeValue(this.codec, item.key, item.value);
      } catch (err) {
        if (!options.onDecodeError || !(err instanceof ValueDecodeError)) throw err;
        options.onDecodeError(err);
        continue;
      }
      yield { key: item.key, value, version: item.version };
    }
  }

  /**
   * Writes `value` only when the key's current version is `expected` (a
   * version from a lookup or an earlier result), when the key is absent
   * with `'absent'`, or when it holds any live value with `'present'`. Linearizable (per-key Paxos); see {@link SerialResult}.
   */
  compareAndSet(key: Key, expected: Expected, value: T, options: PutOptions = {}): Promise<SerialResult<T>> {
    return this.serial.run(options.index ?? this.index, keyBytes(key), { kind: 'set', expect: conditionOf(expected), value: this.codec.encode(value), ttlMs: options.ttl ?? 0 });
  }

  /** Writes `value` only when the key is missing, deleted or expired. Of concurrent callers, exactly one applies. */
  putIfAbsent(key: Key, value: T, options: PutOptions = {}): Promise<SerialResult<T>> {
    return this.compareAndSet(key, 'absent', value, options);
  }

  /** Deletes the key only when its current version is `version`. */
  deleteIf(key: Key, version: Buffer, options: CallOptions = {}): Promise<SerialResult<T>> {
    return this.serial.run(options.index ?? this.index, keyBytes(key), { kind: 'delete', expect: conditionOf(version) });
  }

  /** Appends bytes to the key's value atomically (a missing key is empty); answers the new bytes. */
  append(key: Key, bytes: Buffer | string, options: CallOptions = {}): Promise<SerialResult<Buffer>> {
    return this.serial.runRaw(options.index ?? this.index, keyBytes(key), { kind: 'append', value: Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes, 'utf8') });
  }

  /**
   * Adds `by` to the counter at `key` atomically and answers the new count. A
   * counter is a signed 64-bit integer stored in ASCII decimal; a missing key
   * counts as 0; another value fails with `DSTASH_NOT_A_COUNTER`.
   */
  async increment(key: Key, by: number | bigint = 1, options: CallOptions = {}): Promise<bigint> {
    if (typeof by === 'number' && !Number.isSafeInteger(by)) throw new InvalidArgumentError(ErrorCode.InvalidArgument, `invalid amount ${by}: expected a whole number`);
    const result = await this.serial.runRaw(options.index ?? this.index, keyBytes(key), { kind: 'increment', by: BigInt(by) });
    return BigInt(result.value!.toString('ascii'));
  }

  /** A linearizable read: it sees every serial operation completed before it, finishing any still in flight. */
  serialLookup(key: Key, options: Pick<CallOptions, 'index'> = {}): Promise<SerialResult<T>> {
    return this.serial.run(options.index ?? this.index, keyBytes(key), { kind: 'read' });
  }

  /**
   * Truncates `index` (default: the client's index; `ALL_INDEXES`, "*", for
   * every index): every record written before it is gone on every replica,
   * also the copies that come back later (hints, repair, a returning node);
   * writes after it are kept. Needs a token of role `admin`. Resolves once
   * every member acknowledged; rejects with `TruncateIncompleteError`
   * (`DSTASH_TRUNCATE_INCOMPLETE`) naming the members that did not, which
   * learn it from their peers when they start again.
   */
  async truncate(index: string = this.index): Promise<void> {
    await this.connect();
    await this.coordinator.truncate(index).done;
  }

  /** The cluster's members as this client sees them. */
  members(): readonly Member[] {
    return this.coordinator.members();
  }

  /**
   * This client's clock as last measured against the nodes (README, "Clocks"):
   * each node's offset (positive: the node is ahead), and whether this client
   * is beyond `maxClockOffsetMs` from a majority of them (it then refuses to write).
   */
  clockStatus(): ClockStatus {
    const guard = this.coordinator.clockGuard;
    return { outOfBounds: guard.outOfBounds, maxOffsetMs: guard.maxOffsetMs, offsets: guard.offsets() };
  }

  /** Counters of batches, repairs and quorum failures. */
  stats(): ClientStats {
    let autoBatches = 0;
    for (const byConsistency of Object.values(this.batchers)) for (const batcher of byConsistency.values()) autoBatches += batcher.batches;
    return { ...this.coordinator.stats, autoBatches };
  }

  /** Closes connections and discovery. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.proposer?.close();
    await this.coordinator.close();
  }

  private async single(op: Op, options: CallOptions, item: Queued): Promise<Outcome> {
    await this.connect();
    const index = options.index ?? this.index;
    // An empty consistency (from JavaScript) means the client's own, as an absent one does.
    const consistency = options.consistency || undefined;
    if (!this.autoBatch) return (await this.sendGroup(op, consistency, index, [item]))[0]!;
    return this.batcher(op, consistency).add(index, item);
  }

  private batcher(op: Op, consistency: Consistency | undefined): AutoBatcher<Queued, Outcome> {
    const byConsistency = this.batchers[op];
    let batcher = byConsistency.get(consistency);
    if (!batcher) {
      batcher = new AutoBatcher((index, items) => this.sendGroup(op, consistency, index, items), this.coordinator.options.maxBatchEntries);
      byConsistency.set(consistency, batcher);
    }
    return batcher;
  }

  private sendGroup(op: Op, consistency: Consistency | undefined, index: string, items: Queued[]): Promise<Outcome[]> {
    switch (op) {
      case 'put':
        return this.coordinator.putMany(index, items as { key: Buffer; value: Buffer; ttlMs: number }[], consistency);
      case 'lookup':
        return this.coordinator.lookupMany(index, items.map((i) => i.key), consistency);
      default:
        return this.coordinator.deleteMany(index, items.map((i) => i.key), consistency);
    }
  }

  private lookupResult(key: Key, o: LookupOutcome): LookupResult<T> {
    if (o.error) return { key, found: false, error: o.error };
    if (!o.found) return { key, found: false };
    let value: T;
    try {
      value = decodeValue(this.codec, keyBytes(key), o.value!);
    } catch (err) {
      return { key, found: false, error: err as ValueDecodeError };
    }
    return { key, found: true, value, version: o.version!, expiresAt: o.expiresAt ?? 0 };
  }
}

function writeResult(key: Key, o: WriteOutcome): WriteResult {
  if (o.error) return { key, ok: false, error: o.error };
  return o.superseded ? { key, ok: true, version: o.version!, superseded: true } : { key, ok: true, version: o.version! };
}
