/**
 * The coordinator's batched operations and their per-entry outcomes. The SDK
 * client and a node coordinating for a caller that does not route both speak
 * these shapes.
 */
import type { DstashError } from '../errors.js';
import type { Consistency } from './client-options.js';

/** One entry of a put. */
export interface PutItem {
  key: Buffer;
  value: Buffer;
  /** Time to live in ms; 0 = no expiry. */
  ttlMs: number;
}

/** The outcome of one write. */
export interface WriteOutcome {
  error?: DstashError;
  /** The version stamped on the write, when it succeeded; the winning version when `superseded`. */
  version?: Buffer;
  /**
   * True when a replica already held a newer version, less than the maximum
   * clock offset newer (a concurrent write): that version wins, and `version` is it.
   */
  superseded?: boolean;
}

/** The outcome of one lookup. */
export interface LookupOutcome {
  error?: DstashError;
  /** False when the key is missing, deleted or expired. */
  found: boolean;
  value?: Buffer;
  version?: Buffer;
  /** Expiry in ms since the epoch; 0 = none. */
  expiresAt?: number;
}

/** A live record returned by a scan. */
export interface ScanItem {
  key: Buffer;
  value: Buffer;
  version: Buffer;
  expiresAt: number;
}

/** A scan of one index. */
export interface ScanParams {
  index: string;
  /** Keys starting with these bytes; empty = all. */
  prefix: Buffer;
  /** Most records; 0 = no limit. */
  limit: number;
  /** Resume strictly after this key (token order); empty = from the start. */
  startAfter: Buffer;
  consistency?: Consistency;
}

/** Coordinates requests over the cluster. */
export interface KvCoordinator {
  putMany(index: string, items: readonly PutItem[], consistency?: Consistency): Promise<WriteOutcome[]>;
  lookupMany(index: string, keys: readonly Buffer[], consistency?: Consistency): Promise<LookupOutcome[]>;
  deleteMany(index: string, keys: readonly Buffer[], consistency?: Consistency): Promise<WriteOutcome[]>;
  scan(params: ScanParams): AsyncIterable<ScanItem>;
}
