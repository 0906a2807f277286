/**
 * The KV service's batch streams (`PutStream`, `LookupStream`,
 * `DeleteStream`) as a node's handlers see them once the hand-written codec
 * (kv-codec.ts) has decoded them: the coordinator's inputs and outcomes, with
 * no intermediate protobuf objects. The other KV calls keep the generated types.
 */
import type * as grpc from '@grpc/grpc-js';
import type { Consistency__Output } from './generated/dstash/v1/Consistency.js';
import type { KVHandlers } from './generated/dstash/v1/KV.js';

/** dstash.v1.PutEntry. */
export interface PutEntryFields {
  key: Buffer;
  value: Buffer;
  /** Time to live, ms; 0 = none. */
  ttlMs: number;
}

/** dstash.v1.PutBatch. */
export interface PutBatchMessage {
  /** Matches the answer to its request on a multiplexed stream. */
  id: number;
  index: string;
  entries: PutEntryFields[];
  /** The enum's name, or its number when it names no value. */
  consistency: Consistency__Output | number;
}

/** dstash.v1.LookupBatch and dstash.v1.DeleteBatch. */
export interface KeyBatchMessage {
  id: number;
  index: string;
  keys: Buffer[];
  consistency: Consistency__Output | number;
}

/** What a write result is encoded from: a coordinator's write outcome. */
export interface KvWriteOutcome {
  error?: unknown;
  version?: Buffer;
}

/** What a lookup result is encoded from: a coordinator's lookup outcome. */
export interface KvLookupOutcome {
  error?: unknown;
  found: boolean;
  value?: Buffer;
  version?: Buffer;
  /** Expiry, ms since the epoch; 0 or absent = none. */
  expiresAt?: number;
}

/** dstash.v1.PutBatchResult and dstash.v1.DeleteBatchResult: one outcome per entry, in order. */
export interface WriteBatchResultMessage {
  id: number;
  results: readonly KvWriteOutcome[];
}

/** dstash.v1.LookupBatchResult: one outcome per key, in order. */
export interface LookupBatchResultMessage {
  id: number;
  results: readonly KvLookupOutcome[];
}

/** `T` without its index signature (so that Omit keeps the named members). */
type Named<T> = { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] };

/** The KV service's handlers with the batch streams typed by their codec. */
export type KvServiceHandlers = Omit<Named<KVHandlers>, 'PutStream' | 'LookupStream' | 'DeleteStream'> & grpc.UntypedServiceImplementation & {
  PutStream: grpc.handleBidiStreamingCall<PutBatchMessage, WriteBatchResultMessage>;
  LookupStream: grpc.handleBidiStreamingCall<KeyBatchMessage, LookupBatchResultMessage>;
  DeleteStream: grpc.handleBidiStreamingCall<KeyBatchMessage, WriteBatchResultMessage>;
};
