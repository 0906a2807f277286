/**
 * A dstash node's lifecycle: its identity, its LevelDB store, its view of
 * the cluster and the coordinator it runs for callers that do not route, its
 * ports (gRPC in grpc/grpc-server.ts, HTTP, Redis) and its self-healing,
 * started and stopped as one. run-until-stopped.ts runs it as a process.
 */
import { hostname } from 'node:os';
import { DstashError, ErrorCode } from '../errors.js';
import { logger, type Logger } from '../logger.js';
import { DSTASH_VERSION } from '../package-info.js';
import { SERVICE_NAMES, WRITES_HEALTH_NAME } from '../protocol/definitions.js';
import { Coordinator, GrpcReplicaTransport } from '../client/index.js';
import type { Discovery, Member } from '../discovery/discovery.js';
import { JoinDiscovery } from '../discovery/join-discovery.js';
import { channelCredentials, serverKeyPair } from '../protocol/tls.js';
import { LevelStore } from '../storage/level-store.js';
import type { Store } from '../storage/store.js';
import { TokenFile } from './auth/token-file.js';
import { HealthReporter } from './health.js';
import { GrpcServer } from './grpc/grpc-server.js';
import { HttpServer } from './http/http-server.js';
import { RedisServer } from './redis/redis-server.js';
import { LocalReplica } from './local-replica.js';
import { NodeMetrics } from './metrics/node-metrics.js';
import type { NodeView, Readiness } from './metrics/node-view.js';
import { loadOrCreateIdentity } from './node-identity.js';
import { resolveNodeOptions, type NodeOptions } from './node-options.js';
import { LocalTransport } from './local-transport.js';
import type { Proposer } from '../client/index.js';
import { removePeer } from './peers-file.js';
import { nodeDiscovery } from './node-discovery.js';
import { admitDataDir } from './self-healing/drain-mark.js';
import { SelfHealing, type DrainProgress } from './self-healing/self-healing.js';
import { StoreHealth } from './store-health.js';
import { StoreRecovery } from './store-recovery.js';
import { SyncState } from './self-healing/sync-state.js';
import { VersionBound } from './version-bound.js';
import { RESTART_EXIT_CODE } from './exit-codes.js';
import { membersWithClocks } from './member-info.js';
import type { InfoResponse } from '../protocol/generated/dstash/v1/InfoResponse.js';
import { fetchInfo } from '../protocol/info-call.js';
import { learnTruncations, truncationsOf } from './truncation-sync.js';

/**
 * A stopping node ends its callers' streams once they sent nothing for this
 * long: they have seen NOT_SERVING and route elsewhere.
 */
const STOP_QUIET_MS = 250;
/**
 * The longest a stopping node waits for its callers to route elsewhere: a
 * few of their health probes (1 s apart by default).
 */
const STOP_LINGER_MS = 3000;

/** Lifecycle states of a node. */
export type NodeState = 'new' | 'starting' | 'serving' | 'stopping' | 'stopped';

/** Why a node stopped by itself: drained, or asked to stop or restart over the Admin service. */
export type StopCause = 'drained' | 'stop' | 'restart';

/** One dstash node. `start()` it, then `stop()` it; a node is not restarted. */
export class DstashNode {
  readonly options: NodeOptions;
  readonly health = new HealthReporter();
  /**
   * Prometheus metrics, served on the HTTP port; hinted handoff, anti-entropy
   * and rebalancing report through `metrics.replication`. gRPC requests are
   * counted only when the HTTP port is on.
   */
  readonly metrics: NodeMetrics;
  private readonly log: Logger;
  private readonly view: NodeView;
  /** The replica's bound on versions ahead of this node's clock. */
  private readonly versionBound: VersionBound;
  private http?: HttpServer;
  private redis?: RedisServer;
  private state: NodeState = 'new';
  private grpc?: GrpcServer;
  private store?: Store;
  private coordinator?: Coordinator;
  private proposer?: Proposer;
  private discovery?: Discovery;
  private healing?: SelfHealing;
  private storeHealth?: StoreHealth;
  private recovery?: StoreRecovery;
  private auth?: TokenFile;
  private draining = false;
  /** From the moment the coordinator knows the members until stop: health may say SERVING. */
  private joined = false;
  private cause?: StopCause;
  private registered = false;
  private readonly stoppedSignal: { promise: Promise<void>; resolve: () => void } = signal();
  private boundPort = 0;
  private id = '';

