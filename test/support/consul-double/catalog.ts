/**
 * The state of the double's single agent node and its catalog: services,
 * checks and Raft-style indexes, rendered in the JSON shapes of the HTTP API.
 *
 * Index semantics follow Consul's state store, as the blocking-query docs
 * require (/api-docs/features/blocking): every write that changes a result
 * takes the next index; a service's index is that of its last change
 * (registration, deregistration, check status); a service that does not exist
 * reports the index at which the last service disappeared; writes that change
 * nothing (re-registering an identical definition) take no index.
 */
import { createHash } from 'node:crypto';
import type { CheckDefinition, CheckStatus, ServiceDefinition } from './registration.js';

/** The agent's node, as it appears in every health entry. */
export interface NodeInfo {
  ID: string;
  Node: string;
  Address: string;
  Datacenter: string;
}

interface CheckState {
  def: CheckDefinition;
  service: ServiceDefinition;
  Status: CheckStatus;
  Output: string;
  /** When the check last turned critical (for DeregisterCriticalServiceAfter). */
  criticalSince?: number;
  CreateIndex: bigint;
  ModifyIndex: bigint;
}

interface ServiceState {
  def: ServiceDefinition;
  checkIds: string[];
  CreateIndex: bigint;
  ModifyIndex: bigint;
}

/** Consul's default OutputMaxSize for check output (/api-docs/agent/check#register-check). */
const OUTPUT_MAX_SIZE = 4096;

/** The serfHealth check Consul adds to every node; the double's node is always alive. */
const SERF_HEALTH = { CheckID: 'serfHealth', Name: 'Serf Health Status', Status: 'passing', Output: 'Agent alive and reachable' } as const;

/** The double's catalog. Call {@link onChange} to hear of every index change. */
export class Catalog {
  private raft = 1n;
  private lastExtinction = 1n;
  private servicesIndex = 1n;
  private readonly nameIndex = new Map<string, bigint>();
  private readonly services = new Map<string, ServiceState>();
  private readonly checks = new Map<string, CheckState>();
  private readonly listeners = new Set<() => void>();

  constructor(readonly node: NodeInfo) {}

  /** Subscribes to index changes; returns the unsubscribe function. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Registers or replaces a service and its checks. A re-registered check
   * keeps its status and output (Consul preserves check state across
   * re-registration to avoid flapping); checks missing from the request are
   * kept unless `replaceExistingChecks` (/api-docs/agent/service#register-service).
   * Returns the ids of the checks removed.
   */
  register(service: ServiceDefinition, checks: CheckDefinition[], replaceExistingChecks: boolean, now: number): string[] {
    const before = this.fingerprint(service.ID);
    const previous = this.services.get(service.ID);
    const removed: string[] = [];
    if (previous && previous.def.Service !== service.Service) {
      removed.push(...this.remove(service.ID));
    } else if (previous && replaceExistingChecks) {
      for (const id of previous.checkIds) {
        if (!checks.some((c) => c.CheckID === id)) removed.push(id);
      }
      for (const id of removed) this.checks.delete(id);
    }
    const kept = this.services.get(service.ID)?.checkIds.filter((id) => !removed.includes(id)) ?? [];
    const index = this.raft + 1n;
    for (const def of checks) {
      const old = this.checks.get(def.CheckID);
      const status = old?.Status ?? def.Status ?? 'critical';
      this.checks.set(def.CheckID, {
        def,
        service,
        Status: status,
        Output: old?.Output ?? '',
        ...(status === 'critical' ? { criticalSince: old?.criticalSince ?? now } : {}),
        CreateIndex: old?.CreateIndex ?? index,
        ModifyIndex: old?.ModifyIndex ?? index,
      });
      if (!kept.includes(def.CheckID)) kept.push(def.CheckID);
    }
    for (const id of kept) this.checks.get(id)!.service = service;
    this.services.set(service.ID, { def: service, checkIds: kept, CreateIndex: previous?.CreateIndex ?? index, ModifyIndex: index });
    if (this.fingerprint(service.ID) !== before) {
      this.servicesIndex = this.bump(service.Service);
    } else if (previous) {
      this.services.get(service.ID)!.ModifyIndex = previous.ModifyIndex;
    }
    this.notify();
    return removed;
  }

  /** Removes a service and its checks; returns the removed check ids (none when the service is unknown). */
  deregister(serviceId: string): string[] {
    const removed = this.remove(serviceId);
    this.notify();
    return removed;
  }

  /** Sets a check's status and output; takes an index only when either changed. */
  updateCheck(checkId: string, status: CheckStatus, output: string, now: number): void {
    const check = this.checks.get(checkId);
    if (!check) return;
    const captured = output.length > OUTPUT_MAX_SIZE ? `${output.slice(0, OUTPUT_MAX_SIZE)} ... (captured ${OUTPUT_MAX_SIZE} of ${output.length} bytes)` : output;
    if (check.Status === status && check.Output === captured) return;
    if (status !== 'critical') delete check.criticalSince;
    else if (check.Status !== 'critical') check.criticalSince = now;
    check.Status = status;
    check.Output = captured;
    check.ModifyIndex = this.bump(check.service.Service);
    this.notify();
  }

  /** Forgets every service (an agent restart without state). With `resetIndexes`, indexes start over, as on a dev server that lost its Raft log. */
  clear(resetIndexes: boolean): string[] {
    const checkIds = [...this.checks.keys()];
    for (const id of [...this.services.keys()]) this.remove(id);
    if (resetIndexes) {
      this.raft = 1n;
      this.lastExtinction = 1n;
      this.servicesIndex = 1n;
      this.nameIndex.clear();
    }
    this.notify();
    return checkIds;
  }

