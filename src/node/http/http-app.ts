/**
 * The node's HTTP API as a fastify app: probes and metrics, the cluster view,
 * and the REST key/value API, with one error format for every route; the
 * dashboard (`/ui`) and the stats it polls (`/v1/stats`).
 */
import { createServer } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import { fastify, type FastifyInstance, type FastifyReply } from 'fastify';
import { ErrorCode } from '../../errors.js';
import { logger } from '../../logger.js';
import type { NodeMetrics } from '../metrics/node-metrics.js';
import type { NodeView } from '../metrics/node-view.js';
import { registerAuthHooks, type HttpAuthOptions } from './auth-hooks.js';
import { registerBatchRoute } from './batch-route.js';
import { answerParts } from '../read-in-parts.js';
import { registerClusterRoute } from './cluster-route.js';
import { errorHandler } from './error-handler.js';
import { badRequest, HttpError } from './http-errors.js';
import { registerKeyRoutes } from './key-routes.js';
import { registerProbeRoutes } from './probe-routes.js';
import { routeFallbacks } from './route-fallbacks.js';
import { registerScanRoute } from './scan-route.js';
import { registerStatsRoute } from './stats-route.js';
import { registerTruncateRoute } from './truncate-route.js';
import { registerUiRoute } from './ui/ui-route.js';

/** Size limits of request bodies. */
export interface HttpLimits {
  /** Largest value, hence largest PUT body. */
  maxValueBytes: number;
  /** Largest body of any other request (a batch). */
  maxBodyBytes: number;
  /** Time for a request's headers to arrive, in ms. */
  headersTimeoutMs: number;
}

/** Who may call the API, and over what. */
export interface HttpSecurity {
  /** Tokens to require (auth-hooks.ts); undefined: the API is open. */
  auth?: HttpAuthOptions;
  /** Serve HTTPS with this certificate chain and key (PEM); undefined: plain HTTP. */
  tls?: { cert: Buffer; key: Buffer };
}

/** Builds the app (not listening yet). */
export function buildHttpApp(view: NodeView, metrics: NodeMetrics, limits: HttpLimits, security: HttpSecurity = {}): FastifyInstance {
  const log = logger('node.http');
  // Node checks the headers deadline on an interval: check often enough for the deadline to mean something.
  const serverOptions = { headersTimeout: limits.headersTimeoutMs, requestTimeout: 0, connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs) };
  const app = fastify({
    logger: false,
    serverFactory: (handler) => (security.tls ? createTlsServer({ ...serverOptions, ...security.tls }, handler) : createServer(serverOptions, handler)),
    bodyLimit: limits.maxBodyBytes,
    // Raised while routing: a path that is not percent-encoded UTF-8 (the key), or a path
    // parameter over the router's 100 characters (the index: keys are a wildcard, which it does not limit).
    frameworkErrors: (error, _request, reply) => {
      const answer = error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? badRequest('invalid index name: over 64 characters', ErrorCode.InvalidIndex)
        : badRequest('invalid URL: keys in the URL are percent-encoded UTF-8 (or base64 with ?encoding=base64)', ErrorCode.InvalidKey);
      void (reply as FastifyReply).status(answer.status).send(answer.body);
    },
  });
  app.setErrorHandler(errorHandler(new HttpError(413, ErrorCode.InvalidArgument, `request body over the limit of ${limits.maxBodyBytes} bytes (node option maxHttpBodyBytes)`), log));
  const fallbacks = routeFallbacks(app);
  app.addHook('onResponse', (request, reply, done) => {
    metrics.http.requestAnswered(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  if (security.auth) registerAuthHooks(app, security.auth);
  registerProbeRoutes(app, view, metrics);
  registerClusterRoute(app, view);
  registerKeyRoutes(app, view, limits.maxValueBytes, log);
  registerScanRoute(app, view);
  registerBatchRoute(app, view, answerParts(limits.maxValueBytes));
  registerTruncateRoute(app, view);
  registerStatsRoute(app, view);
  registerUiRoute(app);
  void app.register(fallbacks);
  return app;
}
