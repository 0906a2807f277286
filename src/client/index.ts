/** The client side: the SDK and the coordinator that nodes also use. */
export { Client, type CallOptions, type ClientOptions, type ClientStats, type ClockStatus, type LookupResult, type PutEntry, type PutOptions, type ScanOptions, type WriteResult } from './client.js';
export { DEFAULT_COORDINATOR_OPTIONS, requiredReplicas, resolveCoordinatorOptions, type Consistency, type CoordinatorOptions } from './client-options.js';
export { bufferCodec, codecs, jsonCodec, keyBytes, stringCodec, ValueDecodeError, type Codec, type Key } from './codecs.js';
export { Coordinator, type CoordinatorStats, type TransportFactory } from './coordinator.js';
export type { ClockGuard, ClockGuardStats, MemberOffset } from './clock-guard.js';
export { AutoBatcher } from './auto-batcher.js';
export type { KvCoordinator, LookupOutcome, PutItem, ScanItem, ScanParams, WriteOutcome } from './coordinator-types.js';
export { GrpcReplicaTransport, channelOptions } from './grpc-replica-transport.js';
export { Proposer, type AcceptorFactory, type ProposerStats, type SerialCoordinator } from './consensus/proposer.js';
export { GrpcAcceptorTransport } from './consensus/grpc-acceptor-transport.js';
export { type Expected, type SerialResult } from './serial-operations.js';