  /** The `X-Consul-Index` of `/health/service/:name`. */
  healthIndex(name: string): bigint {
    return this.exists(name) ? (this.nameIndex.get(name) ?? this.raft) : this.lastExtinction;
  }

  /** The `X-Consul-Index` of `/catalog/services`. */
  catalogIndex(): bigint {
    return this.servicesIndex;
  }

  /** The check with this id, with the service it belongs to. */
  check(checkId: string): { def: CheckDefinition; service: ServiceDefinition; Output: string } | undefined {
    return this.checks.get(checkId);
  }

  /** Every registered check's definition (to restart the runners of an agent that kept its state). */
  checkDefinitions(): CheckDefinition[] {
    return [...this.checks.values()].map((c) => c.def);
  }

  /** The registered service with this id. */
  service(serviceId: string): ServiceDefinition | undefined {
    return this.services.get(serviceId)?.def;
  }

  /** Ids of services with a check critical for longer than its DeregisterCriticalServiceAfter (at least `minMs`). */
  criticalTooLong(now: number, minMs: number): string[] {
    const ids = new Set<string>();
    for (const check of this.checks.values()) {
      const after = check.def.deregisterAfterMs;
      if (after > 0 && check.criticalSince !== undefined && now - check.criticalSince > Math.max(after, minMs)) ids.add(check.service.ID);
    }
    return [...ids];
  }

  /** `/health/service/:name` entries, sorted by service id (/api-docs/health#list-nodes-for-service). */
  health(name: string): object[] {
    return [...this.services.values()]
      .filter((s) => s.def.Service === name)
      .sort((a, b) => (a.def.ID < b.def.ID ? -1 : a.def.ID > b.def.ID ? 1 : 0))
      .map((s) => ({
        Node: this.nodeJson(),
        Service: { ...this.serviceJson(s.def), CreateIndex: Number(s.CreateIndex), ModifyIndex: Number(s.ModifyIndex) },
        // Node-level checks come first, then the service's, as in Consul's state store.
        Checks: [this.serfJson(), ...s.checkIds.map((id) => this.checkJson(this.checks.get(id)!))],
      }));
  }

  /** True when every check of an entry passes: the `?passing` filter. */
  static passing(entry: object): boolean {
    return (entry as { Checks: { Status: string }[] }).Checks.every((c) => c.Status === 'passing');
  }

  /** `/catalog/services`: each service name with the union of its instances' tags (/api-docs/catalog#list-services). */
  serviceTags(): Record<string, string[]> {
    const out: Record<string, string[]> = {};
    for (const { def } of this.services.values()) out[def.Service] = [...new Set([...(out[def.Service] ?? []), ...def.Tags])];
    return out;
  }

  /** `/agent/service/:id`, with its ContentHash (/api-docs/agent/service#get-service-configuration). */
  agentService(serviceId: string): object | undefined {
    const state = this.services.get(serviceId);
    if (!state) return undefined;
    const body = { ...this.serviceJson(state.def), Datacenter: this.node.Datacenter };
    return { ...body, ContentHash: createHash('sha256').update(JSON.stringify(body)).digest('hex').slice(0, 16) };
  }

  private exists(name: string): boolean {
    for (const { def } of this.services.values()) if (def.Service === name) return true;
    return false;
  }

  private remove(serviceId: string): string[] {
    const state = this.services.get(serviceId);
    if (!state) return [];
    this.services.delete(serviceId);
    for (const id of state.checkIds) this.checks.delete(id);
    this.servicesIndex = this.bump(state.def.Service);
    if (!this.exists(state.def.Service)) this.lastExtinction = this.raft;
    return state.checkIds;
  }

  /** Takes the next index for a write to service `name`. Callers notify once their state is complete. */
  private bump(name: string): bigint {
    this.raft += 1n;
    this.nameIndex.set(name, this.raft);
    return this.raft;
  }

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** What a health query shows of a service; a write that leaves it unchanged takes no index. */
  private fingerprint(serviceId: string): string {
    const state = this.services.get(serviceId);
    if (!state) return '';
    return JSON.stringify([state.def, state.checkIds.map((id) => this.checkJson(this.checks.get(id)!, false))]);
  }

  private nodeJson(): object {
    const { Address } = this.node;
    return {
      ...this.node,
      TaggedAddresses: { lan: Address, lan_ipv4: Address, wan: Address, wan_ipv4: Address },
      Meta: { 'consul-network-segment': '' },
      CreateIndex: 1,
      ModifyIndex: 1,
    };
  }

  private serviceJson(def: ServiceDefinition): object {
    return { ...def, Weights: { Passing: 1, Warning: 1 }, EnableTagOverride: false };
  }

  private serfJson(): object {
    return { Node: this.node.Node, ...SERF_HEALTH, Notes: '', ServiceID: '', ServiceName: '', ServiceTags: [], Type: '', Interval: '', Timeout: '', ExposedPort: 0, Definition: {}, CreateIndex: 1, ModifyIndex: 1 };
  }

  private checkJson(check: CheckState, withIndexes = true): object {
    const { def } = check;
    return {
      Node: this.node.Node,
      CheckID: def.CheckID,
      Name: def.Name,
      Status: check.Status,
      Notes: def.Notes,
      Output: check.Output,
      ServiceID: check.service.ID,
      ServiceName: check.service.Service,
      ServiceTags: check.service.Tags,
      Type: def.Type,
      Interval: def.Interval,
      Timeout: def.Type === 'grpc' ? def.Timeout : '',
      ExposedPort: 0,
      Definition: {},
      ...(withIndexes ? { CreateIndex: Number(check.CreateIndex), ModifyIndex: Number(check.ModifyIndex) } : {}),
    };
  }
}
