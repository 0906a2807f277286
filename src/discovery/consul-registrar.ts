/**
 * `Registrar` backed by the local Consul agent (DESIGN.md, Discovery): the
 * node registers service `dstash` with its node id, address, port and meta,
 * a gRPC health check against its `grpc.health.v1.Health` service and
 * `DeregisterCriticalServiceAfter` (/api-docs/agent/service#register-service).
 * An agent restarted without its state forgets local services, so the
 * registration is checked every `resyncInterval`
 * (/api-docs/agent/service#get-service-configuration) and made again on 404.
 */
import Consul from 'consul';
import { ErrorCode, InvalidArgumentError } from '../errors.js';
import { logger, type Logger } from '../logger.js';
import type { Registrar, Registration } from './discovery.js';
import { joinHostPort } from './consul-health.js';
import { ConsulHttp, ConsulStatusError, consulError } from './consul-http.js';
import { resolveConsulOptions, type ConsulOptions, type ResolvedConsulOptions } from './consul-options.js';
import { Backoff, pause } from './consul-pacing.js';

/** What `consul`'s `agent.service.register` takes (lower-case keys it maps to Consul's), plus papi's per-request timeout. */
interface ServiceDefinition {
  id: string;
  name: string;
  address: string;
  port: number;
  tags: string[];
  meta: Record<string, string>;
  check: { name: string; grpc: string; grpcusetls: boolean; interval: string; timeout: string; deregistercriticalserviceafter: string };
  timeout: number;
}

/** Registers this node with its Consul agent and keeps it registered. */
export class ConsulRegistrar implements Registrar {
  private readonly options: ResolvedConsulOptions;
  private readonly http: ConsulHttp;
  private readonly consul: Consul;
  private readonly log: Logger;
  private definition?: ServiceDefinition;
  private resync?: { stop: AbortController; loop: Promise<void> };

  /** Validates `options` (throws `DSTASH_INVALID_OPTIONS`); nothing is contacted until {@link register}. */
  constructor(options: ConsulOptions = {}) {
    this.options = resolveConsulOptions(options);
    this.http = new ConsulHttp(this.options);
    this.consul = new Consul({
      host: this.options.host,
      port: this.options.port,
      secure: this.options.scheme === 'https',
      agent: this.http.agent,
      ...(this.options.token === undefined ? {} : { defaults: { token: this.options.token } }),
    });
    this.log = logger('discovery.consul-registrar', { consul: this.options.url, service: this.options.serviceName });
  }

  /**
   * Registers `self` (again, replacing the previous definition, when called
   * twice) and keeps it registered until {@link deregister}. Rejects with
   * `DSTASH_DISCOVERY` or `DSTASH_UNAUTHENTICATED` when the agent cannot be
   * reached or refuses.
   */
  async register(self: Registration): Promise<void> {
    const definition = this.define(self);
    await this.stopResync();
    await this.put(definition);
    this.definition = definition;
    const stop = new AbortController();
    this.resync = { stop, loop: this.keepRegistered(definition, stop.signal) };
    this.log.info({ id: definition.id, address: joinHostPort(self.host, self.port) }, 'registered with Consul');
  }

  /**
   * Removes the registration and releases sockets and timers. Idempotent.
   * Rejects when the agent cannot be told; the service is then left to
   * `DeregisterCriticalServiceAfter`.
   */
  async deregister(): Promise<void> {
    const definition = this.definition;
    this.definition = undefined;
    await this.stopResync();
    try {
      if (!definition) return;
      await this.consul.agent.service.deregister({ id: definition.id, timeout: this.options.requestTimeoutMs } as { id: string });
      this.log.info({ id: definition.id }, 'deregistered from Consul');
    } catch (err) {
      throw consulError(err, this.options, `deregister service '${definition!.id}'`);
    } finally {
      this.http.close();
    }
  }

  private define(self: Registration): ServiceDefinition {
    if (!self.id) throw new InvalidArgumentError(ErrorCode.InvalidArgument, 'registration id must not be empty');
    if (!self.host || self.host === '0.0.0.0' || self.host === '::' || self.host === '[::]') {
      throw new InvalidArgumentError(ErrorCode.InvalidArgument, `registration host '${self.host}' is not an address others can dial; register the advertised address, not a wildcard bind address`);
    }
    if (!Number.isInteger(self.port) || self.port < 1 || self.port > 65535) {
      throw new InvalidArgumentError(ErrorCode.InvalidArgument, `registration port must be 1-65535, got ${self.port}`);
    }
    const { serviceName, checkInterval, checkTimeout, checkGrpcTls, deregisterCriticalServiceAfter, requestTimeoutMs } = this.options;
    return {
      id: self.id,
      name: serviceName,
      address: self.host,
      port: self.port,
      tags: self.tags ?? [],
      meta: { node_id: self.id, version: self.version, ...(self.zone ? { zone: self.zone } : {}) },
      check: {
        name: `${serviceName} gRPC health`,
        grpc: joinHostPort(self.host, self.port),
        grpcusetls: checkGrpcTls,
        interval: checkInterval,
        timeout: checkTimeout,
        deregistercriticalserviceafter: deregisterCriticalServiceAfter,
      },
      timeout: requestTimeoutMs,
    };
  }

  private async put(definition: ServiceDefinition): Promise<void> {
    try {
      await this.consul.agent.service.register(definition);
    } catch (err) {
      throw consulError(err, this.options, `register service '${definition.id}'`);
    }
  }

  /** Re-registers whenever the agent no longer has the service; never rejects. */
  private async keepRegistered(definition: ServiceDefinition, signal: AbortSignal): Promise<void> {
    const backoff = new Backoff(this.options.backoffMinMs, this.options.backoffMaxMs);
    let failing = false;
    while (!signal.aborted) {
      await pause(failing ? Math.min(backoff.next(), this.options.resyncIntervalMs) : this.options.resyncIntervalMs, signal);
      if (signal.aborted) return;
      try {
        if (!(await this.isRegistered(definition.id, signal)) && !signal.aborted) {
          this.log.warn({ id: definition.id }, 'the Consul agent no longer has this node (restarted without its state, or reaped it); registering again');
          await this.put(definition);
        }
        if (failing) this.log.info('Consul answers again; registration checked');
        failing = false;
        backoff.reset();
      } catch (err) {
        if (signal.aborted) return;
        if (!failing) this.log.warn({ err: consulError(err, this.options, 'check the registration').message }, 'cannot check the Consul registration; retrying');
        failing = true;
      }
    }
  }

  private async isRegistered(id: string, signal: AbortSignal): Promise<boolean> {
    try {
      await this.http.request('GET', `/agent/service/${encodeURIComponent(id)}`, { signal });
      return true;
    } catch (err) {
      if (err instanceof ConsulStatusError && err.status === 404) return false;
      throw err;
    }
  }

  private async stopResync(): Promise<void> {
    const resync = this.resync;
    this.resync = undefined;
    if (!resync) return;
    resync.stop.abort();
    await resync.loop;
  }
}

