/**
 * The standard process metrics (CPU, memory, event loop lag, GC), collected
 * once per process. Several nodes can share a process (`dstash dev`, tests),
 * and these describe the process, not a node: one registry serves them all,
 * created on the first scrape. Registering them per node would add a GC
 * observer and an event-loop monitor for every node.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * prom-client's gauges named like counters (`_total` on a gauge breaks the
 * Prometheus naming rules, and `promtool check metrics` flags them). Each is
 * the sum of the same gauge without the suffix (`nodejs_active_handles{type}`
 * and so on), which stays.
 */
const MISNAMED_GAUGES = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];

let registry: Registry | undefined;

/** The process-wide registry of the default metrics. */
export function processRegistry(): Registry {
  if (!registry) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry });
    for (const name of MISNAMED_GAUGES) registry.removeSingleMetric(name);
  }
  return registry;
}
