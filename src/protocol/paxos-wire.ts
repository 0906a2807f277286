/**
 * The Paxos and Serial services' messages to and from the shapes of
 * src/consensus/, both ways, for the node's handlers and the SDK's transports.
 */
import { DstashError, ErrorCode, InvalidArgumentError } from '../errors.js';
import type { AcceptorRequest, AcceptorResult, AcceptReply, PrepareReply } from '../consensus/acceptor-transport.js';
import type { RegisterValue } from '../consensus/acceptor-state.js';
import type { SerialCondition, SerialOperation, SerialOutcome } from '../consensus/serial-operation.js';
import type { PaxosAcceptResponse, PaxosAcceptResponse__Output } from './generated/dstash/v1/PaxosAcceptResponse.js';
import type { PaxosPrepareResponse, PaxosPrepareResponse__Output } from './generated/dstash/v1/PaxosPrepareResponse.js';
import type { PaxosEntry, PaxosEntry__Output } from './generated/dstash/v1/PaxosEntry.js';
import type { PaxosEntryResult, PaxosEntryResult__Output } from './generated/dstash/v1/PaxosEntryResult.js';
import type { PaxosValue, PaxosValue__Output } from './generated/dstash/v1/PaxosValue.js';
import type { Record as WireRecord, Record__Output as WireRecordOutput } from './generated/dstash/v1/Record.js';
import type { SerialRequest, SerialRequest__Output } from './generated/dstash/v1/SerialRequest.js';
import type { SerialResponse, SerialResponse__Output } from './generated/dstash/v1/SerialResponse.js';
import type { ReplicaValue } from '../replica-types.js';
import { fromEntryStatus, OK_STATUS, toEntryStatus } from './status.js';

const EMPTY = Buffer.alloc(0);

function toRecord(key: Buffer, r: ReplicaValue): WireRecord {
  return { key, value: r.value, version: r.version, expiresAtMs: r.expiresAt, tombstone: r.tombstone };
}

function fromRecord(r: WireRecordOutput): ReplicaValue {
  return { value: r.value, version: r.version, expiresAt: r.expiresAtMs, tombstone: r.tombstone };
}

/** A register value as a message. */
export function toPaxosValue(key: Buffer, v: RegisterValue): PaxosValue {
  return { record: toRecord(key, v.record), ops: v.ops };
}

/** A register value from a message; `DSTASH_INVALID_ARGUMENT` when it has no record. */
export function fromPaxosValue(v: PaxosValue__Output | null): RegisterValue {
  if (!v?.record) throw new InvalidArgumentError(ErrorCode.InvalidArgument, 'a Paxos value needs a record');
  return { record: fromRecord(v.record), ops: v.ops };
}

export function toPrepareResponse(key: Buffer, r: PrepareReply): PaxosPrepareResponse {
  return {
    promised: r.promised,
    promisedBallot: r.promisedBallot,
    acceptedBallot: r.acceptedBallot,
    accepted: r.accepted ? toPaxosValue(key, r.accepted) : null,
    stored: r.stored ? toRecord(key, r.stored) : null,
  };
}

export function fromPrepareResponse(r: PaxosPrepareResponse__Output): PrepareReply {
  return {
    promised: r.promised,
    promisedBallot: r.promisedBallot,
    acceptedBallot: r.acceptedBallot,
    accepted: r.accepted?.record ? fromPaxosValue(r.accepted) : undefined,
    stored: r.stored ? fromRecord(r.stored) : undefined,
  };
}

export function toAcceptResponse(r: AcceptReply): PaxosAcceptResponse {
  return { accepted: r.accepted, promisedBallot: r.promisedBallot };
}

export function fromAcceptResponse(r: PaxosAcceptResponse__Output): AcceptReply {
  return { accepted: r.accepted, promisedBallot: r.promisedBallot };
}

/** A batch entry of the Paxos service's Batch stream. */
export function toPaxosEntry(r: AcceptorRequest): PaxosEntry {
  const { index, key, ballot } = r;
  return r.phase === 'prepare' ? { prepare: { index, key, ballot } } : { accept: { index, key, ballot, value: toPaxosValue(key, r.value) } };
}

/** A batch entry from a message; `DSTASH_INVALID_ARGUMENT` when it names no phase or an accept has no value. */
export function fromPaxosEntry(e: PaxosEntry__Output): AcceptorRequest {
  if (e.phase === 'prepare' && e.prepare) return { phase: 'prepare', index: e.prepare.index, key: e.prepare.key, ballot: e.prepare.ballot };
  if (e.phase === 'accept' && e.accept) return { phase: 'accept', index: e.accept.index, key: e.accept.key, ballot: e.accept.ballot, value: fromPaxosValue(e.accept.value) };
  throw new InvalidArgumentError(ErrorCode.InvalidArgument, 'a Paxos batch entry needs a prepare or an accept');
}

