/**
 * HTTP's own conditional requests on one key (RFC 9110 13.1.1, 13.1.2,
 * 13.2.2), run as serial (per-key Paxos) operations: a GET answers the
 * record's version as its strong `ETag`. `If-Match` takes `*` (the key exists)
 * or a list of entity-tags compared strongly, so a weak tag or one that is no
 * dstash version never matches; `If-None-Match` takes `*` (the key is absent)
 * or a list compared weakly. A failed precondition on a write, or a failed
 * `If-Match` on a read, is `412` with `DSTASH_CONDITION_FAILED` (and the
 * current `ETag`, when the key exists); a failed `If-None-Match` on a GET or
 * HEAD is `304 Not Modified`. Only a header that is not an entity-tag list is
 * a 400. On a write both headers are one condition, checked in the same round
 * that writes. `?consistency=serial` on a GET is a linearizable read.
 */
import type { FastifyReply } from 'fastify';
import type { SerialCoordinator } from '../../client/index.js';
import { conditionHolds, type SerialCondition, type SerialOperation, type SerialOutcome } from '../../consensus/serial-operation.js';
import { ErrorCode } from '../../errors.js';
import { VERSION_BYTES } from '../../version.js';
import type { NodeView } from '../metrics/node-view.js';
import { badRequest, HttpError } from './http-errors.js';
import { param, type Query } from './http-query.js';

/** The preconditions of a request, each as a condition on the key's version; a field is absent when its header is. */
export interface Preconditions {
  ifMatch?: SerialCondition;
  ifNoneMatch?: SerialCondition;
}

/** One entity-tag of a header (RFC 9110 8.8.3). */
interface EntityTag {
  weak: boolean;
  /** The characters between the quotes. */
  opaque: string;
}

/**
 * One element of a list (`#entity-tag`, RFC 9110 5.6.1: empty elements are
 * allowed) and the comma or end after it. The opaque-tag's characters are
 * `etagc`: `!`, `#`…`~` and obs-text, so a comma inside quotes is the tag's own.
 */
const LIST_ELEMENT = /[ \t]*(?:(W\/)?"([\x21\x23-\x7e\x80-\xff]*)")?[ \t]*(,|$)/y;
const VERSION_TAG = new RegExp(`^[0-9a-f]{${VERSION_BYTES * 2}}$`);

/** The strong ETag of a version: its hex, quoted. */
export function etagOf(version: Buffer | undefined): string {
  return `"${(version ?? Buffer.alloc(0)).toString('hex')}"`;
}

/** True for `?consistency=serial` (any case). */
export function serialRequested(query: Query): boolean {
  return param(query, 'consistency')?.toLowerCase() === 'serial';
}

/** The preconditions of a request, from `If-Match` / `If-None-Match`. 400 for a header that is not `*` or an entity-tag list. */
export function preconditionsOf(headers: Record<string, string | string[] | undefined>): Preconditions {
  const ifMatch = tagsOf(headers['if-match'], 'If-Match');
  const ifNoneMatch = tagsOf(headers['if-none-match'], 'If-None-Match');
  return {
    // Strong comparison: a weak tag never matches.
    ifMatch: ifMatch === '*' ? { present: true } : ifMatch && { anyVersion: versionsOf(ifMatch.filter((tag) => !tag.weak)) },
    // Weak comparison: a weak tag matches the version it quotes.
    ifNoneMatch: ifNoneMatch === '*' ? { absent: true } : ifNoneMatch && { noVersion: versionsOf(ifNoneMatch) },
  };
}

/** The condition of a write: every precondition holds (any that fails is a 412, whatever the order); undefined when there is none. */
export function writeCondition({ ifMatch, ifNoneMatch }: Preconditions): SerialCondition | undefined {
  return ifMatch && ifNoneMatch ? { all: [ifMatch, ifNoneMatch] } : ifMatch ?? ifNoneMatch;
}

/**
 * Evaluates the preconditions of a GET or HEAD on the key's current version,
 * in RFC 9110 13.2.2's order: a failed `If-Match` throws 412; then true when a
 * failed `If-None-Match` makes the answer a 304.
 */
export function notModified({ ifMatch, ifNoneMatch }: Preconditions, version: Buffer): boolean {
  if (ifMatch && !conditionHolds(ifMatch, version)) throw conditionFailed(true, version);
  return ifNoneMatch !== undefined && !conditionHolds(ifNoneMatch, version);
}

/** Runs a serial operation for a request and answers its outcome; 412 when its condition failed. */
export async function serialAnswer(view: NodeView, index: string, key: Buffer, op: SerialOperation, reply: FastifyReply): Promise<SerialOutcome> {
  const outcome = await serialTarget(view).execute(index, key, op);
  if (outcome.found || outcome.applied) void reply.header('etag', etagOf(outcome.version));
  if (!outcome.applied) throw conditionFailed(outcome.found, outcome.version);
  return outcome;
}

function conditionFailed(found: boolean, version: Buffer | undefined): HttpError {
  return new HttpError(412, ErrorCode.ConditionFailed, found
    ? `precondition failed: the key is at version ${etagOf(version)}`
    : 'precondition failed: the key is absent');
}

function serialTarget(view: NodeView): SerialCoordinator {
  const serial = view.serial?.();
  if (!serial) throw new HttpError(503, ErrorCode.Unavailable, 'this node is not ready: it is stopping');
  return serial;
}

/** `*`, the entity-tags of a header (its lines joined as one list), or undefined without the header. */
function tagsOf(header: string | string[] | undefined, name: string): '*' | EntityTag[] | undefined {
  if (header === undefined) return undefined;
  const value = Array.isArray(header) ? header.join(',') : header;
  if (value.trim() === '*') return '*';
  const tags: EntityTag[] = [];
  LIST_ELEMENT.lastIndex = 0;
  for (;;) {
    const element = LIST_ELEMENT.exec(value);
    if (!element) throw badRequest(`invalid ${name} ${JSON.stringify(value.slice(0, 80))}: give * or a list of entity-tags ("…" or W/"…", comma-separated)`);
    if (element[2] !== undefined) tags.push({ weak: element[1] !== undefined, opaque: element[2] });
    if (element[3] === '') return tags;
  }
}

/** The versions that tags name; a tag that is no dstash version names none, and so matches nothing. */
function versionsOf(tags: EntityTag[]): Buffer[] {
  return tags.filter((tag) => VERSION_TAG.test(tag.opaque)).map((tag) => Buffer.from(tag.opaque, 'hex'));
}
