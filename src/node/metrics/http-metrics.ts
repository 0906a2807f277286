/** Metrics of the requests the node's HTTP port serves (REST API, probes, scrapes). */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { LoadWindow } from './load-window.js';

type Labels = 'method' | 'route' | 'code';

/** HTTP request counts and latencies, by method, route pattern and status code. */
export class HttpMetrics {
  private readonly requests: Counter<Labels>;
  private readonly duration: Histogram<Labels>;

  /** `load` counts the REST API's requests (`/v1/kv/…`) of the last minutes, for the dashboard. */
  constructor(registry: Registry, private readonly load: LoadWindow) {
    const registers = [registry];
    const labelNames: Labels[] = ['method', 'route', 'code'];
    this.requests = new Counter({ name: 'dstash_http_requests_total', help: 'HTTP requests answered, by method, route and status code', labelNames, registers });
    this.duration = new Histogram({
      name: 'dstash_http_request_duration_seconds',
      help: 'Duration of HTTP requests, by method, route and status code',
      labelNames,
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
  }

  /** Records an answered request; `route` is the route pattern (not the URL, which names keys). */
  requestAnswered(method: string, route: string, code: number, seconds: number): void {
    const labels = { method, route, code: String(code) };
    this.requests.inc(labels);
    this.duration.observe(labels, seconds);
    if (route.startsWith('/v1/kv/')) this.load.record(seconds * 1000);
  }
}
