/**
 * Query parameters and text encodings of the REST API. Every parser rejects
 * what it cannot read with a 400 (`DSTASH_INVALID_ARGUMENT`, or
 * `DSTASH_INVALID_KEY` for a key), never guesses.
 */
import { ErrorCode } from '../../errors.js';
import type { Consistency } from '../../client/index.js';
import { badRequest } from './http-errors.js';

/** Records a scan returns when `?limit=` is not given. */
export const DEFAULT_SCAN_LIMIT = 1000;
/** Most records one scan request returns; page with `?startAfter=`. */
export const MAX_SCAN_LIMIT = 10_000;

/** How keys and values travel as JSON strings (and keys in the URL): UTF-8 text, or base64 for binary data. */
export type TextEncoding = 'utf8' | 'base64';

/** A parsed query string, as fastify gives it. */
export type Query = Record<string, string | string[] | undefined>;

const CONSISTENCIES: Record<string, Consistency> = { one: 'ONE', quorum: 'QUORUM', all: 'ALL' };
const DIGITS = /^\d{1,16}$/;
// With the u flag, a surrogate pair is one code point: this matches only unpaired halves.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
// Standard or URL-safe alphabet, padding optional.
const BASE64 = /^(?:[A-Za-z0-9+/_-]{4})*(?:[A-Za-z0-9+/_-]{2}(?:==)?|[A-Za-z0-9+/_-]{3}=?)?$/;

/** The value of parameter `name`; a repeated parameter is an error. */
export function param(query: Query, name: string): string | undefined {
  const value = query[name];
  if (Array.isArray(value)) throw badRequest(`query parameter ${name} is given ${value.length} times; give it once`);
  return value;
}

/** `?consistency=one|quorum|all` (any case); undefined = the node's default. */
export function consistencyParam(query: Query): Consistency | undefined {
  const value = param(query, 'consistency');
  if (value === undefined || value === '') return undefined;
  const c = CONSISTENCIES[value.toLowerCase()];
  if (!c) throw badRequest(`invalid consistency ${JSON.stringify(value)}: use one, quorum or all`);
  return c;
}

/** `?ttl=` in ms; 0 (or absent) = no expiry. The coordinator checks the range. */
export function ttlParam(query: Query): number {
  const value = param(query, 'ttl');
  if (value === undefined || value === '') return 0;
  if (!DIGITS.test(value)) throw badRequest(`invalid ttl ${JSON.stringify(value)}: a whole number of milliseconds`);
  return Number(value);
}

/** `?limit=` of a scan: 1 to {@link MAX_SCAN_LIMIT}, default {@link DEFAULT_SCAN_LIMIT}. */
export function limitParam(query: Query): number {
  const value = param(query, 'limit');
  if (value === undefined || value === '') return DEFAULT_SCAN_LIMIT;
  const limit = DIGITS.test(value) ? Number(value) : NaN;
  if (!(limit >= 1 && limit <= MAX_SCAN_LIMIT)) throw badRequest(`invalid limit ${JSON.stringify(value)}: 1 to ${MAX_SCAN_LIMIT}`);
  return limit;
}

/** A yes/no parameter: `true`/`1` or `false`/`0` (absent or empty = false). */
export function booleanParam(query: Query, name: string): boolean {
  const value = param(query, name);
  if (value === undefined || value === '' || value === 'false' || value === '0') return false;
  if (value === 'true' || value === '1') return true;
  throw badRequest(`invalid ${name} ${JSON.stringify(value)}: use true or false`);
}

/** `?encoding=utf8|base64`, default utf8. */
export function encodingParam(query: Query): TextEncoding {
  const value = param(query, 'encoding');
  if (value === undefined || value === '' || value === 'utf8' || value === 'utf-8') return 'utf8';
  if (value === 'base64') return value;
  throw badRequest(`invalid encoding ${JSON.stringify(value)}: use utf8 or base64`);
}

/** Decodes a key (or prefix) given as text in `encoding`; `what` names it in the error. */
export function decodeText(text: string, encoding: TextEncoding, what: string, code: string = ErrorCode.InvalidArgument): Buffer {
  if (encoding === 'utf8') {
    // A lone surrogate (a JSON "\ud800" escape) has no UTF-8 form: refuse it rather than store U+FFFD.
    if (LONE_SURROGATE.test(text)) throw badRequest(`invalid ${what}: not valid Unicode text (a lone surrogate); use ?encoding=base64 for binary data`, code);
    return Buffer.from(text, 'utf8');
  }
  if (!BASE64.test(text)) throw badRequest(`invalid ${what}: not base64`, code);
  return Buffer.from(text, 'base64');
}

/** Decodes a key; a bad encoding is `DSTASH_INVALID_KEY`. */
export function decodeKey(text: string, encoding: TextEncoding): Buffer {
  return decodeText(text, encoding, 'key', ErrorCode.InvalidKey);
}

/** Bytes as text in `encoding` (UTF-8 text replaces bytes that are not UTF-8: use base64 for binary data). */
export function encodeBytes(bytes: Buffer, encoding: TextEncoding): string {
  return bytes.toString(encoding);
}

/** A record version as the API shows it: lowercase hex. */
export function versionText(version: Buffer | undefined): string {
  return (version ?? Buffer.alloc(0)).toString('hex');
}
