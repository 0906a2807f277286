/**
 * Per-key consensus on a node: its acceptor (the Paxos service, for
 * proposers anywhere) and a proposer (the Serial service, for callers that do
 * not route), added to the node's gRPC server.
 */
import type * as grpc from '@grpc/grpc-js';
import { GrpcAcceptorTransport, Proposer, type Coordinator } from '../../client/index.js';
import { PaxosService, SerialService } from '../../protocol/definitions.js';
import type { Store } from '../../storage/store.js';
import type { TokenSource } from '../../protocol/bearer-token.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { BatchLimits } from '../grpc/batch-stream.js';
import { LocalAcceptor } from './local-acceptor.js';
import { paxosHandlers } from './paxos-handlers.js';
import { serialHandlers } from './serial-handlers.js';

/** What the services need from the node. */
export interface ConsensusContext {
  store: Store;
  coordinator: Coordinator;
  /** This node's id: its own acceptor is reached in-process. */
  nodeId: () => string;
  credentials: grpc.ChannelCredentials;
  /** The cluster token its calls to other acceptors carry, when the nodes ask for tokens. */
  token?: TokenSource;
  /** Checks the tokens of write operations on the Serial service, when the node asks for tokens. */
  auth?: Authenticator;
  partitions: number;
  maxValueBytes: number;
  /** Bounds of the Paxos Batch stream, as of the Replica service's. */
  limits: BatchLimits;
}

/** Adds the Paxos and Serial services to `server`; returns the proposer (close it when the node stops). */
export function addConsensusServices(server: grpc.Server, c: ConsensusContext): Proposer {
  const acceptor = new LocalAcceptor(c.store, c.partitions, c.maxValueBytes);
  const proposer = new Proposer(c.coordinator, (member) => (member.id === c.nodeId() ? acceptor : new GrpcAcceptorTransport(member.address, c.credentials, c.coordinator.options, c.token)));
  server.addService(PaxosService.service, paxosHandlers(acceptor, c.limits));
  server.addService(SerialService.service, serialHandlers(proposer, c.auth));
  return proposer;
}
