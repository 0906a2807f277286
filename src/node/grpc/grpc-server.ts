/**
 * The node's gRPC port: one server with the node's message limits, TLS and
 * interceptors (request metrics, bearer tokens), carrying every service a
 * node offers: KV, Replica, Health, Admin, Paxos and Serial, Membership.
 */
import * as grpc from '@grpc/grpc-js';
import type { Coordinator, Proposer } from '../../client/index.js';
import type { Discovery } from '../../discovery/discovery.js';
import { DstashError, ErrorCode } from '../../errors.js';
import type { Logger } from '../../logger.js';
import type { TokenSource } from '../../protocol/bearer-token.js';
import { AdminService, HealthService, KvService, MembershipService, ReplicaService } from '../../protocol/definitions.js';
import type { InfoResponse } from '../../protocol/generated/dstash/v1/InfoResponse.js';
import { channelCredentials, serverCredentials } from '../../protocol/tls.js';
import type { Store } from '../../storage/store.js';
import type { Authenticator } from '../auth/authenticator.js';
import { authInterceptor } from '../auth/grpc-auth.js';
import { addConsensusServices } from '../consensus/consensus-services.js';
import type { HealthReporter } from '../health.js';
import type { LocalReplica } from '../local-replica.js';
import { rpcInterceptor } from '../metrics/rpc-interceptor.js';
import type { RpcMetrics } from '../metrics/rpc-metrics.js';
import type { NodeOptions } from '../node-options.js';
import { adminHandlers, type AdminTarget } from './admin-handlers.js';
import { kvHandlers } from './kv-handlers.js';
import { membershipHandlers } from './membership-handlers.js';
import { OpenStreams } from './open-streams.js';
import { replicaHandlers } from './replica-handlers.js';
import { partLimits } from '../read-in-parts.js';

/** The parts of the node its services serve. */
export interface GrpcServerParts {
  coordinator: Coordinator;
  replica: LocalReplica;
  store: Store;
  health: HealthReporter;
  /** Repair and drain, for the Admin service (truncations go to `replica`). */
  admin: AdminTarget;
  /** The node's answer to the Replica service's Info. */
  info: () => Promise<InfoResponse>;
  /** The node's discovery, for the Membership service (a function: it is built after the server). */
  discovery: () => Discovery | undefined;
  nodeId: () => string;
  /** Counts each request, when the node has an HTTP port that serves the counts. */
  rpcMetrics?: RpcMetrics;
  /** Checks bearer tokens, when the node asks for them. */
  auth?: Authenticator;
  /** The cluster token the node's own calls to other acceptors carry. */
  peerToken?: TokenSource;
}

/** The node options the gRPC port reads. */
export type GrpcServerOptions = Pick<NodeOptions,
  'bind' | 'port' | 'tls' | 'maxMessageBytes' | 'idleConnectionMs' | 'maxInFlightBatches' | 'maxBatchEntries' | 'partitions' | 'maxValueBytes'>;

/** A listening gRPC port; `close()` lets calls in flight finish for a while. */
export class GrpcServer {
  private constructor(
    private readonly server: grpc.Server,
    private readonly streams: OpenStreams,
    /** The port it listens on (the bound one, with port 0). */
    readonly port: number,
    /** The Serial service's proposer; the node closes it before its coordinator. */
    readonly proposer: Proposer,
  ) {}

  /** Adds every service and listens; fails with `DSTASH_INVALID_OPTIONS` when the port is taken or the address unusable. */
  static async start(parts: GrpcServerParts, o: GrpcServerOptions): Promise<GrpcServer> {
    const server = new grpc.Server({
      'grpc.max_receive_message_length': o.maxMessageBytes,
      'grpc.max_send_message_length': o.maxMessageBytes,
      // Closes connections with no call in progress, raw ones that never sent a call included.
      'grpc.max_connection_idle_ms': o.idleConnectionMs,
      interceptors: [...(parts.rpcMetrics ? [rpcInterceptor(parts.rpcMetrics)] : []), ...(parts.auth ? [authInterceptor(parts.auth)] : [])],
    });
    const streams = new OpenStreams();
    const limits = { maxInFlight: o.maxInFlightBatches, maxEntries: o.maxBatchEntries, parts: partLimits(o.maxMessageBytes, o.maxValueBytes), streams };
    server.addService(KvService.service, kvHandlers(parts.coordinator, limits));
    server.addService(ReplicaService.service, replicaHandlers(parts.replica, parts.info, limits));
    server.addService(HealthService.service, parts.health.handlers());
    server.addService(AdminService.service, adminHandlers(parts.admin, parts.replica));
    const proposer = addConsensusServices(server, {
      store: parts.store, coordinator: parts.coordinator, nodeId: parts.nodeId, credentials: channelCredentials(o.tls), token: parts.peerToken, auth: parts.auth,
      partitions: o.partitions, maxValueBytes: o.maxValueBytes, limits,
    });
    server.addService(MembershipService.service, membershipHandlers(parts.discovery));
    try {
      return new GrpcServer(server, streams, await bind(server, o), proposer);
    } catch (err) {
      proposer.close();
      throw err;
    }
  }

  /**
   * Resolves once the batch streams have received nothing for `quietMs`
   * (callers that saw NOT_SERVING send elsewhere), or after `maxMs`.
   */
  quiet(quietMs: number, maxMs: number): Promise<void> {
    return this.streams.quiet(quietMs, maxMs);
  }

  /**
   * Stops: ends the batch streams that callers keep open once they answered
   * what they took (grpc-js's graceful shutdown would wait for them), lets the
   * other calls in flight finish for up to `graceMs`, then cancels them.
   */
  close(graceMs: number, log: Logger): Promise<void> {
    this.streams.endAll();
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        log.warn({ graceMs }, 'in-flight calls outlived the shutdown grace period: cancelling them');
        this.server.forceShutdown();
        resolve();
      }, graceMs);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** Binds `server` to the node's address; resolves with the bound port. */
function bind(server: grpc.Server, o: GrpcServerOptions): Promise<number> {
  return new Promise<number>((resolve, reject) => {
    server.bindAsync(`${o.bind.includes(':') ? `[${o.bind}]` : o.bind}:${o.port}`, serverCredentials(o.tls), (err, port) => {
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
}
