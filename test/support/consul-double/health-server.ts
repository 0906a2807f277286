/**
 * A real `grpc.health.v1.Health` server on 127.0.0.1:0 standing in for a
 * dstash node in Consul tests: Consul's GRPC check (the double's or a real
 * agent's) probes it, and a test flips what it answers.
 */
import * as grpc from '@grpc/grpc-js';
import type { HealthHandlers } from '../../../src/protocol/generated/grpc/health/v1/Health.js';
import { healthPackage } from './health-proto.js';

/** A health server whose answer a test controls. */
export class HealthServer {
  private constructor(
    private readonly server: grpc.Server,
    /** The port it listens on. */
    readonly port: number,
    private readonly state: { serving: boolean },
  ) {}

  /** Starts a server answering SERVING. */
  static async start(): Promise<HealthServer> {
    const server = new grpc.Server();
    const state = { serving: true };
    const handlers: Pick<HealthHandlers, 'Check'> = {
      Check: (_call, callback) => callback(null, { status: state.serving ? 'SERVING' : 'NOT_SERVING' }),
    };
    // Watch is left out: grpc-js answers UNIMPLEMENTED, and Consul's check only calls Check.
    server.addService(healthPackage().Health.service, handlers);
    const port = await new Promise<number>((resolve, reject) =>
      server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) => (err ? reject(err) : resolve(bound))),
    );
    return new HealthServer(server, port, state);
  }

  /** `127.0.0.1:<port>`, the GRPC check target. */
  get address(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Answers SERVING (true) or NOT_SERVING (false) from now on. */
  setServing(serving: boolean): void {
    this.state.serving = serving;
  }

  /** Stops at once; later probes fail to connect. */
  stop(): void {
    this.server.forceShutdown();
  }
}
