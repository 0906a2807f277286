/**
 * One acceptor as a proposer talks to it: a remote node over gRPC (the
 * internal dstash.v1.Paxos service) or the node itself, in-process.
 */
import type { ReplicaValue } from '../replica-types.js';
import type { RegisterValue } from './acceptor-state.js';

/** An acceptor's answer to a prepare. */
export interface PrepareReply {
  /** True when the acceptor promised the ballot. */
  promised: boolean;
  /** The highest ballot it promised (when it refused: the one to beat). */
  promisedBallot: Buffer;
  /** The ballot of the value it accepted last; empty when none. */
  acceptedBallot: Buffer;
  accepted?: RegisterValue;
  /** The key's record as this replica stores it (the committed value, or a plain write), tombstones included. */
  stored?: ReplicaValue;
}

/** An acceptor's answer to an accept. */
export interface AcceptReply {
  accepted: boolean;
  /** The highest ballot it promised (when it refused: the one to beat). */
  promisedBallot: Buffer;
}

/** One phase on one key, as a batch carries it. */
export type AcceptorRequest =
  | { phase: 'prepare'; index: string; key: Buffer; ballot: Buffer }
  | { phase: 'accept'; index: string; key: Buffer; ballot: Buffer; value: RegisterValue };

/** The answer to one {@link AcceptorRequest}: its reply, or why that entry alone failed. */
export type AcceptorResult =
  | { phase: 'prepare'; reply: PrepareReply }
  | { phase: 'accept'; reply: AcceptReply }
  | { error: unknown };

/** Phase 1 and phase 2 of single-key Paxos on one acceptor. Both reject when the acceptor cannot be reached. */
export interface AcceptorTransport {
  prepare(index: string, key: Buffer, ballot: Buffer, timeoutMs: number): Promise<PrepareReply>;
  accept(index: string, key: Buffer, ballot: Buffer, value: RegisterValue, timeoutMs: number): Promise<AcceptReply>;
  /** Releases connections. */
  close(): void;
}
