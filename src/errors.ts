/**
 * Typed errors. Every error dstash raises carries a stable `code` (assert on
 * it, not on the message) and the context that explains it. Over the wire the
 * code travels as the gRPC status details' reason (see protocol/status.ts).
 */

/** Stable machine-readable error codes. */
export const ErrorCode = {
  /** An index name outside `[A-Za-z0-9_.-]{1,64}`. */
  InvalidIndex: 'DSTASH_INVALID_INDEX',
  /** A key that is empty or longer than 4 KiB. */
  InvalidKey: 'DSTASH_INVALID_KEY',
  /** A value larger than the configured limit. */
  InvalidValue: 'DSTASH_INVALID_VALUE',
  /** Any other malformed argument (a bad TTL, version, limit, batch). */
  InvalidArgument: 'DSTASH_INVALID_ARGUMENT',
  /** Options that contradict each other or are out of range. */
  InvalidOptions: 'DSTASH_INVALID_OPTIONS',
  /** Fewer replicas than the write quorum acknowledged a write. */
  WriteQuorum: 'DSTASH_WRITE_QUORUM',
  /** A truncation (FLUSHDB, FLUSHALL, `client.truncate`) that some members did not acknowledge. */
  TruncateIncomplete: 'DSTASH_TRUNCATE_INCOMPLETE',
  /** Fewer replicas than the read quorum answered a read. */
  ReadQuorum: 'DSTASH_READ_QUORUM',
  /** No member can serve the request (empty or fully unhealthy cluster). */
  Unavailable: 'DSTASH_UNAVAILABLE',
  /** A deadline passed before the request completed. */
  Timeout: 'DSTASH_TIMEOUT',
  /** The client, node or store was closed. */
  Closed: 'DSTASH_CLOSED',
  /** The store is not open (yet). */
  NotOpen: 'DSTASH_NOT_OPEN',
  /**
   * The replica's store refuses writes for now (its disk is full) while it
   * still serves reads; coordinators count it as a failed replica and keep a
   * hint, and it takes writes again once space is freed.
   */
  ReadOnly: 'DSTASH_READ_ONLY',
  /** A stored record or message could not be decoded. */
  Corrupt: 'DSTASH_CORRUPT',
  /** The data dir belongs to another configuration (partition count, node id). */
  DataDirMismatch: 'DSTASH_DATA_DIR_MISMATCH',
  /** Discovery (Consul, peers file) failed. */
  Discovery: 'DSTASH_DISCOVERY',
  /** The remote side refused our credentials or TLS handshake: a missing or unknown token, a refused certificate. */
  Unauthenticated: 'DSTASH_UNAUTHENTICATED',
  /** The token is valid, but its role does not allow the operation (a read token writing, a client token on the Replica service). */
  PermissionDenied: 'DSTASH_PERMISSION_DENIED',
  /** The operation is not available in this build or from this node. */
  Unsupported: 'DSTASH_UNSUPPORTED',
  /** A stored value that the client's codec cannot decode (written with another codec, or by other software). */
  Decode: 'DSTASH_DECODE',
  /**
   * A clock beyond the maximum offset: a replica refused a version too far
   * ahead of its clock, a coordinator out of bounds refused to stamp a write,
   * or a write lost to a version newer than the offset bound allows.
   */
  ClockSkew: 'DSTASH_CLOCK_SKEW',
  /** A conditional write found another version than the one it expected (HTTP 412). */
  ConditionFailed: 'DSTASH_CONDITION_FAILED',
  /** An increment found a value that is not a counter (a signed 64-bit integer in ASCII decimal). */
  NotACounter: 'DSTASH_NOT_A_COUNTER',
  /** An unexpected failure; the message and cause say more. */
  Internal: 'DSTASH_INTERNAL',
} as const;

/** One of the {@link ErrorCode} values. */
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The base of every error dstash raises. */
export class DstashError extends Error {
  /** Stable code; see {@link ErrorCode}. */
  readonly code: ErrorCodeValue;

