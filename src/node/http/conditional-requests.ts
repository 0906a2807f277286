/**
 * HTTP's own conditional requests on one key, run as serial (per-key Paxos)
 * operations: a GET answers the record's version as its `ETag`; a PUT or
 * DELETE with `If-Match: "<etag>"` applies only at that version, with
 * `If-Match: *` only when the key exists, with `If-None-Match: *` only when
 * the key is absent; a failed precondition is
 * `412` with `DSTASH_CONDITION_FAILED` (and the current `ETag`, when the key
 * exists). `?consistency=serial` on a GET is a linearizable read.
 */
import type { FastifyReply } from 'fastify';
import type { SerialCoordinator } from '../../client/index.js';
import type { SerialCondition, SerialOperation, SerialOutcome } from '../../consensus/serial-operation.js';
import { ErrorCode } from '../../errors.js';
import type { NodeView } from '../metrics/node-view.js';
import { badRequest, HttpError } from './http-errors.js';
import { param, type Query } from './http-query.js';

/** The strong ETag of a version: its hex, quoted. */
export function etagOf(version: Buffer | undefined): string {
  return `"${(version ?? Buffer.alloc(0)).toString('hex')}"`;
}

/** True for `?consistency=serial` (any case). */
export function serialRequested(query: Query): boolean {
  return param(query, 'consistency')?.toLowerCase() === 'serial';
}

/**
 * The precondition of a write, from `If-Match` / `If-None-Match`; undefined
 * when there is none. 400 for a precondition dstash cannot evaluate.
 */
export function preconditionOf(headers: Record<string, string | string[] | undefined>): SerialCondition | undefined {
  const ifMatch = single(headers['if-match'], 'If-Match');
  const ifNoneMatch = single(headers['if-none-match'], 'If-None-Match');
  if (ifMatch !== undefined && ifNoneMatch !== undefined) throw badRequest('give If-Match or If-None-Match, not both');
  if (ifNoneMatch !== undefined) {
    if (ifNoneMatch.trim() !== '*') throw badRequest('on a write, If-None-Match takes only * (create the key only when it is absent)');
    return { absent: true };
  }
  if (ifMatch === undefined) return undefined;
  if (ifMatch.trim() === '*') return { present: true };
  const etag = /^\s*(?:W\/)?"([0-9a-fA-F]{24})"\s*$/.exec(ifMatch);
  if (!etag) throw badRequest(`invalid If-Match ${JSON.stringify(ifMatch.slice(0, 80))}: give * or one ETag as a GET answers it ("<24 hex digits>")`);
  return { version: Buffer.from(etag[1]!, 'hex') };
}

/** Runs a serial operation for a request and answers its outcome; 412 when its condition failed. */
export async function serialAnswer(view: NodeView, index: string, key: Buffer, op: SerialOperation, reply: FastifyReply): Promise<SerialOutcome> {
  const outcome = await serialTarget(view).execute(index, key, op);
  if (outcome.found || outcome.applied) void reply.header('etag', etagOf(outcome.version));
  if (!outcome.applied) {
    throw new HttpError(412, ErrorCode.ConditionFailed, outcome.found
      ? `precondition failed: the key is at version ${etagOf(outcome.version)}`
      : 'precondition failed: the key is absent');
  }
  return outcome;
}

function serialTarget(view: NodeView): SerialCoordinator {
  const serial = view.serial?.();
  if (!serial) throw new HttpError(503, ErrorCode.Unavailable, 'this node is not ready: it is stopping');
  return serial;
}

function single(value: string | string[] | undefined, name: string): string | undefined {
  if (Array.isArray(value)) throw badRequest(`header ${name} is given ${value.length} times; give it once`);
  return value;
}