  constructor(options: Partial<NodeOptions> & Pick<NodeOptions, 'dataDir'>) {
    this.options = resolveNodeOptions(options);
    this.log = logger('node');
    this.versionBound = new VersionBound(this.options.maxClockOffsetMs);
    this.view = {
      nodeId: () => this.id,
      zone: () => this.options.zone,
      readiness: () => this.readiness,
      coordinator: () => this.coordinator,
      serial: () => this.proposer,
      store: () => this.store,
      refusedVersions: () => this.versionBound.refused,
      storeHealth: () => this.storeHealth,
      tls: () => this.options.tls,
      clusterToken: () => this.auth?.clusterToken(),
    };
    this.metrics = new NodeMetrics(this.view);
  }

  /** The node's stable id (after `start()`). */
  get nodeId(): string {
    return this.id;
  }

  /** The port the server listens on (after `start()`; useful with port 0). */
  get port(): number {
    return this.boundPort;
  }

  /** The port the HTTP API listens on, once it does (0 when it is off). */
  get httpPort(): number {
    return this.http?.port ?? 0;
  }

  /** The port the Redis protocol listens on, once it does (0 when it is off). */
  get redisPort(): number {
    return this.redis?.port ?? 0;
  }

  /**
   * Whether the node should receive traffic (`/readyz`): ready once the store
   * is open and the membership is known, until it stops; otherwise why not.
   */
  get readiness(): Readiness {
    if (this.state !== 'starting' && this.state !== 'serving') return { ready: false, reason: `the node is ${this.state}` };
    if (!this.store?.isOpen) return { ready: false, reason: 'the store is not open yet' };
    if (!this.coordinator?.members().length) return { ready: false, reason: 'the membership is not known yet' };
    if (this.draining) return { ready: false, reason: 'the node is draining' };
    const sick = this.storeHealth?.sickReason;
    if (sick !== undefined) return { ready: false, reason: `the store fails writes: ${sick}` };
    if (this.coordinator.clockGuard.outOfBounds) return { ready: false, reason: `the clock is beyond the maximum offset (${this.options.maxClockOffsetMs} ms) from a majority of members` };
    const readOnly = this.storeHealth?.readOnlyReason;
    // Ready: the node serves reads, and its writes fail fast for coordinators to cover with hints.
    if (readOnly !== undefined) return { ready: true, readOnly: true, reason: `the store is read-only (serving reads, refusing writes): ${readOnly}` };
    return { ready: true };
  }

  /** `host:port` that clients and other members dial. */
  get address(): string {
    return `${this.advertiseHost()}:${this.boundPort}`;
  }

  /** The lifecycle state. */
  get status(): NodeState {
    return this.state;
  }

