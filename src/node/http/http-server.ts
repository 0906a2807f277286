/**
 * The node's HTTP port (`--http-port`): the app of http-app.ts, listening.
 * The node opens it first, before its store, so that `/healthz` answers and
 * `/readyz` says why the node is not ready while it starts.
 */
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { DstashError, ErrorCode } from '../../errors.js';
import type { NodeMetrics } from '../metrics/node-metrics.js';
import type { NodeView } from '../metrics/node-view.js';
import { buildHttpApp, type HttpLimits, type HttpSecurity } from './http-app.js';

/** Where to listen, and the body limits. */
export interface HttpServerOptions extends HttpLimits {
  bind: string;
  /** 0 picks a free port. */
  port: number;
  /** Tokens and TLS. */
  security?: HttpSecurity;
}

/** A listening HTTP API; `close()` lets requests in flight finish. */
export class HttpServer {
  private constructor(
    private readonly app: FastifyInstance,
    /** The port it listens on. */
    readonly port: number,
  ) {}

  /** Listens; fails with `DSTASH_INVALID_OPTIONS` when the port is taken or the address unusable. */
  static async start(view: NodeView, metrics: NodeMetrics, options: HttpServerOptions): Promise<HttpServer> {
    const app = buildHttpApp(view, metrics, options, options.security);
    try {
      await app.listen({ host: options.bind, port: options.port });
    } catch (err) {
      await app.close();
      const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
      throw new DstashError(
        ErrorCode.InvalidOptions,
        inUse ? `HTTP port ${options.port} on ${options.bind} is already in use: choose another --http-port` : `cannot serve HTTP on ${options.bind}:${options.port}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    return new HttpServer(app, (app.server.address() as AddressInfo).port);
  }

  /** Stops listening and waits for the requests in flight. */
  close(): Promise<void> {
    return this.app.close();
  }
}