  constructor(code: ErrorCodeValue, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bad input from a caller. Maps to gRPC INVALID_ARGUMENT. */
export class InvalidArgumentError extends DstashError {
  constructor(
    code: typeof ErrorCode.InvalidIndex | typeof ErrorCode.InvalidKey | typeof ErrorCode.InvalidValue | typeof ErrorCode.InvalidArgument | typeof ErrorCode.InvalidOptions,
    message: string,
  ) {
    super(code, message);
  }
}

/** What one replica said about a request that needed a quorum. */
export interface ReplicaReply {
  /** Node id of the replica. */
  nodeId: string;
  /** True when the replica acknowledged. */
  ok: boolean;
  /** The error it answered with, when it did not. */
  error?: string;
}

/** A write reached fewer than W replicas. The replicas that did write keep it. */
export class WriteQuorumError extends DstashError {
  constructor(
    /** Acknowledgements required. */
    readonly required: number,
    /** Every replica that was asked, and what it answered. */
    readonly replies: readonly ReplicaReply[],
    options?: { cause?: unknown },
  ) {
    const acked = replies.filter((r) => r.ok).map((r) => r.nodeId);
    super(
      ErrorCode.WriteQuorum,
      `write quorum not reached: ${acked.length}/${required} acknowledgements (acknowledged by: ${acked.join(', ') || 'none'}; failed: ${describeFailures(replies)})`,
      options,
    );
  }
}

/** A read got answers from fewer than R replicas. */
export class ReadQuorumError extends DstashError {
  constructor(
    readonly required: number,
    readonly replies: readonly ReplicaReply[],
    options?: { cause?: unknown },
  ) {
    const answered = replies.filter((r) => r.ok).map((r) => r.nodeId);
    super(
      ErrorCode.ReadQuorum,
      `read quorum not reached: ${answered.length}/${required} answers (answered: ${answered.join(', ') || 'none'}; failed: ${describeFailures(replies)})`,
      options,
    );
  }
}

/**
 * A truncation that not every member acknowledged. Those that did have it in
 * force (durably); the others learn it when they start again, from their
 * peers. Repeating the truncation reaches them now.
 */
export class TruncateIncompleteError extends DstashError {
  constructor(
    /** The index truncated, or "*" for every index. */
    readonly index: string,
    /** Every member that was asked, and what it answered. */
    readonly replies: readonly ReplicaReply[],
  ) {
    const failed = replies.filter((r) => !r.ok).map((r) => r.nodeId);
    super(ErrorCode.TruncateIncomplete, `truncation of ${index === '*' ? 'every index' : `index ${index}`} not acknowledged by ${failed.join(', ')} (failed: ${describeFailures(replies)}); they learn it when they start again, or truncate again`);
  }

  /** The members that did not acknowledge. */
  get missing(): string[] {
    return this.replies.filter((r) => !r.ok).map((r) => r.nodeId);
  }
}

/**
 * A clock beyond the maximum offset (`DSTASH_CLOCK_SKEW`). Names the writer
 * whose clock is off and by how much, and the option that sets the bound.
 */
export class ClockSkewError extends DstashError {
  constructor(
    /** Who is off: a node id, or a writer id from a version. */
    readonly writer: string,
    /** How far ahead (positive) or behind (negative) its clock is, in ms. */
    readonly offsetMs: number,
    /** The maximum offset, in ms. */
    readonly maxOffsetMs: number,
    /** What was refused and why. */
    what: string,
  ) {
    super(ErrorCode.ClockSkew, `${what}: ${writer} is ${formatOffset(offsetMs)} off, beyond the maximum clock offset of ${maxOffsetMs} ms (fix its clock: NTP; or raise --max-clock-offset / maxClockOffsetMs)`);
  }
}

/** An offset in ms with its sign ("+3600000 ms", "-12 ms"). */
export function formatOffset(offsetMs: number): string {
  return `${offsetMs >= 0 ? '+' : ''}${Math.round(offsetMs)} ms`;
}

function describeFailures(replies: readonly ReplicaReply[]): string {
  const failed = replies.filter((r) => !r.ok);
  return failed.length === 0 ? 'none' : failed.map((r) => `${r.nodeId} (${r.error ?? 'no answer'})`).join(', ');
}

/** True when `err` is a {@link DstashError} with the given code. */
export function hasCode(err: unknown, code: ErrorCodeValue): boolean {
  return err instanceof DstashError && err.code === code;
}