  /**
   * Opens the store and starts serving. Fails with a clear DstashError on a
   * bad data dir, a port in use, or a data dir drained out of the cluster
   * (`DrainedError`, unless `rejoin`).
   */
  async start(): Promise<void> {
    if (this.state !== 'new') throw new DstashError(ErrorCode.InvalidOptions, `node cannot start: it is ${this.state}`);
    this.state = 'starting';
    try {
      const o = this.options;
      await admitDataDir(o.dataDir, o.rejoin);
      if (o.authTokenFile) this.auth = new TokenFile(o.authTokenFile, this.log.child({ module: 'auth' }));
      // The HTTP port opens first, so that /readyz says why the node is not ready while it starts.
      if (o.httpPort !== undefined) {
        this.http = await HttpServer.start(this.view, this.metrics, {
          bind: o.httpBind ?? o.bind,
          port: o.httpPort,
          maxValueBytes: o.maxValueBytes,
          maxBodyBytes: o.maxHttpBodyBytes!,
          headersTimeoutMs: o.headersTimeoutMs,
          security: {
            auth: this.auth && { authenticator: this.auth, protectMetrics: o.protectMetrics },
            tls: o.tls && serverKeyPair(o.tls),
          },
        });
      }
      const identity = await loadOrCreateIdentity(o.dataDir, { nodeId: o.nodeId, partitions: o.partitions });
      this.id = identity.nodeId;
      const recovery = new StoreRecovery(this.log, o.partitions, () => this.metrics.replication.storeCorruption());
      this.recovery = recovery;
      const store = new LevelStore({
        dataDir: o.dataDir,
        sync: o.sync,
        partitions: o.partitions,
        tombstoneGraceMs: o.tombstoneGraceMs,
        sweepIntervalMs: o.sweepIntervalMs,
        maxHints: o.maxHints,
        recordCacheBytes: o.recordCacheBytes,
        onCorruption: recovery.report,
      });
      await store.open();
      this.store = store;
      const sync = await SyncState.load(store, o.partitions);
      const storeHealth = new StoreHealth(store, o.dataDir, this.log, o.storeProbeIntervalMs, () => this.reportHealth());
      this.storeHealth = storeHealth;
      const replica = new LocalReplica(store, o.partitions, o.maxValueBytes, (p) => recovery.distrusts(p), (target, count) => {
        this.metrics.replication.hintsDropped(count);
        this.log.warn({ target, dropped: count, maxHints: o.maxHints }, 'hint store full: hints dropped; anti-entropy will repair those keys');
      }, {
        refusal: () => storeHealth.refusal(),
        // A store closed to put its damaged files aside fails writes for a moment: that is not a sick disk.
        failed: (err) => {
          if (!recovery.busy) storeHealth.failed(err);
        },
      }, this.versionBound);
      // Nothing is served from the store until the truncations missed while stopped are known (truncation-sync.ts).
      const learned = signal();
      replica.holdUntil(learned.promise);
      const coordinator = this.makeCoordinator(replica);
      this.coordinator = coordinator;
      for (const [index, version] of store.truncations()) coordinator.observeTruncation(index, version);
      replica.onTruncated = (index, version) => coordinator.observeTruncation(index, version);
      const healing = new SelfHealing(() => this.id, store, replica, sync, coordinator, this.log, o, this.metrics.replication);
      this.healing = healing;
      // Before serving: a log replayed with records dropped must not answer a read.
      await recovery.attach({ store, sync, pull: () => healing.rebalancer.trigger() });
      const grpcServer = await GrpcServer.start({
        coordinator, replica, store, health: this.health, admin: this, info: () => this.info(), discovery: () => this.discovery, nodeId: () => this.id,
        // Requests are counted only when an HTTP port can serve the counts.
        rpcMetrics: this.http && this.metrics.rpc, auth: this.auth, peerToken: this.peerToken(),
      }, o);
      this.grpc = grpcServer;
      this.proposer = grpcServer.proposer;
      this.boundPort = grpcServer.port;
      // NOT_SERVING until the node has joined: a readiness probe (a StatefulSet's) and the peers' health probes
      // see it SERVING only once it knows the members and routes, so a rolling restart may move on at once.
      for (const service of ['', SERVICE_NAMES.kv, SERVICE_NAMES.replica]) this.health.set(service, 'NOT_SERVING');
      if (o.registrar) {
        this.registered = true;
        await o.registrar.register({ id: this.id, host: this.advertiseHost(), port: this.boundPort, zone: o.zone, version: DSTASH_VERSION });
      }
      const credentials = channelCredentials(o.tls);
      const learnFrom = (members: readonly Member[]): Promise<number> => learnTruncations(
        (index, version) => replica.truncate(index, version), members, this.id, (m) => fetchInfo(m.address, credentials, coordinator.options.timeoutMs, this.peerToken()), this.log,
      );
      try {
        await coordinator.start();
        await learnFrom(coordinator.members());
      } finally {
        learned.resolve();
      }
      // A member that turns healthy again may keep truncations this node missed while they were apart (a partition that healed).
      let healthy = new Set(coordinator.members().filter((m) => m.healthy).map((m) => m.id));
      coordinator.onMembershipChange((members) => {
        const back = members.filter((m) => m.healthy && !healthy.has(m.id));
        healthy = new Set(members.filter((m) => m.healthy).map((m) => m.id));
        if (back.length > 0) void learnFrom(back);
      });
      this.joined = true;
      this.reportHealth();
      this.healing.start();
      if (o.redisPort !== undefined) {
        this.redis = await RedisServer.start(
          { nodeId: () => this.id, coordinator: () => this.coordinator, serial: () => this.proposer },
          { bind: o.redisBind ?? o.bind, port: o.redisPort, maxValueBytes: o.maxValueBytes, ...(this.auth ? { auth: this.auth } : {}) },
        );
      }
      this.state = 'serving';
      this.log.info({ nodeId: this.id, address: this.address, bind: o.bind, tls: Boolean(o.tls), sync: o.sync }, 'node serving');
    } catch (err) {
      await this.release();
      this.state = 'stopped';
      throw err;
    }
  }

