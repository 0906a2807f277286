/**
 * A node's Prometheus metrics. Each node has a registry of its own, never
 * prom-client's global default one: several nodes can run in one process
 * (`dstash dev`, tests) and each serves only its own numbers. Metric names are
 * listed in the README (Operations).
 */
import { Registry } from 'prom-client';
import type { NodeLoad } from '../../protocol/generated/dstash/v1/NodeLoad.js';
import { HttpMetrics } from './http-metrics.js';
import { LoadWindow } from './load-window.js';
import { registerNodeCollectors } from './node-collectors.js';
import type { NodeView } from './node-view.js';
import { processRegistry } from './process-metrics.js';
import { ReplicationMetrics } from './replication-metrics.js';
import { RpcMetrics } from './rpc-metrics.js';

/** A scrape: the text exposition and its content type. */
export interface Scrape {
  contentType: string;
  body: string;
}

/** Every metric of one node. */
export class NodeMetrics {
  /** This node's registry. */
  readonly registry = new Registry();
  /** gRPC requests, fed by `rpcInterceptor`. */
  readonly rpc: RpcMetrics;
  /** HTTP requests, fed by the HTTP server. */
  readonly http: HttpMetrics;
  /** Hinted handoff, anti-entropy and rebalancing report their progress here. */
  readonly replication: ReplicationMetrics;
  /** Requests of the last minutes (gRPC and REST), for the dashboard. */
  private readonly recent = new LoadWindow();

  /** Registers every metric; those read at scrape time read them from `view`. */
  constructor(view: NodeView) {
    this.rpc = new RpcMetrics(this.registry, this.recent);
    this.http = new HttpMetrics(this.registry, this.recent);
    this.replication = new ReplicationMetrics(this.registry);
    registerNodeCollectors(this.registry, view);
  }

  /** Recent load and anti-entropy progress, as the node's Info carries them (the dashboard reads them). */
  load(): NodeLoad {
    const { keysRepaired, lastRunMs } = this.replication.antiEntropy;
    return { sampleMs: this.recent.sampleMs, samples: this.recent.samples(), antiEntropyKeysRepaired: keysRepaired, antiEntropyLastRunMs: lastRunMs };
  }

  /** The node's metrics and the process's, in the Prometheus text format. */
  async scrape(): Promise<Scrape> {
    const merged = Registry.merge([processRegistry(), this.registry]);
    return { contentType: merged.contentType, body: await merged.metrics() };
  }
}
