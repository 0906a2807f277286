/**
 * A test double of one Consul agent's HTTP API, for the machines where no
 * Consul binary can run (DESIGN.md, Discovery). It serves the endpoints
 * dstash uses, following the public API documentation: service registration
 * with GRPC and TTL checks that really run, DeregisterCriticalServiceAfter,
 * health and catalog reads with blocking queries, and ACL tokens. It shares
 * no code with dstash's Consul client (src/discovery/): it reads durations,
 * indexes and requests by itself, so that a mistake there cannot hide in the
 * double that tests it.
 *
 * Known differences from Consul, each chosen for tests:
 * - one node, which is both agent and catalog (no anti-entropy delay; the
 *   node's serfHealth is always passing; the catalog does not list the
 *   servers' own `consul` service);
 * - agent timings that Consul hard-codes are options with fast defaults
 *   (reap every 1 s instead of 30 s; no 1 m floor on
 *   DeregisterCriticalServiceAfter; no 1 s floor on check intervals): pass
 *   {@link CONSUL_AGENT_TIMINGS} to get Consul's;
 * - only GRPC and TTL checks; hash-based blocking on agent endpoints,
 *   `filter`, `near`, `tag`, namespaces and partitions are not offered;
 * - check output changes take an index at once (Consul's agent may hold
 *   output-only changes back for `check_update_interval`).
 *
 * Test controls beyond the API are the methods under "Test controls".
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { Acl } from './acl.js';
import { Agent, type AgentTimings } from './agent.js';
import { handleRequest } from './http-api.js';

/** Options of {@link ConsulDouble}. */
export interface ConsulDoubleOptions {
  /**
   * Management token. When set, ACLs are on with default policy deny: see `acl.ts` for what that changes.
   * @default undefined (ACLs off)
   */
  aclToken?: string;
  /**
   * Serve HTTPS with this key and certificate (PEM), as an agent with `ports.https` does.
   * @default undefined (plain HTTP)
   */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /**
   * The datacenter the agent is in; `?dc=` naming another is answered 500 "No path to datacenter".
   * @default 'dc1'
   */
  datacenter?: string;
  /**
   * The agent's node name.
   * @default 'consul-double'
   */
  nodeName?: string;
  /**
   * How often services critical past DeregisterCriticalServiceAfter are removed (Consul: 30 s).
   * @default 1000
   */
  reapIntervalMs?: number;
  /**
   * Floor of DeregisterCriticalServiceAfter (Consul: 1 m).
   * @default 0
   */
  minDeregisterCriticalServiceAfterMs?: number;
  /**
   * Floor of check intervals (Consul: 1 s).
   * @default 0
   */
  minCheckIntervalMs?: number;
}

/** Consul's own values of the agent timings the double makes configurable. */
export const CONSUL_AGENT_TIMINGS: AgentTimings = {
  reapIntervalMs: 30_000,
  minDeregisterCriticalServiceAfterMs: 60_000,
  minCheckIntervalMs: 1000,
};

const DEFAULT_TIMINGS: AgentTimings = { reapIntervalMs: 1000, minDeregisterCriticalServiceAfterMs: 0, minCheckIntervalMs: 0 };

const HOST = '127.0.0.1';

/** A Consul agent double on 127.0.0.1. */
export class ConsulDouble {
  private readonly agent: Agent;
  private readonly server: http.Server | https.Server;
  private readonly datacenter: string;
  private port = 0;
  private listening = false;

  constructor(options: ConsulDoubleOptions = {}) {
    this.datacenter = options.datacenter ?? 'dc1';
    this.agent = new Agent(
      { ID: '0f0b7d52-8c5e-4f4e-9b51-000000000001', Node: options.nodeName ?? 'consul-double', Address: HOST, Datacenter: this.datacenter },
      {
        reapIntervalMs: options.reapIntervalMs ?? DEFAULT_TIMINGS.reapIntervalMs,
        minDeregisterCriticalServiceAfterMs: options.minDeregisterCriticalServiceAfterMs ?? DEFAULT_TIMINGS.minDeregisterCriticalServiceAfterMs,
        minCheckIntervalMs: options.minCheckIntervalMs ?? DEFAULT_TIMINGS.minCheckIntervalMs,
      },
    );
    const ctx = { agent: this.agent, acl: new Acl(options.aclToken), datacenter: this.datacenter };
    const handler: http.RequestListener = (req, res) => void handleRequest(ctx, req, res);
    this.server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, handler) : http.createServer(handler);
  }

  /** `host:port` of the API; valid after {@link start}. With `tls`, the scheme is https. */
  get address(): string {
    return `${HOST}:${this.port}`;
  }

  /**
   * Starts serving (on port 0 the first time, on the same port after a stop)
   * and starts the agent's checks and reaper. Returns {@link address}.
   */
  async start(): Promise<string> {
    await this.listen();
    this.agent.start();
    return this.address;
  }

  /**
   * Stops serving, drops every connection (blocked queries included), and
   * stops check runners and the reaper. The registrations are kept: a later
   * {@link start} is an agent restart with its state.
   */
  async stop(): Promise<void> {
    this.agent.stop();
    await this.unlisten();
  }

  // ---- Test controls (not part of Consul's API) ----

  /**
   * Makes the agent unreachable: the listener closes and connections drop,
   * while its state, checks and reaper carry on (a network outage between
   * dstash and the agent). {@link resume} listens again on the same port.
   */
  async pause(): Promise<void> {
    await this.unlisten();
  }

  /** Ends a {@link pause}. */
  async resume(): Promise<void> {
    await this.listen();
  }

  /**
   * An agent restart without persisted state: every service and check is
   * forgotten (and leaves the catalog), and open connections drop. With
   * `resetIndexes`, indexes also start over, as on a dev-mode server that lost
   * its Raft log, so clients see the index go backwards.
   */
  restartAgent(options: { resetIndexes?: boolean } = {}): void {
    this.agent.forgetAll(options.resetIndexes ?? false);
    this.server.closeAllConnections();
  }

  private async listen(): Promise<void> {
    if (this.listening) return;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, HOST, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.port = (this.server.address() as AddressInfo).port;
    this.listening = true;
  }

  private async unlisten(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}
