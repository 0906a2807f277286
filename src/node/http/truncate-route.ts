/**
 * Truncating over REST: `POST /v1/truncate/:index` empties one index, and
 * `POST /v1/truncate?all=true` every index (Redis FLUSHDB / FLUSHALL), on
 * every member: every record written before it is gone, the copies that
 * come back later included; writes after it are kept. Needs a token of role
 * `admin`. Answers 200 `{"version"}` (the truncation's) once every member
 * acknowledged, 503 `DSTASH_TRUNCATE_INCOMPLETE` naming the members that did
 * not (they learn it when they start again).
 *
 * A route of its own rather than `DELETE /v1/kv/:index`: a DELETE whose key
 * was left out of the URL must not empty the index, and every path below
 * `/v1/kv/:index/` is a key. Every index takes an explicit `all=true` for
 * the same reason.
 */
import type { FastifyInstance } from 'fastify';
import { ALL_INDEXES } from '../../limits.js';
import type { NodeView } from '../metrics/node-view.js';
import { badRequest } from './http-errors.js';
import { booleanParam, versionText, type Query } from './http-query.js';
import { kvTarget, readyCoordinator } from './kv-target.js';

/** The route that truncates one index. */
export const TRUNCATE_ROUTE = '/v1/truncate/:index';
/** The route that truncates every index, with `?all=true`. */
export const TRUNCATE_ALL_ROUTE = '/v1/truncate';

/** Registers the truncation routes. */
export function registerTruncateRoute(app: FastifyInstance, view: NodeView): void {
  const truncate = async (index: string, coordinator = readyCoordinator(view)): Promise<{ version: string }> => {
    const run = coordinator.truncate(index, { first: view.nodeId() });
    await run.done;
    return { version: versionText(run.version) };
  };
  app.post<{ Params: { index: string } }>(TRUNCATE_ROUTE, async (request) => truncate(request.params.index, kvTarget(view, request.params.index)));
  app.post<{ Querystring: Query }>(TRUNCATE_ALL_ROUTE, async (request) => {
    if (!booleanParam(request.query, 'all')) throw badRequest(`name the index (POST ${TRUNCATE_ROUTE}), or truncate every index with POST ${TRUNCATE_ALL_ROUTE}?all=true`);
    return truncate(ALL_INDEXES);
  });
}
