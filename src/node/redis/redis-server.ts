/**
 * The node's Redis port (`--redis-port`, off by default): RESP2/RESP3 over
 * TCP, each command coordinated across the cluster by the node's coordinator
 * and, for atomic commands, its Paxos proposer (see keyspace.ts).
 */
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Coordinator, SerialCoordinator } from '../../client/index.js';
import { DEFAULT_INDEX, MAX_KEY_BYTES } from '../../limits.js';
import { DstashError, ErrorCode } from '../../errors.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { CommandContext, Session } from './commands/command.js';
import { Keyspace } from './keyspace.js';
import { RedisConnection } from './redis-connection.js';
import { ScanCursors } from './scan-cursors.js';

/** What the Redis port uses of its node; functions, as the node's parts come and go with its lifecycle. */
export interface RedisNodeView {
  nodeId(): string;
  coordinator(): Coordinator | undefined;
  serial(): SerialCoordinator | undefined;
}

/** Where to listen and what to accept. */
export interface RedisServerOptions {
  bind: string;
  /** 0 picks a free port. */
  port: number;
  /** The node's value limit: the longest bulk string a client may send. */
  maxValueBytes: number;
  /** The node's tokens, when it asks for them (AUTH). */
  auth?: Authenticator;
}

/** Most elements of one command (Redis's own limit is 1024 * 1024 too). */
const MAX_ARRAY_LENGTH = 1024 * 1024;
/** Longest inline request (as Redis: 64 KiB). */
const MAX_INLINE_BYTES = 64 * 1024;

/** A listening Redis port; `close()` drops its connections. */
export class RedisServer {
  private readonly connections = new Map<RedisConnection, Session>();
  private nextId = 0;
  private keyspace?: { coordinator: Coordinator; keyspace: Keyspace };
  private readonly startedAt = Date.now();
  private readonly config = new Map<string, string>();

  private constructor(
    private readonly server: Server,
    private readonly view: RedisNodeView,
    private readonly options: RedisServerOptions,
  ) {}

  /** Listens; fails with `DSTASH_INVALID_OPTIONS` when the port is taken or the address unusable. */
  static async start(view: RedisNodeView, options: RedisServerOptions): Promise<RedisServer> {
    const server = createServer();
    const redis = new RedisServer(server, view, options);
    server.on('connection', (socket) => redis.accept(socket));
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen({ host: options.bind, port: options.port }, () => {
          server.off('error', reject);
          resolve();
        });
      });
    } catch (err) {
      const inUse = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
      throw new DstashError(
        ErrorCode.InvalidOptions,
        inUse ? `Redis port ${options.port} on ${options.bind} is already in use: choose another --redis-port` : `cannot serve Redis on ${options.bind}:${options.port}: ${(err as Error).message}`,
        { cause: err },
      );
    }
    return redis;
  }

  /** The port it listens on. */
  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  /** Stops listening and closes every connection. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.connections.keys()) c.close();
    await closed;
  }

  private accept(socket: Socket): void {
    this.nextId += 1;
    const now = Date.now();
    const session: Session = {
      id: this.nextId,
      index: DEFAULT_INDEX,
      db: 0,
      consistency: 'QUORUM',
      resp3: false,
      name: null,
      closing: false,
      cursors: new ScanCursors(),
      addr: hostPort(socket.remoteAddress, socket.remotePort),
      laddr: hostPort(socket.localAddress, socket.localPort),
      fd: socketFd(socket),
      createdAt: now,
      lastActiveAt: now,
      lastCommand: 'NULL',
    };
    const { maxValueBytes } = this.options;
    const connection = new RedisConnection(socket, session, (s) => this.context(s), {
      maxBulkBytes: Math.max(maxValueBytes, MAX_KEY_BYTES),
      maxArrayLength: MAX_ARRAY_LENGTH,
      // A command may carry a few values of the largest size (MSET, HSET).
      maxCommandBytes: 4 * Math.max(maxValueBytes, MAX_KEY_BYTES),
      maxInlineBytes: MAX_INLINE_BYTES,
      maxValueBytes,
    });
    this.connections.set(connection, session);
    socket.on('close', () => this.connections.delete(connection));
  }

  private context(session: Session): CommandContext | Error {
    const coordinator = this.view.coordinator();
    const serial = this.view.serial();
    if (!coordinator || !serial) return new Error(`${ErrorCode.Unavailable} this node is not serving: it is starting or stopping`);
    if (this.keyspace?.coordinator !== coordinator) this.keyspace = { coordinator, keyspace: new Keyspace(coordinator, serial) };
    return {
      session,
      keyspace: this.keyspace.keyspace,
      coordinator,
      maxValueBytes: this.options.maxValueBytes,
      ...(this.options.auth ? { auth: this.options.auth } : {}),
      server: {
        nodeId: () => this.view.nodeId(),
        connectedClients: () => this.connections.size,
        startedAt: this.startedAt,
        port: () => this.port,
        bind: this.options.bind,
        clients: () => [...this.connections].map(([c, s]) => ({ session: s, kill: () => c.close() })),
        config: this.config,
      },
    };
  }
}

/** `ip:port` as Redis writes it (IPv6 without brackets). */
function hostPort(address: string | undefined, port: number | undefined): string {
  return `${address?.replace(/^::ffff:/, '') ?? '?'}:${port ?? 0}`;
}

/** The socket's descriptor, which Node keeps on its handle (not a public API: -1 when absent). */
function socketFd(socket: Socket): number {
  const fd = (socket as unknown as { _handle?: { fd?: unknown } })._handle?.fd;
  return typeof fd === 'number' ? fd : -1;
}
