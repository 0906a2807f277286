/**
 * The Replica service's batch streams (`Apply`, `Read`) as the code sees
 * them once the hand-written codec (replica-codec.ts) has decoded them:
 * directly the shapes coordinators and replicas exchange (src/replica-types.ts),
 * with no intermediate protobuf objects. `ScanIndex` and `Info` keep the
 * generated types.
 */
import type * as grpc from '@grpc/grpc-js';
import type { ReplicaClient, ReplicaHandlers } from './generated/dstash/v1/Replica.js';
import type { ApplyOutcome, ReadOutcome, ReplicaRecord } from '../replica-types.js';

/** dstash.v1.ApplyBatch. */
export interface ApplyBatchMessage {
  /** Matches the answer to its request on a multiplexed stream. */
  id: number;
  index: string;
  records: readonly ReplicaRecord[];
  /** The unhealthy home replica the receiver stands in for; empty or absent when none. */
  hintFor?: string;
}

/** dstash.v1.ApplyBatchResult: one outcome per record, in order. */
export interface ApplyBatchResultMessage {
  id: number;
  results: ApplyOutcome[];
}

/** dstash.v1.ReadBatch. */
export interface ReadBatchMessage {
  id: number;
  index: string;
  keys: readonly Buffer[];
}

/** dstash.v1.ReadBatchResult: one outcome per key, in order. */
export interface ReadBatchResultMessage {
  id: number;
  results: ReadOutcome[];
}

/** A client of the Replica service with the batch streams typed by their codec. */
export type ReplicaServiceClient = Omit<ReplicaClient, 'Apply' | 'apply' | 'Read' | 'read'> & {
  Apply(options?: grpc.CallOptions): grpc.ClientDuplexStream<ApplyBatchMessage, ApplyBatchResultMessage>;
  Read(options?: grpc.CallOptions): grpc.ClientDuplexStream<ReadBatchMessage, ReadBatchResultMessage>;
};

/** `T` without its index signature (so that Omit keeps the named members). */
type Named<T> = { [K in keyof T as string extends K ? never : number extends K ? never : K]: T[K] };

/** The Replica service's handlers with the batch streams typed by their codec. */
export type ReplicaServiceHandlers = Omit<Named<ReplicaHandlers>, 'Apply' | 'Read'> & grpc.UntypedServiceImplementation & {
  Apply: grpc.handleBidiStreamingCall<ApplyBatchMessage, ApplyBatchResultMessage>;
  Read: grpc.handleBidiStreamingCall<ReadBatchMessage, ReadBatchResultMessage>;
};
