/**
 * dstash errors on the wire, both ways. A DstashError becomes a gRPC status
 * whose code follows the error's kind and whose `dstash-reason` trailer carries
 * the stable error code; the receiving side turns it back into the same error.
 */
import * as grpc from '@grpc/grpc-js';
import { DstashError, ErrorCode, InvalidArgumentError, type ErrorCodeValue } from '../errors.js';
import { readableDetails } from './connection-errors.js';
import type { EntryStatus } from './generated/dstash/v1/EntryStatus.js';

/** Trailer metadata key that carries the dstash error code. */
export const REASON_METADATA_KEY = 'dstash-reason';

const GRPC_CODE_BY_REASON: Record<ErrorCodeValue, grpc.status> = {
  [ErrorCode.InvalidIndex]: grpc.status.INVALID_ARGUMENT,
  [ErrorCode.InvalidKey]: grpc.status.INVALID_ARGUMENT,
  [ErrorCode.InvalidValue]: grpc.status.INVALID_ARGUMENT,
  [ErrorCode.InvalidArgument]: grpc.status.INVALID_ARGUMENT,
  [ErrorCode.InvalidOptions]: grpc.status.INVALID_ARGUMENT,
  [ErrorCode.WriteQuorum]: grpc.status.UNAVAILABLE,
  [ErrorCode.ReadQuorum]: grpc.status.UNAVAILABLE,
  [ErrorCode.TruncateIncomplete]: grpc.status.UNAVAILABLE,
  [ErrorCode.Unavailable]: grpc.status.UNAVAILABLE,
  [ErrorCode.Timeout]: grpc.status.DEADLINE_EXCEEDED,
  [ErrorCode.Closed]: grpc.status.UNAVAILABLE,
  [ErrorCode.NotOpen]: grpc.status.UNAVAILABLE,
  [ErrorCode.ReadOnly]: grpc.status.UNAVAILABLE,
  [ErrorCode.Corrupt]: grpc.status.DATA_LOSS,
  [ErrorCode.DataDirMismatch]: grpc.status.FAILED_PRECONDITION,
  [ErrorCode.Discovery]: grpc.status.UNAVAILABLE,
  [ErrorCode.Unauthenticated]: grpc.status.UNAUTHENTICATED,
  [ErrorCode.PermissionDenied]: grpc.status.PERMISSION_DENIED,
  [ErrorCode.Unsupported]: grpc.status.UNIMPLEMENTED,
  // Raised by the SDK, after the wire; mapped for completeness.
  [ErrorCode.Decode]: grpc.status.FAILED_PRECONDITION,
  [ErrorCode.ClockSkew]: grpc.status.FAILED_PRECONDITION,
  [ErrorCode.ConditionFailed]: grpc.status.FAILED_PRECONDITION,
  [ErrorCode.NotACounter]: grpc.status.FAILED_PRECONDITION,
  [ErrorCode.Internal]: grpc.status.INTERNAL,
};

const KNOWN_REASONS = new Set<string>(Object.values(ErrorCode));

/** The dstash error code for any thrown value (`DSTASH_INTERNAL` for foreign errors). */
export function reasonOf(err: unknown): ErrorCodeValue {
  return err instanceof DstashError ? err.code : ErrorCode.Internal;
}

/** A gRPC service error for `err`, ready to pass to a unary callback or to destroy a stream. */
export function toServiceError(err: unknown): grpc.ServiceError {
  const reason = reasonOf(err);
  const metadata = new grpc.Metadata();
  metadata.set(REASON_METADATA_KEY, reason);
  const message = err instanceof Error ? err.message : String(err);
  return Object.assign(new Error(message), { code: GRPC_CODE_BY_REASON[reason], details: message, metadata });
}

/** The per-entry status of a batch result for `err`. */
export function toEntryStatus(err: unknown): EntryStatus {
  const reason = reasonOf(err);
  return { code: GRPC_CODE_BY_REASON[reason], reason, message: err instanceof Error ? err.message : String(err) };
}

/** The OK entry status. */
export const OK_STATUS: EntryStatus = Object.freeze({ code: grpc.status.OK, reason: '', message: '' });

/** Turns a gRPC error received by a client back into a DstashError with the sender's code. */
export function fromServiceError(err: unknown, peer?: string): DstashError {
  if (err instanceof DstashError) return err;
  const e = err as Partial<grpc.ServiceError>;
  const reason = e.metadata?.get(REASON_METADATA_KEY)[0];
  const where = peer ? ` (from ${peer})` : '';
  const details = readableDetails(e.details ?? (err instanceof Error ? err.message : String(err)));
  if (typeof reason === 'string' && KNOWN_REASONS.has(reason)) {
    const code = reason as ErrorCodeValue;
    if (GRPC_CODE_BY_REASON[code] === grpc.status.INVALID_ARGUMENT) return new InvalidArgumentError(code as never, details);
    return new DstashError(code, `${details}${where}`, { cause: err });
  }
  return new DstashError(codeForGrpcStatus(e.code), `${details}${where}`, { cause: err });
}

/** Turns a batch entry's status back into an error, or undefined when it is OK. */
export function fromEntryStatus(status: EntryStatus | null | undefined): DstashError | undefined {
  if (!status || !status.code) return undefined;
  const reason = status.reason && KNOWN_REASONS.has(status.reason) ? (status.reason as ErrorCodeValue) : codeForGrpcStatus(status.code);
  const message = status.message ?? '';
  if (GRPC_CODE_BY_REASON[reason] === grpc.status.INVALID_ARGUMENT) return new InvalidArgumentError(reason as never, message);
  return new DstashError(reason, message);
}

function codeForGrpcStatus(code: number | undefined): ErrorCodeValue {
  switch (code) {
    // RESOURCE_EXHAUSTED: grpc-js's answer to a message over the receiver's size limit.
    case grpc.status.INVALID_ARGUMENT:
    case grpc.status.RESOURCE_EXHAUSTED:
      return ErrorCode.InvalidArgument;
    case grpc.status.DEADLINE_EXCEEDED:
      return ErrorCode.Timeout;
    case grpc.status.UNAUTHENTICATED:
      return ErrorCode.Unauthenticated;
    case grpc.status.PERMISSION_DENIED:
      return ErrorCode.PermissionDenied;
    case grpc.status.UNAVAILABLE:
    case grpc.status.CANCELLED:
      return ErrorCode.Unavailable;
    case grpc.status.UNIMPLEMENTED:
      return ErrorCode.Unsupported;
    default:
      return ErrorCode.Internal;
  }
}
