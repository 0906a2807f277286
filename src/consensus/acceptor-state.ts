/**
 * The state a Paxos acceptor keeps per key (CASPaxos, Rystsov 2018), its
 * rules, and its durable encoding. Pure: the node persists the bytes in a
 * keyspace of their own (storage/key-layout.ts) before it answers.
 *
 * Ballots are 12-byte versions (src/version.ts): an HLC timestamp with the
 * proposer's writer id as tie-break, so any node or SDK client can propose
 * and no two proposers share a ballot.
 */
import { DstashError, ErrorCode } from '../errors.js';
import type { ReplicaValue } from '../replica-types.js';
import { compareVersions, NO_VERSION, VERSION_BYTES } from '../version.js';

/** Bytes of an operation id carried in a register value. */
export const OP_ID_BYTES = 16;
/**
 * Operation ids a register value remembers, newest first: a proposer whose
 * accept went unanswered finds here whether that attempt took effect.
 */
export const MAX_REMEMBERED_OPS = 32;

/** The register's value: the dstash record, and the ids of the latest operations that changed it. */
export interface RegisterValue {
  /** The record; its `version` is the ballot of the proposal that wrote it. */
  record: ReplicaValue;
  /** Ids of the attempts that produced this value and its predecessors, newest first. */
  ops: Buffer[];
}

/** What an acceptor keeps for one key. */
export interface AcceptorState {
  /** The highest ballot promised; empty when none. */
  promised: Buffer;
  /** The ballot of the accepted value; empty when none. */
  acceptedBallot: Buffer;
  accepted?: RegisterValue;
}

/** The state of a key no proposer has touched. */
export const EMPTY_ACCEPTOR_STATE: AcceptorState = Object.freeze({ promised: NO_VERSION, acceptedBallot: NO_VERSION });

/** The outcome of a prepare: the new state to persist (when promised) and the answer. */
export function prepareRule(state: AcceptorState, ballot: Buffer): { promised: boolean; next?: AcceptorState } {
  if (compareVersions(ballot, state.promised) <= 0 || compareVersions(ballot, state.acceptedBallot) <= 0) return { promised: false };
  return { promised: true, next: { ...state, promised: ballot } };
}

/** The outcome of an accept: accepted unless a higher ballot was promised. */
export function acceptRule(state: AcceptorState, ballot: Buffer, value: RegisterValue): { accepted: boolean; next?: AcceptorState } {
  if (compareVersions(ballot, state.promised) < 0 || compareVersions(ballot, state.acceptedBallot) <= 0) return { accepted: false };
  return { accepted: true, next: { promised: ballot, acceptedBallot: ballot, accepted: value } };
}

const FORMAT = 1;
const TOMBSTONE = 0x01;

/**
 * Encodes a state:
 *   [format u8 = 1] [promised len u8] [promised] [accepted len u8] [accepted ballot]
 *   when accepted: [flags u8: bit 0 tombstone] [version 12] [expiresAt u48] [ops u8] [ops x 16 bytes] [value]
 */
export function encodeAcceptorState(state: AcceptorState): Buffer {
  const { promised, acceptedBallot, accepted } = state;
  const headBytes = 2 + promised.length + 1 + acceptedBallot.length;
  const size = headBytes + (accepted ? 1 + VERSION_BYTES + 6 + 1 + accepted.ops.length * OP_ID_BYTES + accepted.record.value.length : 0);
  // One allocation, filled in place: a state is written for every prepare and accept.
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  out[at++] = FORMAT;
  out[at++] = promised.length;
  at += promised.copy(out, at);
  out[at++] = acceptedBallot.length;
  at += acceptedBallot.copy(out, at);
  if (!accepted) return out;
  const { record, ops } = accepted;
  out[at++] = record.tombstone ? TOMBSTONE : 0;
  at += record.version.copy(out, at);
  at = out.writeUIntBE(record.expiresAt, at, 6);
  out[at++] = ops.length;
  for (const op of ops) at += op.copy(out, at);
  record.value.copy(out, at);
  return out;
}

/**
 * Decodes a state; throws `DSTASH_CORRUPT` for bytes that are not one. The
 * state's buffers are views of `bytes`, which the caller must not change
 * (the store hands out a fresh buffer per read).
 */
export function decodeAcceptorState(bytes: Buffer): AcceptorState {
  const corrupt = (): DstashError => new DstashError(ErrorCode.Corrupt, `corrupt acceptor state: ${bytes.length} bytes starting ${bytes.subarray(0, 4).toString('hex')}`);
  let at = 0;
  const take = (n: number): Buffer => {
    if (at + n > bytes.length) throw corrupt();
    const out = bytes.subarray(at, at + n);
    at += n;
    return out;
  };
  if (take(1)[0] !== FORMAT) throw corrupt();
  const promised = take(take(1)[0]!);
  const acceptedBallot = take(take(1)[0]!);
  if (at === bytes.length) return { promised, acceptedBallot };
  const flags = take(1)[0]!;
  const version = take(VERSION_BYTES);
  const expiresAt = take(6).readUIntBE(0, 6);
  const count = take(1)[0]!;
  const ops: Buffer[] = [];
  for (let i = 0; i < count; i++) ops.push(take(OP_ID_BYTES));
  const value = bytes.subarray(at);
  if ((flags & ~TOMBSTONE) !== 0) throw corrupt();
  return { promised, acceptedBallot, accepted: { record: { value, version, expiresAt, tombstone: flags === TOMBSTONE }, ops } };
}
