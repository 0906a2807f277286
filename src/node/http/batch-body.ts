/**
 * The body of `POST /v1/kv/:index`:
 * `{ "put": [{ "key", "value", "ttl"? }], "get": [key], "delete": [key] }`,
 * every list optional, keys and values as text in the request's encoding.
 * A body of another shape is a 400 for the whole request; a bad key, value or
 * TTL inside a well-formed body fails only its own entry (as SDK batches do).
 */
import { ErrorCode } from '../../errors.js';
import type { PutItem } from '../../client/index.js';
import { badRequest, HttpError } from './http-errors.js';
import { decodeKey, decodeText, type TextEncoding } from './http-query.js';

/** Most entries (puts, gets and deletes together) in one batch request; more is a 413. */
export const MAX_BATCH_ENTRIES = 10_000;

/** A key as the caller wrote it, and its bytes. */
export interface BatchKey {
  key: string;
  bytes: Buffer;
}

/** A parsed batch. */
export interface BatchBody {
  put: { key: string; item: PutItem }[];
  get: BatchKey[];
  delete: BatchKey[];
}

const FIELDS = new Set(['put', 'get', 'delete']);

/** Parses and checks a batch body; throws a 400 (or 413 past {@link MAX_BATCH_ENTRIES}) when it cannot. */
export function parseBatchBody(body: unknown, encoding: TextEncoding): BatchBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('the body must be a JSON object { put?: [{ key, value, ttl? }], get?: [key], delete?: [key] } (content-type: application/json)');
  }
  const fields = body as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((f) => !FIELDS.has(f));
  if (unknown.length > 0) throw badRequest(`unknown field(s) ${unknown.join(', ')}: a batch has put, get and delete`);
  const put = list(fields, 'put');
  const get = list(fields, 'get');
  const del = list(fields, 'delete');
  const total = put.length + get.length + del.length;
  if (total > MAX_BATCH_ENTRIES) {
    throw new HttpError(413, ErrorCode.InvalidArgument, `${total} entries in one batch: at most ${MAX_BATCH_ENTRIES}; split it`);
  }
  return {
    put: put.map((entry, i) => putEntry(entry, i, encoding)),
    get: get.map((key, i) => batchKey(key, `get[${i}]`, encoding)),
    delete: del.map((key, i) => batchKey(key, `delete[${i}]`, encoding)),
  };
}

function list(fields: Record<string, unknown>, name: string): unknown[] {
  const value = fields[name];
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw badRequest(`${name} must be an array`);
  return value;
}

function batchKey(key: unknown, where: string, encoding: TextEncoding): BatchKey {
  if (typeof key !== 'string') throw badRequest(`${where} must be a string key`, ErrorCode.InvalidKey);
  return { key, bytes: decodeKey(key, encoding) };
}

function putEntry(entry: unknown, i: number, encoding: TextEncoding): { key: string; item: PutItem } {
  const where = `put[${i}]`;
  if (typeof entry !== 'object' || entry === null) throw badRequest(`${where} must be an object { key, value, ttl? }`);
  const { key, value, ttl } = entry as Record<string, unknown>;
  const { bytes } = batchKey(key, `${where}.key`, encoding);
  if (typeof value !== 'string') throw badRequest(`${where}.value must be a string`);
  if (ttl !== undefined && typeof ttl !== 'number') throw badRequest(`${where}.ttl must be a number of milliseconds`);
  return { key: key as string, item: { key: bytes, value: decodeText(value, encoding, `${where}.value`), ttlMs: ttl ?? 0 } };
}
