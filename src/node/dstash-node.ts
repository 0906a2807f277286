/**
 * A dstash node: its identity, its LevelDB store, its gRPC server (KV,
 * Replica and Health services), its view of the cluster and the coordinator
 * it runs for callers that do not route, started and stopped as one.
 */
import { hostname } from 'node:os';
import * as grpc from '@grpc/grpc-js';
import { DstashError, ErrorCode } from '../errors.js';
import { logger, type Logger } from '../logger.js';
import { DSTASH_VERSION } from '../package-info.js';
import { HealthService, KvService, ReplicaService, SERVICE_NAMES } from '../protocol/definitions.js';
import { Coordinator, GrpcReplicaTransport } from '../client/index.js';
import { StaticDiscovery } from '../discovery/static-discovery.js';
import { channelCredentials, serverCredentials } from '../protocol/tls.js';
import { LevelStore } from '../storage/level-store.js';
import type { Store } from '../storage/store.js';
import { HealthReporter } from './health.js';
import { kvHandlers } from './kv-handlers.js';
import { LocalReplica } from './local-replica.js';
import { loadOrCreateIdentity } from './node-identity.js';
import { resolveNodeOptions, type NodeOptions } from './node-options.js';
import { replicaHandlers } from './replica-handlers.js';
import { LocalTransport } from './local-transport.js';
import type { InfoResponse } from '../protocol/generated/dstash/v1/InfoResponse.js';

/** Lifecycle states of a node. */
export type NodeState = 'new' | 'starting' | 'serving' | 'stopping' | 'stopped';

/** One dstash node. `start()` it, then `stop()` it; a node is not restarted. */
export class DstashNode {
  readonly options: NodeOptions;
  readonly health = new HealthReporter();
  private readonly log: Logger;
  private state: NodeState = 'new';
  private server?: grpc.Server;
  private store?: Store;
  private coordinator?: Coordinator;
  private registered = false;
  private boundPort = 0;
  private id = '';

  constructor(options: Partial<NodeOptions> & Pick<NodeOptions, 'dataDir'>) {
    this.options = resolveNodeOptions(options);
    this.log = logger('node');
  }

  /** The node's stable id (after `start()`). */
  get nodeId(): string {
    return this.id;
  }

  /** The port the server listens on (after `start()`; useful with port 0). */
  get port(): number {
    return this.boundPort;
  }

  /** `host:port` that clients and other members dial. */
  get address(): string {
    return `${this.advertiseHost()}:${this.boundPort}`;
  }

  /** The lifecycle state. */
  get status(): NodeState {
    return this.state;
  }

