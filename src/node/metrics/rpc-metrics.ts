/**
 * Metrics of the gRPC requests a node serves: one count and one latency per
 * finished call, labelled by service, method and status code; and, on batch
 * streams, the entries of each batch message and the time to answer it (a
 * stream can live for minutes, so its own duration says little about latency).
 */
import { Counter, Histogram, type Registry } from 'prom-client';
import type { LoadWindow } from './load-window.js';

/** Latency buckets, in seconds: sub-millisecond local calls up to a minute-long stream. */
const DURATION_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Entries per batch message: clients send up to a few thousand. */
const BATCH_BUCKETS = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

/** Health probes arrive every second from every peer: they are not load. */
const HEALTH_SERVICE = 'grpc.health.v1.Health';

type CallLabels = 'service' | 'method' | 'code';
type BatchLabels = 'service' | 'method';

/** Request counters and histograms of the gRPC services. */
export class RpcMetrics {
  private readonly requests: Counter<CallLabels>;
  private readonly duration: Histogram<CallLabels>;
  private readonly batchEntries: Histogram<BatchLabels>;
  private readonly batchDuration: Histogram<BatchLabels>;

  /**
   * `load` counts the last minutes (the dashboard): unary calls and batch
   * messages, each with its latency; whole streams and health probes are left out.
   */
  constructor(registry: Registry, private readonly load: LoadWindow) {
    const registers = [registry];
    this.requests = new Counter({
      name: 'dstash_rpc_requests_total',
      help: 'gRPC calls finished, by service, method and status code',
      labelNames: ['service', 'method', 'code'],
      registers,
    });
    this.duration = new Histogram({
      name: 'dstash_rpc_duration_seconds',
      help: 'Duration of gRPC calls, by service, method and status code (for streams: the whole stream)',
      labelNames: ['service', 'method', 'code'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    const batchHistogram = (name: string, help: string, buckets: number[]): Histogram<BatchLabels> =>
      new Histogram({ name, help, labelNames: ['service', 'method'], buckets, registers });
    this.batchEntries = batchHistogram('dstash_rpc_batch_entries', 'Entries (keys or records) per batch message received on a batch stream', BATCH_BUCKETS);
    this.batchDuration = batchHistogram('dstash_rpc_batch_duration_seconds', 'Time from receiving a batch message on a stream to sending its answer', DURATION_BUCKETS);
  }

  /**
   * Records a finished call; `code` is the gRPC status name (OK, INVALID_ARGUMENT, …).
   * A `stream` counts in the recent load by its batch messages, not as a whole.
   */
  callFinished(service: string, method: string, code: string, seconds: number, stream = false): void {
    const labels = { service, method, code };
    this.requests.inc(labels);
    this.duration.observe(labels, seconds);
    if (!stream && service !== HEALTH_SERVICE) this.load.record(seconds * 1000);
  }

  /** Records a batch message received on a stream. */
  batchReceived(service: string, method: string, entries: number): void {
    this.batchEntries.observe({ service, method }, entries);
  }

  /** Records the answer to a batch message. */
  batchAnswered(service: string, method: string, seconds: number): void {
    this.batchDuration.observe({ service, method }, seconds);
    this.load.record(seconds * 1000);
  }
}
