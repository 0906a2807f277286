/**
 * Batches over REST: `POST /v1/kv/:index` with a JSON body of puts, gets and
 * deletes (see batch-body.ts). The batch is posted to the index itself, so
 * that every path below the index is a key (a key named `_batch` included).
 * The puts run first, then the deletes, then the gets, so that the gets see
 * the batch's own writes. The answer is 200 with one result per entry, in
 * request order; an entry that failed carries the HTTP status and the error a
 * single-key request would have got.
 */
import { isUtf8 } from 'node:buffer';
import type { FastifyInstance } from 'fastify';
import type { DstashError } from '../../errors.js';
import type { LookupOutcome, WriteOutcome } from '../../client/index.js';
import type { NodeView } from '../metrics/node-view.js';
import { parseBatchBody } from './batch-body.js';
import { badRequest, fromDstashError } from './http-errors.js';
import { consistencyParam, encodeBytes, encodingParam, versionText, type Query, type TextEncoding } from './http-query.js';
import { kvTarget } from './kv-target.js';

/** The route of an index: its listing (GET) and its batches (POST). */
export const INDEX_ROUTE = '/v1/kv/:index';

/** Registers the batch route. */
export function registerBatchRoute(app: FastifyInstance, view: NodeView): void {
  void app.register(async (scope) => {
    // JSON must be UTF-8 (RFC 8259): a body that is not is refused, rather than read
    // with replacement characters that would store keys nobody wrote.
    const parseJson = scope.getDefaultJsonParser('error', 'error');
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
      const bytes = body as Buffer;
      if (!isUtf8(bytes)) {
        done(badRequest('the JSON body is not valid UTF-8: send binary keys and values in base64 with ?encoding=base64'), undefined);
        return;
      }
      void parseJson(request, bytes.toString('utf8'), done);
    });

    scope.post<{ Params: { index: string }; Querystring: Query; Body: unknown }>(INDEX_ROUTE, async (request) => {
      const { index } = request.params;
      const coordinator = kvTarget(view, index);
      const encoding = encodingParam(request.query);
      const consistency = consistencyParam(request.query);
      const batch = parseBatchBody(request.body, encoding);
      const put = await coordinator.putMany(index, batch.put.map((p) => p.item), consistency);
      const deleted = await coordinator.deleteMany(index, batch.delete.map((d) => d.bytes), consistency);
      const got = await coordinator.lookupMany(index, batch.get.map((g) => g.bytes), consistency);
      return {
        put: put.map((o, i) => writeEntry(batch.put[i]!.key, o)),
        delete: deleted.map((o, i) => writeEntry(batch.delete[i]!.key, o)),
        get: got.map((o, i) => lookupEntry(batch.get[i]!.key, o, encoding)),
      };
    });
  });
}

function failure(error: DstashError): { status: number; error: { code: string; message: string } } {
  const answer = fromDstashError(error);
  return { status: answer.status, error: answer.body.error };
}

function writeEntry(key: string, o: WriteOutcome): object {
  return o.error ? { key, ok: false, ...failure(o.error) } : { key, ok: true, version: versionText(o.version) };
}

function lookupEntry(key: string, o: LookupOutcome, encoding: TextEncoding): object {
  if (o.error) return { key, found: false, ...failure(o.error) };
  if (!o.found) return { key, found: false };
  return { key, found: true, value: encodeBytes(o.value ?? Buffer.alloc(0), encoding), version: versionText(o.version), expiresAt: o.expiresAt ?? 0 };
}
