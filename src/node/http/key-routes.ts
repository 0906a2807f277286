/**
 * One key over REST: `GET`, `PUT` and `DELETE /v1/kv/:index/:key`. The rest
 * of the path after the index is the key (URL-encoded UTF-8, slashes allowed;
 * `?encoding=base64` for a binary key). A PUT's body is the value, raw bytes of
 * any content type, at most `maxValueBytes` (413 beyond). A GET answers the
 * raw value, its version in `x-dstash-version` and its expiry (ms since the
 * epoch) in `x-dstash-expires-at`; 404 when the key is missing. Conditional
 * requests (`ETag`, `If-Match`, `If-None-Match`): see conditional-requests.ts.
 */
import type { FastifyInstance } from 'fastify';
import type { WriteOutcome } from '../../client/index.js';
import { ErrorCode } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { NodeView } from '../metrics/node-view.js';
import { errorHandler } from './error-handler.js';
import { HttpError, NOT_FOUND_CODE } from './http-errors.js';
import { consistencyParam, decodeKey, encodingParam, ttlParam, versionText, type Query } from './http-query.js';
import { kvTarget } from './kv-target.js';
import { etagOf, notModified, preconditionsOf, serialAnswer, serialRequested, writeCondition } from './conditional-requests.js';

/** The route of one key. A wildcard, so that a key may hold slashes. */
export const KEY_ROUTE = '/v1/kv/:index/*';

interface KeyRequest {
  Params: { index: string; '*': string };
  Querystring: Query;
}

const EMPTY = Buffer.alloc(0);

/** Registers the single-key routes. */
export function registerKeyRoutes(app: FastifyInstance, view: NodeView, maxValueBytes: number, log: Logger): void {
  const keyOf = (request: { params: KeyRequest['Params']; query: Query }): Buffer => decodeKey(request.params['*'], encodingParam(request.query));

  app.get<KeyRequest>(KEY_ROUTE, async (request, reply) => {
    const { index } = request.params;
    const coordinator = kvTarget(view, index);
    const preconditions = preconditionsOf(request.headers);
    const outcome = serialRequested(request.query)
      ? await serialAnswer(view, index, keyOf(request), { kind: 'read' }, reply)
      : (await coordinator.lookupMany(index, [keyOf(request)], consistencyParam(request.query)))[0]!;
    if ('error' in outcome && outcome.error) throw outcome.error;
    if (!outcome.found) throw new HttpError(404, NOT_FOUND_CODE, `key ${JSON.stringify(request.params['*'].slice(0, 80))} not found in index ${index}`);
    void reply.header('etag', etagOf(outcome.version));
    // RFC 9110 15.4.5: a 304 carries the ETag and no body.
    if (notModified(preconditions, outcome.version!)) return reply.code(304).send();
    void reply.header('content-type', 'application/octet-stream').header('x-dstash-version', versionText(outcome.version));
    if (outcome.expiresAt) void reply.header('x-dstash-expires-at', String(outcome.expiresAt));
    return reply.send(outcome.value ?? EMPTY);
  });

  void app.register(async (scope) => {
    // The body of a PUT is the value, whatever its content type says.
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    const valueTooLarge = new HttpError(413, ErrorCode.InvalidValue, `value over the limit of ${maxValueBytes} bytes (option maxValueBytes / --max-value-bytes)`);

    scope.put<KeyRequest & { Body: Buffer | undefined }>(KEY_ROUTE, { bodyLimit: maxValueBytes, errorHandler: errorHandler(valueTooLarge, log) }, async (request, reply) => {
      const { index } = request.params;
      const coordinator = kvTarget(view, index);
      const item = { key: keyOf(request), value: request.body ?? EMPTY, ttlMs: ttlParam(request.query) };
      const expect = writeCondition(preconditionsOf(request.headers));
      if (expect) return { version: versionText((await serialAnswer(view, index, item.key, { kind: 'set', expect, value: item.value, ttlMs: item.ttlMs }, reply)).version) };
      return written(await coordinator.putMany(index, [item], consistencyParam(request.query)));
    });

    scope.delete<KeyRequest>(KEY_ROUTE, async (request, reply) => {
      const { index } = request.params;
      const coordinator = kvTarget(view, index);
      const expect = writeCondition(preconditionsOf(request.headers));
      if (expect) return { version: versionText((await serialAnswer(view, index, keyOf(request), { kind: 'delete', expect }, reply)).version) };
      return written(await coordinator.deleteMany(index, [keyOf(request)], consistencyParam(request.query)));
    });
  });
}

/** The answer to a single write: its version, or its error thrown. */
function written([outcome]: WriteOutcome[]): { version: string } {
  if (outcome!.error) throw outcome!.error;
  return { version: versionText(outcome!.version) };
}