  /** Opens the store and starts serving. Fails with a clear DstashError on a bad data dir or a port in use. */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new DstashError(ErrorCode.InvalidOptions, `node cannot start: it is ${this.state}`);
    this.state = 'starting';
    try {
      const o = this.options;
      const identity = await loadOrCreateIdentity(o.dataDir, { nodeId: o.nodeId, partitions: o.partitions });
      this.id = identity.nodeId;
      const store = new LevelStore({
        dataDir: o.dataDir,
        sync: o.sync,
        partitions: o.partitions,
        tombstoneGraceMs: o.tombstoneGraceMs,
        sweepIntervalMs: o.sweepIntervalMs,
      });
      await store.open();
      this.store = store;
      const replica = new LocalReplica(store, o.partitions, o.maxValueBytes);
      const coordinator = this.makeCoordinator(replica);
      this.coordinator = coordinator;
      await this.listen(coordinator, replica);
      // Serving before the coordinator starts: static discovery probes this node too.
      this.health.set('', 'SERVING');
      this.health.set(SERVICE_NAMES.kv, 'SERVING');
      this.health.set(SERVICE_NAMES.replica, 'SERVING');
      if (o.registrar) {
        this.registered = true;
        await o.registrar.register({ id: this.id, host: this.advertiseHost(), port: this.boundPort, zone: o.zone, version: DSTASH_VERSION });
      }
      await coordinator.start();
      this.state = 'serving';
      this.log.info({ nodeId: this.id, address: this.address, bind: o.bind, tls: Boolean(o.tls), sync: o.sync }, 'node serving');
    } catch (err) {
      await this.release();
      this.state = 'stopped';
      throw err;
    }
  }

  /**
   * Stops gracefully: reports NOT_SERVING, lets in-flight calls finish (up to
   * `shutdownGraceMs`, then cancels them), and closes the store cleanly.
   */
  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return;
    this.state = 'stopping';
    this.health.setAll('NOT_SERVING');
    this.health.endWatches();
    await this.release();
    this.state = 'stopped';
    this.log.info({ nodeId: this.id }, 'node stopped');
  }

  /** The coordinator of this node (after `start()`). */
  get cluster(): Coordinator | undefined {
    return this.coordinator;
  }

  private makeCoordinator(replica: LocalReplica): Coordinator {
    const o = this.options;
    const self = new LocalTransport(replica);
    const credentials = channelCredentials(o.tls);
    const discovery = o.discovery ?? new StaticDiscovery({
      peers: o.peers,
      peersFile: o.peersFile,
      healthIntervalMs: o.healthIntervalMs,
      tls: o.tls,
      // Read at start, once the node listens and knows its port.
      self: () => ({ id: this.id, address: this.address, zone: o.zone, healthy: this.state === 'serving' || this.state === 'starting' }),
    });
    return new Coordinator(
      discovery,
      (member) => (member.id === this.id ? self : new GrpcReplicaTransport(member.address, credentials, o.maxMessageBytes)),
      { ...o.coordinator, partitions: o.partitions, maxValueBytes: o.maxValueBytes, maxMessageBytes: o.maxMessageBytes, tls: o.tls },
    );
  }

  private async listen(coordinator: Coordinator, replica: LocalReplica): Promise<void> {
    const o = this.options;
    const server = new grpc.Server({
      'grpc.max_receive_message_length': o.maxMessageBytes,
      'grpc.max_send_message_length': o.maxMessageBytes,
    });
    server.addService(KvService.service, kvHandlers(coordinator, o.maxInFlightBatches));
    server.addService(ReplicaService.service, replicaHandlers(replica, () => this.info(), o.maxInFlightBatches));
    server.addService(HealthService.service, this.health.handlers());
    const credentials = serverCredentials(o.tls);
    this.boundPort = await new Promise<number>((resolve, reject) => {
      server.bindAsync(`${o.bind.includes(':') ? `[${o.bind}]` : o.bind}:${o.port}`, credentials, (err, port) => {
        if (err) {
          const inUse = /EADDRINUSE|address already in use/i.test(err.message);
          reject(new DstashError(
            ErrorCode.InvalidOptions,
            inUse ? `port ${o.port} on ${o.bind} is already in use: choose another --port` : `cannot listen on ${o.bind}:${o.port}: ${err.message}`,
            { cause: err },
          ));
        } else resolve(port);
      });
    });
    this.server = server;
  }

  private async info(): Promise<InfoResponse> {
    return {
      nodeId: this.id,
      partitions: this.options.partitions,
      version: DSTASH_VERSION,
      approximateSizeBytes: this.store ? await this.store.approximateSize() : 0,
      zone: this.options.zone ?? '',
      replicas: this.coordinator?.options.replicas ?? 0,
      members: (this.coordinator?.members() ?? []).map((m) => ({ id: m.id, address: m.address, zone: m.zone ?? '', healthy: m.healthy })),
    };
  }

  private advertiseHost(): string {
    const { advertiseHost, bind } = this.options;
    if (advertiseHost) return advertiseHost;
    return bind === '0.0.0.0' || bind === '::' ? hostname() : bind;
  }

  private async release(): Promise<void> {
    if (this.registered) {
      this.registered = false;
      await this.options.registrar!.deregister().catch((err: unknown) => {
        this.log.warn({ err: (err as Error).message }, 'could not deregister; the registry drops this node once its check stays critical');
      });
    }
    const coordinator = this.coordinator;
    this.coordinator = undefined;
    await coordinator?.close();
    const server = this.server;
    this.server = undefined;
    if (server) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.log.warn({ graceMs: this.options.shutdownGraceMs }, 'in-flight calls outlived the shutdown grace period: cancelling them');
          server.forceShutdown();
          resolve();
        }, this.options.shutdownGraceMs);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    const store = this.store;
    this.store = undefined;
    await store?.close();
  }
}