  /**
   * Stops gracefully: reports NOT_SERVING and keeps serving until its callers
   * have routed elsewhere (no batch for {@link STOP_QUIET_MS}, at most
   * {@link STOP_LINGER_MS}), ends the batch streams they keep open once those
   * answered what they took, lets other calls in flight finish (up to
   * `shutdownGraceMs`, then cancels them), and closes the store cleanly.
   */
  async stop(): Promise<void> {
    if (this.state === 'stopped' || this.state === 'stopping') return;
    this.state = 'stopping';
    this.joined = false;
    this.health.setAll('NOT_SERVING');
    this.health.endWatches();
    await this.grpc?.quiet(STOP_QUIET_MS, STOP_LINGER_MS);
    await this.release();
    this.state = 'stopped';
    this.stoppedSignal.resolve();
    this.log.info({ nodeId: this.id }, 'node stopped');
  }

  /**
   * Why the node stopped by itself (see {@link StopCause}); undefined while it
   * runs, and when a caller (a signal handler) stopped it.
   */
  get stopCause(): StopCause | undefined {
    return this.cause;
  }

  /**
   * Stops the node at an operator's request (`dstash node stop`, `restart`),
   * as `stop()` does on SIGTERM, once the caller had its answer. Returns the
   * exit code its process will end with: {@link RESTART_EXIT_CODE} with
   * `restart`, else 0. Throws `DSTASH_UNAVAILABLE` unless the node serves and
   * is not draining.
   */
  requestStop(restart: boolean): number {
    if (this.state !== 'serving' || this.draining) throw new DstashError(ErrorCode.Unavailable, `node cannot stop on request: it is ${this.draining ? 'draining' : this.state}`);
    this.cause = restart ? 'restart' : 'stop';
    this.log.info({ nodeId: this.id, restart }, 'stop requested over the Admin service');
    // After the answer is on its way: the server lets the call finish before it closes.
    setImmediate(() => {
      this.stop().catch((err: unknown) => this.log.error({ err: (err as Error).message }, 'error while stopping on request'));
    });
    return restart ? RESTART_EXIT_CODE : 0;
  }

  /** Resolves once the node has stopped (after `stop()` or a drain). */
  get stopped(): Promise<void> {
    return this.stoppedSignal.promise;
  }

  /** The node's background repair work (after `start()`). */
  get selfHealing(): SelfHealing | undefined {
    return this.healing;
  }

  /**
   * Drains the node (planned scale-in): hands every partition to its next
   * owners and waits for their acknowledgements, leaves the membership
   * (deregisters from Consul, or leaves the peers file), and stops.
   */
  async drain(onProgress: (p: DrainProgress) => void = () => undefined): Promise<void> {
    if (this.state !== 'serving' || !this.healing) throw new DstashError(ErrorCode.Unavailable, `node cannot drain: it is ${this.state}`);
    if (this.draining) throw new DstashError(ErrorCode.Unavailable, 'node is already draining');
    this.draining = true;
    this.log.info({ nodeId: this.id }, 'drain started');
    const report = (p: DrainProgress): void => {
      this.log.info({ ...p }, 'drain progress');
      onProgress(p);
    };
    let keysMoved = 0;
    try {
      keysMoved = await this.healing.handOverAll(() => this.health.setAll('NOT_SERVING'), report);
      report({ phase: 'deregistering', partitionsTotal: this.options.partitions, partitionsDone: this.options.partitions, keysMoved });
      await this.leave();
    } catch (err) {
      this.draining = false;
      this.reportHealth();
      this.healing.start();
      throw err;
    }
    // Reported before stopping: a Drain call must end before the server can shut down.
    report({ phase: 'done', partitionsTotal: this.options.partitions, partitionsDone: this.options.partitions, keysMoved });
    this.cause = 'drained';
    await this.stop();
  }

  /**
   * Reports the store's state in gRPC health: NOT_SERVING everywhere while it
   * is sick, so that coordinators route around the node; while it is
   * read-only, SERVING for reads and NOT_SERVING under {@link WRITES_HEALTH_NAME}.
   * A draining node, and one that has not joined yet or is stopping, stays
   * NOT_SERVING.
   */
  private reportHealth(): void {
    if (this.draining || !this.joined) return;
    const state = this.storeHealth?.state;
    const serving = state?.mode === 'sick' ? 'NOT_SERVING' : 'SERVING';
    for (const service of ['', SERVICE_NAMES.kv, SERVICE_NAMES.replica]) this.health.set(service, serving);
    this.health.set(WRITES_HEALTH_NAME, state === undefined ? 'SERVING' : 'NOT_SERVING');
  }

