/**
 * Tokens on the HTTP port: `Authorization: Bearer <token>`. A missing or
 * unknown token is answered 401 before the body is read; a token whose role
 * is too low, 403. `/healthz` and `/readyz` stay open for probes, the
 * dashboard's static page (`/ui`) for browsers, and `/metrics` too unless the
 * node protects it.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { DstashError, ErrorCode } from '../../errors.js';
import { AUTHORIZATION_KEY, bearerToken, type Role } from '../../protocol/bearer-token.js';
import type { Authenticator } from '../auth/authenticator.js';
import { HttpError } from './http-errors.js';
import { UI_PATHS } from './ui/ui-route.js';
import { TRUNCATE_ALL_ROUTE, TRUNCATE_ROUTE } from './truncate-route.js';

/** Which routes need a token. */
export interface HttpAuthOptions {
  /** Checks the tokens. */
  authenticator: Authenticator;
  /** Ask a `read` token of `/metrics` scrapes too. */
  protectMetrics: boolean;
}

const PROBES = new Set(['/healthz', '/readyz']);

/** The role the request needs once its body is known (a batch with puts or deletes writes; a truncation is an admin's). */
function neededRole(request: FastifyRequest): Role {
  if (request.method === 'GET' || request.method === 'HEAD') return 'read';
  const route = request.routeOptions.url;
  if (route === TRUNCATE_ROUTE || route === TRUNCATE_ALL_ROUTE) return 'admin';
  if (request.method === 'POST') {
    const body = request.body as { put?: unknown[]; delete?: unknown[] } | undefined;
    return (body?.put?.length ?? 0) + (body?.delete?.length ?? 0) > 0 ? 'write' : 'read';
  }
  return 'write';
}

function asHttpError(err: unknown): unknown {
  if (!(err instanceof DstashError)) return err;
  return err.code === ErrorCode.Unauthenticated ? new HttpError(401, err.code, err.message) : new HttpError(403, err.code, err.message);
}

/** Adds the checks to `app`, before its routes run. */
export function registerAuthHooks(app: FastifyInstance, options: HttpAuthOptions): void {
  const { authenticator } = options;
  const open = (request: FastifyRequest): boolean => {
    const path = request.url.split('?')[0]!;
    return PROBES.has(path) || UI_PATHS.has(path) || (path === '/metrics' && !options.protectMetrics);
  };
  const token = (request: FastifyRequest): string | undefined => bearerToken(request.headers[AUTHORIZATION_KEY]);
  // Who: before the body is read, so that an unknown caller cannot make the node buffer one.
  app.addHook('onRequest', async (request, reply) => {
    if (open(request)) return;
    try {
      authenticator.check(token(request), 'read');
    } catch (err) {
      void reply.header('www-authenticate', 'Bearer realm="dstash"');
      throw asHttpError(err);
    }
  });
  // What: once the body says whether a batch writes.
  app.addHook('preHandler', async (request) => {
    if (open(request)) return;
    try {
      authenticator.check(token(request), neededRole(request));
    } catch (err) {
      throw asHttpError(err);
    }
  });
}