/** A batch entry's result as a message; `key` is the entry's key (records carry it). */
export function toPaxosEntryResult(key: Buffer, r: AcceptorResult): PaxosEntryResult {
  if ('error' in r) return { status: toEntryStatus(r.error) };
  return r.phase === 'prepare' ? { status: OK_STATUS, prepare: toPrepareResponse(key, r.reply) } : { status: OK_STATUS, accept: toAcceptResponse(r.reply) };
}

/** A batch entry's result from a message: the entry's error, or its reply (an error when it is not of `phase`). */
export function fromPaxosEntryResult(r: PaxosEntryResult__Output, phase: AcceptorRequest['phase']): AcceptorResult {
  const error = fromEntryStatus(r.status);
  if (error) return { error };
  if (phase === 'prepare' && r.prepare) return { phase, reply: fromPrepareResponse(r.prepare) };
  if (phase === 'accept' && r.accept) return { phase, reply: fromAcceptResponse(r.accept) };
  return { error: new DstashError(ErrorCode.Internal, `a Paxos batch result without the ${phase} reply it answers`) };
}

/** A serial operation as a request message. */
export function toSerialRequest(index: string, key: Buffer, op: SerialOperation): SerialRequest {
  const base = { index, key };
  switch (op.kind) {
    case 'read':
      return { ...base, op: 'SERIAL_OP_READ' };
    case 'set':
      return { ...base, op: 'SERIAL_OP_SET', ...condition(op.expect), value: op.value, ttlMs: op.ttlMs };
    case 'delete':
      return { ...base, op: 'SERIAL_OP_DELETE', ...condition(op.expect) };
    case 'append':
      return { ...base, op: 'SERIAL_OP_APPEND', value: op.value };
    case 'increment':
      return { ...base, op: 'SERIAL_OP_INCREMENT', by: op.by.toString() };
  }
}

function condition(expect: SerialCondition | undefined): Partial<SerialRequest> {
  if (!expect) return {};
  if ('absent' in expect) return { expectAbsent: true };
  if ('present' in expect) return { expectPresent: true };
  if ('version' in expect) return { expectedVersion: expect.version };
  // The lists and conjunctions of HTTP's preconditions run on the node that took the request.
  throw new DstashError(ErrorCode.Unsupported, 'a SerialRequest carries only expect_absent, expect_present or one expected_version');
}

/** A serial operation from a request message; `DSTASH_INVALID_ARGUMENT` for a bad one. */
export function fromSerialRequest(r: SerialRequest__Output): SerialOperation {
  if ([r.expectAbsent, r.expectPresent, r.expectedVersion.length > 0].filter(Boolean).length > 1) {
    throw new InvalidArgumentError(ErrorCode.InvalidArgument, 'give at most one of expect_absent, expect_present and expected_version');
  }
  const expect: SerialCondition | undefined = r.expectAbsent ? { absent: true } : r.expectPresent ? { present: true } : r.expectedVersion.length > 0 ? { version: r.expectedVersion } : undefined;
  switch (r.op) {
    case 'SERIAL_OP_READ':
      return { kind: 'read' };
    case 'SERIAL_OP_SET':
      return { kind: 'set', expect, value: r.value, ttlMs: r.ttlMs };
    case 'SERIAL_OP_DELETE':
      return { kind: 'delete', expect };
    case 'SERIAL_OP_APPEND':
      return { kind: 'append', value: r.value };
    case 'SERIAL_OP_INCREMENT':
      return { kind: 'increment', by: parseAmount(r.by) };
    default:
      throw new InvalidArgumentError(ErrorCode.InvalidArgument, `unknown serial operation ${String(r.op)}`);
  }
}

/** A signed 64-bit decimal amount; `DSTASH_INVALID_ARGUMENT` otherwise. */
export function parseAmount(text: string): bigint {
  if (!/^-?[0-9]{1,19}$/.test(text)) throw new InvalidArgumentError(ErrorCode.InvalidArgument, `invalid amount ${JSON.stringify(text.slice(0, 40))}: expected a signed 64-bit integer`);
  const n = BigInt(text);
  if (n < -(2n ** 63n) || n > 2n ** 63n - 1n) throw new InvalidArgumentError(ErrorCode.InvalidArgument, `invalid amount ${text}: outside the signed 64-bit range`);
  return n;
}

export function toSerialResponse(o: SerialOutcome): SerialResponse {
  return { applied: o.applied, found: o.found, value: o.value ?? EMPTY, version: o.version ?? EMPTY, expiresAtMs: o.expiresAt ?? 0 };
}

export function fromSerialResponse(r: SerialResponse__Output): SerialOutcome {
  return r.found
    ? { applied: r.applied, found: true, value: r.value, version: r.version, expiresAt: r.expiresAtMs }
    : { applied: r.applied, found: false, version: r.version.length > 0 ? r.version : undefined };
}
