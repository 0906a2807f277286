/**
 * What coordinators and replicas exchange, independent of the transport: a
 * coordinator reaches a remote replica over gRPC and a node reaches itself
 * in-process, with the same shapes. A ground-floor module: every layer
 * (storage, consensus, protocol, client, node) shares these types, and it
 * imports nothing but errors.ts.
 */
import type { DstashError } from './errors.js';

/** A versioned record as replicas exchange it (dstash.v1.Record). */
export interface ReplicaRecord {
  key: Buffer;
  /** Empty for a tombstone. */
  value: Buffer;
  /** 12-byte version (src/version.ts). */
  version: Buffer;
  /** Expiry in ms since the epoch; 0 = never. */
  expiresAt: number;
  tombstone: boolean;
}

/** A stored record without its key, as a read returns it. */
export type ReplicaValue = Omit<ReplicaRecord, 'key'>;

/** The outcome of applying one record on one replica. */
export interface ApplyOutcome {
  /** Set when the record was rejected (bad input, store failure). */
  error?: DstashError;
  /** True when written; false when the stored version was newer or equal. */
  applied: boolean;
}

/** The outcome of reading one key on one replica. */
export interface ReadOutcome {
  error?: DstashError;
  /** The stored record (tombstones and expired included), when there is one. */
  record?: ReplicaValue;
  /** True while the replica is still receiving the key's partition: its answer may be incomplete. */
  syncing?: boolean;
}

/** A record with its partition and index, as partition transfers carry it. */
export interface PartitionRecord extends ReplicaRecord {
  partition: number;
  index: string;
}

/** A scan of one index on one replica. */
export interface ReplicaScanOptions {
  index: string;
  prefix: Buffer;
  /** 0 = no limit. */
  limit: number;
  /** Resume strictly after this key; empty = from the start. */
  startAfter: Buffer;
}

/** One replica, as a coordinator talks to it. */
export interface ReplicaTransport {
  /**
   * Applies records last-writer-wins; one outcome per record. With `hintFor`,
   * the replica stands in for that unhealthy home replica and keeps a hint.
   * Rejects when the replica cannot be reached.
   */
  apply(index: string, records: readonly ReplicaRecord[], timeoutMs: number, hintFor?: string): Promise<ApplyOutcome[]>;
  /** Reads keys as stored; one outcome per key. Rejects when the replica cannot be reached. */
  read(index: string, keys: readonly Buffer[], timeoutMs: number): Promise<ReadOutcome[]>;
  /** Records of one index in token order, tombstones and expired ones included. */
  scan(options: ReplicaScanOptions, timeoutMs: number): AsyncIterable<ReplicaRecord>;
  /** Every record of `partitions` (tombstones included); with `buckets`, only the listed digest buckets. */
  partitionScan(partitions: readonly number[], timeoutMs: number, buckets?: { count: number; ids: readonly number[] }): AsyncIterable<PartitionRecord>;
  /** Digest of one partition: one 8-byte digest per bucket. */
  digest(partition: number, buckets: number, timeoutMs: number): Promise<Buffer[]>;
  /**
   * Truncates `index` ("*": every index) on the replica at `version` (the
   * Admin service's Truncate), durably; true when it moved the replica's
   * truncation forward. Absent where it cannot be asked.
   */
  truncate?(index: string, version: Buffer, timeoutMs: number): Promise<boolean>;
  /** The replica's wall clock, in ms since the epoch (for offset measurement); absent where it cannot be asked. */
  clock?(timeoutMs: number): Promise<number>;
  /** Releases connections. */
  close(): void;
}
