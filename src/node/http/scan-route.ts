/**
 * Listing an index over REST: `GET /v1/kv/:index?prefix=&limit=&startAfter=&keysOnly=`.
 * Answers `{ items: [{ key, value, version, expiresAt }], next }` (no `value`
 * with `?keysOnly=true`), keys in
 * token order; `next` is the last key when the page is full (pass it as
 * `?startAfter=` for the next page), null at the end. Keys, values, `prefix`,
 * `startAfter` and `next` are UTF-8 text, or base64 with `?encoding=base64`.
 */
import type { FastifyInstance } from 'fastify';
import type { NodeView } from '../metrics/node-view.js';
import { INDEX_ROUTE } from './batch-route.js';
import { booleanParam, consistencyParam, decodeKey, decodeText, encodeBytes, encodingParam, limitParam, param, versionText, type Query } from './http-query.js';
import { kvTarget } from './kv-target.js';

/** One record of a listing. */
interface ListedRecord {
  key: string;
  /** Absent with `?keysOnly=true`. */
  value?: string;
  version: string;
  /** Expiry in ms since the epoch; 0 = none. */
  expiresAt: number;
}

/** Registers the listing route. */
export function registerScanRoute(app: FastifyInstance, view: NodeView): void {
  app.get<{ Params: { index: string }; Querystring: Query }>(INDEX_ROUTE, async (request) => {
    const { index } = request.params;
    const query = request.query;
    const coordinator = kvTarget(view, index);
    const encoding = encodingParam(query);
    const limit = limitParam(query);
    const keysOnly = booleanParam(query, 'keysOnly');
    const items: ListedRecord[] = [];
    const records = coordinator.scan({
      index,
      prefix: decodeText(param(query, 'prefix') ?? '', encoding, 'prefix'),
      startAfter: decodeKey(param(query, 'startAfter') ?? '', encoding),
      limit,
      consistency: consistencyParam(query),
    });
    for await (const r of records) {
      const key = encodeBytes(r.key, encoding);
      const version = versionText(r.version);
      items.push(keysOnly ? { key, version, expiresAt: r.expiresAt } : { key, value: encodeBytes(r.value, encoding), version, expiresAt: r.expiresAt });
    }
    return { items, next: items.length === limit ? items[items.length - 1]!.key : null };
  });
}
