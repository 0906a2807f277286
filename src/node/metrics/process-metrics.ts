/**
 * The standard process metrics (CPU, memory, event loop lag, GC), collected
 * once per process. Several nodes can share a process (`dstash dev`, tests),
 * and these describe the process, not a node: one registry serves them all,
 * created on the first scrape. Registering them per node would add a GC
 * observer and an event-loop monitor for every node.
 */
import { collectDefaultMetrics, Registry } from 'prom-client';

let registry: Registry | undefined;

/** The process-wide registry of the default metrics. */
export function processRegistry(): Registry {
  if (!registry) {
    registry = new Registry();
    collectDefaultMetrics({ register: registry });
  }
  return registry;
}
