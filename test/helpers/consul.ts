/**
 * Fixtures for tests of dstash's Consul code, which drive that code (the
 * Consul double in test/support/consul-double/ does not): stand-ins for a few
 * dstash nodes, and where dstash's options point.
 */
import { resolveConsulOptions, type ConsulOptions } from '../../src/discovery/consul-options.js';
import { ConsulRegistrar } from '../../src/discovery/consul-registrar.js';
import type { Registration } from '../../src/discovery/discovery.js';
import { HealthServer } from '../support/consul-double/health-server.js';
import type { HealthTarget } from '../support/consul-double/until.js';

/**
 * The agent and service that dstash with `options` talks to (address, TLS
 * and token as dstash resolves them, environment included), for untilHealth.
 */
export function healthTarget(options: ConsulOptions): HealthTarget {
  const resolved = resolveConsulOptions(options);
  return { address: resolved.url, serviceName: resolved.serviceName, token: resolved.token, tls: resolved.tls };
}

/**
 * Stand-ins for a few dstash nodes: each is a real gRPC health server
 * registered by a real {@link ConsulRegistrar}, so that the agent's GRPC
 * check (the double's or a real one's) decides its health.
 */
export class FakeNodes {
  private constructor(
    readonly servers: HealthServer[],
    readonly registrars: ConsulRegistrar[],
    readonly registrations: Registration[],
  ) {}

  /** Starts `count` health servers and registers them as `<prefix>-<i>`, in zones `zone-0` / `zone-1` alternately. */
  static async start(count: number, options: ConsulOptions, prefix = 'node'): Promise<FakeNodes> {
    const nodes = new FakeNodes([], [], []);
    try {
      for (let i = 0; i < count; i++) {
        const server = await HealthServer.start();
        nodes.servers.push(server);
        const registration: Registration = { id: `${prefix}-${i}`, host: '127.0.0.1', port: server.port, zone: `zone-${i % 2}`, version: '0.0.0-test' };
        const registrar = new ConsulRegistrar(options);
        nodes.registrars.push(registrar);
        await registrar.register(registration);
        nodes.registrations.push(registration);
      }
    } catch (err) {
      await nodes.close();
      throw err;
    }
    return nodes;
  }

  /** The node ids, in order. */
  get ids(): string[] {
    return this.registrations.map((r) => r.id);
  }

  /** Deregisters every node (ignoring an unreachable agent) and stops the servers. */
  async close(): Promise<void> {
    await Promise.allSettled(this.registrars.map((r) => r.deregister()));
    for (const server of this.servers) server.stop();
  }
}
