/**
 * Answers for requests no route serves: 405 `DSTASH_METHOD_NOT_ALLOWED`, with
 * an `Allow` header, for a path that exists under other methods, and 404
 * `DSTASH_NO_ROUTE` for a path that does not exist at all. Neither is the
 * missing-key 404 (`DSTASH_NOT_FOUND`), so a client can tell a wrong URL from
 * an absent key.
 */
import type { FastifyInstance } from 'fastify';
import { HttpError, METHOD_NOT_ALLOWED_CODE, NO_ROUTE_CODE } from './http-errors.js';

/** The methods a 405 route answers: every one a client may send to the API's paths. */
const METHODS = ['GET', 'HEAD', 'PUT', 'DELETE', 'POST', 'PATCH', 'OPTIONS'] as const;

/**
 * Call before registering any route: records every route's methods, and
 * returns the plugin to register last, which adds the 405 answers.
 */
export function routeFallbacks(app: FastifyInstance): (scope: FastifyInstance) => Promise<void> {
  const methodsByUrl = new Map<string, Set<string>>();
  let sealed = false;
  app.addHook('onRoute', (route) => {
    if (sealed) return;
    const methods = methodsByUrl.get(route.url) ?? new Set<string>();
    for (const m of [route.method].flat()) methods.add(m);
    methodsByUrl.set(route.url, methods);
  });
  app.setNotFoundHandler((request, reply) => {
    const answer = new HttpError(404, NO_ROUTE_CODE, `no route ${request.method} ${request.url.split('?')[0]!.slice(0, 200)}`);
    void reply.status(answer.status).send(answer.body);
  });
  return async (scope) => {
    sealed = true;
    for (const [url, served] of methodsByUrl) {
      const others = METHODS.filter((m) => !served.has(m));
      if (others.length === 0) continue;
      const allow = [...served].join(', ');
      scope.route({
        method: [...others],
        url,
        handler: async (request, reply) => {
          const answer = new HttpError(405, METHOD_NOT_ALLOWED_CODE, `${request.method} is not allowed on ${url}: use ${allow}`);
          return reply.status(answer.status).header('allow', allow).send(answer.body);
        },
      });
    }
  };
}
