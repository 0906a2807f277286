/**
 * A truncation as a cluster operation (Redis FLUSHDB / FLUSHALL, Cassandra's
 * TRUNCATE): one version, stamped by the coordinator, sent to every member it
 * knows (healthy or not: each keeps the truncation durably), and settled
 * once every member answered. A member that does not acknowledge is named in
 * the error; it learns the truncation from its peers when it starts again.
 * A truncation every member refused for the caller's token fails with that
 * refusal (`DSTASH_PERMISSION_DENIED`, `DSTASH_UNAUTHENTICATED`).
 */
import type { Member } from '../discovery/discovery.js';
import { DstashError, ErrorCode, hasCode, TruncateIncompleteError, type ReplicaReply } from '../errors.js';
import type { ReplicaTransport } from '../replica-types.js';

/** A truncation under way. */
export interface TruncationRun {
  /** The version it was stamped with: records at or below it are gone. */
  version: Buffer;
  /**
   * Resolves once the member named `first` acknowledged (at once without
   * one): from then on the truncation is in force there. Rejects with that
   * member's error.
   */
  started: Promise<void>;
  /** Resolves once every member acknowledged; rejects with `DSTASH_TRUNCATE_INCOMPLETE` naming the others. */
  done: Promise<void>;
}

/** Sends the truncation of `index` at `version` to every member, through `transport`. */
export function runTruncate(
  index: string,
  version: Buffer,
  members: readonly Member[],
  transport: (nodeId: string) => ReplicaTransport,
  timeoutMs: number,
  first?: string,
): TruncationRun {
  const refusals: unknown[] = [];
  const asks = members.map(async (member): Promise<ReplicaReply> => {
    try {
      const t = transport(member.id);
      if (!t.truncate) throw new DstashError(ErrorCode.Unsupported, 'this replica cannot be asked to truncate');
      await t.truncate(index, version, timeoutMs);
      return { nodeId: member.id, ok: true };
    } catch (err) {
      if (hasCode(err, ErrorCode.PermissionDenied) || hasCode(err, ErrorCode.Unauthenticated)) refusals.push(err);
      return { nodeId: member.id, ok: false, error: (err as Error).message };
    }
  });
  const at = members.findIndex((m) => m.id === first);
  const started = at < 0 ? Promise.resolve() : asks[at]!.then((reply) => {
    if (!reply.ok) throw refusals[0] ?? new TruncateIncompleteError(index, [reply]);
  });
  const done = Promise.all(asks).then((replies) => {
    // Refused by every member: the caller's token is the problem, and says so in its own code.
    if (refusals.length === replies.length) throw refusals[0];
    if (replies.some((r) => !r.ok)) throw new TruncateIncompleteError(index, replies);
  });
  // Callers may await only one of the two: the other must not count as an unhandled rejection.
  started.catch(() => undefined);
  done.catch(() => undefined);
  return { version, started, done };
}