  /** Leaves the membership: deregisters, or leaves the shared member list and the peers file. */
  private async leave(): Promise<void> {
    if (this.registered && this.options.registrar) {
      this.registered = false;
      await this.options.registrar.deregister();
      return;
    }
    if (this.discovery instanceof JoinDiscovery) {
      // The other members (and through them the clients) drop this node from the shared list.
      const told = await this.discovery.leave();
      this.log.info({ told }, 'drain: left the shared member list');
    }
    if (this.options.peersFile) {
      try {
        await removePeer(this.options.peersFile, this.id, this.address);
      } catch (err) {
        // A read-only peers file (a Kubernetes ConfigMap) is managed from outside: whoever manages it removes this node.
        this.log.warn({ file: this.options.peersFile, err: (err as Error).message }, 'drain: cannot remove this node from the peers file; remove it there');
      }
    }
  }

  /**
   * Stops trusting this node's copy and pulls every partition it home-owns
   * again from its peers (`dstash node rebuild`); resolves once the rebuild
   * started, with the partitions marked. `DSTASH_UNAVAILABLE` unless serving.
   */
  async rebuild(): Promise<number> {
    if (this.state !== 'serving' || !this.recovery) throw new DstashError(ErrorCode.Unavailable, `the node is ${this.state}`);
    await this.recovery.rebuild();
    return this.options.partitions;
  }

  /** The coordinator of this node (after `start()`). */
  get cluster(): Coordinator | undefined {
    return this.coordinator;
  }

  private makeCoordinator(replica: LocalReplica): Coordinator {
    const o = this.options;
    const self = new LocalTransport(replica);
    const credentials = channelCredentials(o.tls);
    // `self` is read at start, once the node listens and knows its port.
    const discovery = nodeDiscovery(o, this.peerToken(), () => ({
      id: this.id,
      address: this.address,
      zone: o.zone,
      healthy: (this.state === 'serving' || this.state === 'starting') && this.storeHealth?.sickReason === undefined,
    }));
    this.discovery = discovery;
    return new Coordinator(
      discovery,
      (member) => (member.id === this.id ? self : new GrpcReplicaTransport(member.address, credentials, o.maxMessageBytes, this.peerToken())),
      { ...o.coordinator, maxClockOffsetMs: o.maxClockOffsetMs, clockProbeIntervalMs: o.healthIntervalMs, partitions: o.partitions, maxValueBytes: o.maxValueBytes, maxMessageBytes: o.maxMessageBytes, tls: o.tls },
    );
  }

  private async info(): Promise<InfoResponse> {
    return {
      nodeId: this.id,
      partitions: this.options.partitions,
      version: DSTASH_VERSION,
      approximateSizeBytes: this.store ? await this.store.approximateSize() : 0,
      zone: this.options.zone ?? '',
      replicas: this.coordinator?.options.replicas ?? 0,
      members: membersWithClocks(this.coordinator),
      hintsPending: this.healing?.hintsPending() ?? 0,
      transfer: this.healing?.rebalancer.progress ?? {},
      storeState: this.recovery?.state ?? 'ok',
      storeCorruptions: this.recovery?.corruptions ?? 0,
      draining: this.draining,
      readOnly: this.storeHealth?.readOnlyReason ?? '',
      load: this.metrics.load(),
      maxClockOffsetMs: this.options.maxClockOffsetMs,
      truncations: truncationsOf(this.store),
    };
  }

  /** The token this node presents to its peers (the token file's current `cluster` token), when it has one. */
  private peerToken(): (() => string) | undefined {
    const auth = this.auth;
    return auth && (() => auth.clusterToken());
  }

  private advertiseHost(): string {
    const { advertiseHost, bind } = this.options;
    if (advertiseHost) return advertiseHost;
    return bind === '0.0.0.0' || bind === '::' ? hostname() : bind;
  }

  private async release(): Promise<void> {
    const redis = this.redis;
    this.redis = undefined;
    await redis?.close();
    // First, so that HTTP requests in flight finish while the coordinator still runs.
    const http = this.http;
    this.http = undefined;
    await http?.close();
    if (this.registered) {
      this.registered = false;
      await this.options.registrar!.deregister().catch((err: unknown) => {
        this.log.warn({ err: (err as Error).message }, 'could not deregister; the registry drops this node once its check stays critical');
      });
    }
    await this.recovery?.settled();
    await this.healing?.stop();
    this.healing = undefined;
    await this.storeHealth?.stop();
    this.proposer?.close();
    this.proposer = undefined;
    const coordinator = this.coordinator;
    this.coordinator = undefined;
    await coordinator?.close();
    const grpcServer = this.grpc;
    this.grpc = undefined;
    await grpcServer?.close(this.options.shutdownGraceMs, this.log);
    const store = this.store;
    this.store = undefined;
    await store?.close();
    this.auth?.close();
  }
}

function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}
