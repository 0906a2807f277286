/**
 * The double's agent: the operations behind the agent endpoints, tying the
 * catalog to the check runners, and the reaper that honours
 * DeregisterCriticalServiceAfter (/api-docs/agent/check#register-check).
 */
import { ApiError } from './api-error.js';
import { Catalog, type NodeInfo } from './catalog.js';
import { CheckRunners } from './check-runners.js';
import type { CheckDefinition, CheckStatus, ServiceDefinition } from './registration.js';

/** Agent tunables that Consul hard-codes; see `ConsulDoubleOptions`. */
export interface AgentTimings {
  reapIntervalMs: number;
  minDeregisterCriticalServiceAfterMs: number;
  minCheckIntervalMs: number;
}

/** One agent with its node's catalog. */
export class Agent {
  /** The state the HTTP API reads. */
  readonly catalog: Catalog;
  private readonly runners: CheckRunners;
  private reaper?: NodeJS.Timeout;

  constructor(
    node: NodeInfo,
    private readonly timings: AgentTimings,
  ) {
    this.catalog = new Catalog(node);
    this.runners = new CheckRunners(this.catalog, timings.minCheckIntervalMs);
  }

  /** `PUT /agent/service/register` (body already parsed): stores, and (re)starts the service's check runners. */
  register(service: ServiceDefinition, checks: CheckDefinition[], replaceExistingChecks: boolean): void {
    const removed = this.catalog.register(service, checks, replaceExistingChecks, Date.now());
    for (const id of removed) this.runners.stop(id);
    for (const check of checks) this.runners.start(check);
  }

  /** `PUT /agent/service/deregister/:id`: no action when the service does not exist (/api-docs/agent/service#deregister-service). */
  deregister(serviceId: string): void {
    for (const id of this.catalog.deregister(serviceId)) this.runners.stop(id);
  }

  /** TTL check pass/warn/fail/update; 404 for an unknown check, 500 for one that is not a TTL check, as Consul answers. */
  updateTtl(checkId: string, status: CheckStatus, output: string): void {
    if (!this.catalog.check(checkId)) throw new ApiError(404, `Unknown check ID "${checkId}". Ensure that the check ID is passed, not the check name.`);
    if (!this.runners.updateTtl(checkId, status, output)) throw new ApiError(500, `CheckID "${checkId}" does not have associated TTL`);
  }

  /** Starts the reaper and the runners of the checks already registered (an agent starting with its state). */
  start(): void {
    if (this.reaper) return;
    for (const def of this.catalog.checkDefinitions()) this.runners.start(def);
    this.reaper = setInterval(() => this.reap(), this.timings.reapIntervalMs);
  }

  /** Stops the reaper and every check runner; the catalog is kept. */
  stop(): void {
    clearInterval(this.reaper);
    this.reaper = undefined;
    this.runners.stopAll();
  }

  /** Forgets every service, as an agent restarted without its state does; see `Catalog.clear`. */
  forgetAll(resetIndexes: boolean): void {
    this.runners.stopAll();
    this.catalog.clear(resetIndexes);
  }

  /**
   * Deregisters services whose check has been critical longer than its
   * DeregisterCriticalServiceAfter. Consul reaps every 30 s with a 1 m
   * floor; the double's interval and floor are options so that tests are fast.
   */
  private reap(): void {
    for (const id of this.catalog.criticalTooLong(Date.now(), this.timings.minDeregisterCriticalServiceAfterMs)) this.deregister(id);
  }
}
