/**
 * What the public KV service needs from whoever coordinates its requests: the
 * batched operations with one outcome per entry. Unary calls are batches of one.
 */
import type { DstashError } from '../errors.js';

/** Requested consistency; undefined = the coordinator's default. */
export type ConsistencyLevel = 'ONE' | 'QUORUM' | 'ALL';

/** One entry of a put. */
export interface PutItem {
  key: Buffer;
  value: Buffer;
  /** 0 = no expiry. */
  ttlMs: number;
}

/** The outcome of one write. */
export interface WriteOutcome {
  error?: DstashError;
  /** The version stamped on the write, when it succeeded. */
  version?: Buffer;
}

/** The outcome of one lookup. */
export interface LookupOutcome {
  error?: DstashError;
  found: boolean;
  value?: Buffer;
  version?: Buffer;
  expiresAt?: number;
}

/** A live record returned by a scan. */
export interface ScanItem {
  key: Buffer;
  value: Buffer;
  version: Buffer;
  expiresAt: number;
}

/** Scan parameters as the KV service receives them. */
export interface ScanParams {
  index: string;
  prefix: Buffer;
  limit: number;
  startAfter: Buffer;
  consistency?: ConsistencyLevel;
}

/** Coordinates KV requests. */
export interface KvBackend {
  putMany(index: string, items: readonly PutItem[], consistency?: ConsistencyLevel): Promise<WriteOutcome[]>;
  lookupMany(index: string, keys: readonly Buffer[], consistency?: ConsistencyLevel): Promise<LookupOutcome[]>;
  deleteMany(index: string, keys: readonly Buffer[], consistency?: ConsistencyLevel): Promise<WriteOutcome[]>;
  scan(params: ScanParams): AsyncIterable<ScanItem>;
}
