/**
 * Truncating over REST: `DELETE /v1/kv/:index` empties one index and
 * `DELETE /v1/kv` every index (Redis FLUSHDB / FLUSHALL), on every member:
 * every record written before it is gone, the copies that come back later
 * included; writes after it are kept. Needs a token of role `admin`. Answers
 * 200 `{"version"}` (the truncation's) once every member acknowledged, 503
 * `DSTASH_TRUNCATE_INCOMPLETE` naming the members that did not (they learn it
 * when they start again). A DELETE with a key below the index
 * (`/v1/kv/:index/:key`) deletes that key only; with an empty one it is a 400.
 */
import type { FastifyInstance } from 'fastify';
import { ALL_INDEXES } from '../../limits.js';
import type { NodeView } from '../metrics/node-view.js';
import { INDEX_ROUTE } from './batch-route.js';
import { versionText } from './http-query.js';
import { kvTarget, readyCoordinator } from './kv-target.js';

/** The route of every index: DELETE truncates them all. */
export const ALL_INDEXES_ROUTE = '/v1/kv';

/** The routes (with their method, DELETE) that truncate: they need the `admin` role. */
export const TRUNCATE_ROUTES: ReadonlySet<string> = new Set([INDEX_ROUTE, ALL_INDEXES_ROUTE]);

/** Registers the truncation routes. */
export function registerTruncateRoute(app: FastifyInstance, view: NodeView): void {
  const truncate = async (index: string, coordinator = readyCoordinator(view)): Promise<{ version: string }> => {
    const run = coordinator.truncate(index, { first: view.nodeId() });
    await run.done;
    return { version: versionText(run.version) };
  };
  app.delete<{ Params: { index: string } }>(INDEX_ROUTE, async (request) => truncate(request.params.index, kvTarget(view, request.params.index)));
  app.delete(ALL_INDEXES_ROUTE, async () => truncate(ALL_INDEXES));
}
