/**
 * Probes and scrapes: `/healthz` (liveness: the process answers; 200 while
 * the HTTP port is open, from before the store opens until the node stops),
 * `/readyz` (readiness: 200 once the store is open and the membership is
 * known, saying so with the reason while the store is read-only; 503 with
 * the reason otherwise) and `/metrics` (Prometheus).
 */
import type { FastifyInstance } from 'fastify';
import type { NodeMetrics } from '../metrics/node-metrics.js';
import type { NodeView } from '../metrics/node-view.js';

/** Registers /healthz, /readyz and /metrics. */
export function registerProbeRoutes(app: FastifyInstance, view: NodeView, metrics: NodeMetrics): void {
  app.get('/healthz', async () => ({ status: 'ok', nodeId: view.nodeId() }));

  app.get('/readyz', async (_request, reply) => {
    const readiness = view.readiness();
    return reply.status(readiness.ready ? 200 : 503).send(readiness);
  });

  app.get('/metrics', async (_request, reply) => {
    const scrape = await metrics.scrape();
    return reply.header('content-type', scrape.contentType).send(scrape.body);
  });
}
