/**
 * dstash errors over HTTP: each stable error code has a status (400 for bad
 * input, 413 for a value or body over its limit, 503 when the cluster cannot
 * serve), and every error answers with the same JSON body,
 * `{ "error": { "code": "DSTASH_…", "message": "…" } }`, carrying the SDK's codes.
 */
import { DstashError, ErrorCode, type ErrorCodeValue } from '../../errors.js';

/**
 * The code of a 404: the key is missing. HTTP
 * only: the SDK answers a missing key with `undefined`, not with an error.
 */
export const NOT_FOUND_CODE = 'DSTASH_NOT_FOUND';

const HTTP_STATUS_BY_CODE: Record<ErrorCodeValue, number> = {
  [ErrorCode.InvalidIndex]: 400,
  [ErrorCode.InvalidKey]: 400,
  // The only invalid value is one over the size limit.
  [ErrorCode.InvalidValue]: 413,
  [ErrorCode.InvalidArgument]: 400,
  [ErrorCode.InvalidOptions]: 400,
  [ErrorCode.WriteQuorum]: 503,
  [ErrorCode.ReadQuorum]: 503,
  [ErrorCode.TruncateIncomplete]: 503,
  [ErrorCode.Unavailable]: 503,
  [ErrorCode.Timeout]: 504,
  [ErrorCode.Closed]: 503,
  [ErrorCode.NotOpen]: 503,
  [ErrorCode.ReadOnly]: 503,
  [ErrorCode.Corrupt]: 500,
  [ErrorCode.DataDirMismatch]: 500,
  [ErrorCode.Discovery]: 503,
  // A peer refused this node's credentials: an upstream failure, not the caller's.
  [ErrorCode.Unauthenticated]: 502,
  // Likewise: a peer refused this node's role. The caller's own token is checked in auth-hooks.ts (401/403).
  [ErrorCode.PermissionDenied]: 502,
  [ErrorCode.Unsupported]: 501,
  [ErrorCode.Decode]: 500,
  // A clock out of bounds: this node or a replica cannot take writes until it is fixed.
  [ErrorCode.ClockSkew]: 503,
  [ErrorCode.ConditionFailed]: 412,
  [ErrorCode.NotACounter]: 409,
  [ErrorCode.Internal]: 500,
};

/** The code of a 404 for a path that no route serves (HTTP only, like {@link NOT_FOUND_CODE}). */
export const NO_ROUTE_CODE = 'DSTASH_NO_ROUTE';

/** The code of a 405: the path exists, but not for this method (HTTP only). */
export const METHOD_NOT_ALLOWED_CODE = 'DSTASH_METHOD_NOT_ALLOWED';

/** The JSON body of every error answer. */
export interface ErrorBody {
  error: { code: string; message: string };
}

/** An error answer: its status, and the code and message of its body. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }

  /** The JSON body answering it. */
  get body(): ErrorBody {
    return { error: { code: this.code, message: this.message } };
  }
}

/** The answer to a dstash error: the status its code maps to. */
export function fromDstashError(err: DstashError): HttpError {
  return new HttpError(HTTP_STATUS_BY_CODE[err.code] ?? 500, err.code, err.message);
}

/** Shorthand for a 400 with `DSTASH_INVALID_ARGUMENT` (or another code). */
export function badRequest(message: string, code: string = ErrorCode.InvalidArgument): HttpError {
  return new HttpError(400, code, message);
}
