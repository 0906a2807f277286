/**
 * Options of a dstash node: every field documented with its default, the
 * defaults in one constant, cross-field rules checked once in `validate`.
 */
import { ErrorCode, InvalidArgumentError } from '../errors.js';
import { DEFAULT_MAX_VALUE_BYTES, MAX_KEY_BYTES } from '../limits.js';
import type { CoordinatorOptions } from '../client/index.js';
import type { Discovery, Registrar } from '../discovery/discovery.js';
import type { DnsOptions } from '../discovery/dns-options.js';
import type { TlsFiles } from '../protocol/tls.js';

/** Default gRPC port of a node. */
export const DEFAULT_PORT = 7420;

/** Options of a {@link DstashNode}. */
export interface NodeOptions {
  /** Directory holding the node id and the LevelDB store. Required. */
  dataDir: string;
  /**
   * Address to listen on.
   * @default '127.0.0.1'
   */
  bind: string;
  /**
   * gRPC port; 0 picks a free one.
   * @default 7420
   */
  port: number;
  /**
   * HTTP port of the metrics, health endpoints, cluster view and REST API
   * (node/http); 0 picks a free one. The CLI's `--http-port 0` means off.
   * @default undefined (no HTTP port)
   */
  httpPort?: number;
  /**
   * Address the HTTP port listens on.
   * @default `bind`
   */
  httpBind?: string;
  /**
   * Port of the Redis protocol (RESP2/RESP3; node/redis); 0 picks a free one.
   * The CLI's `--redis-port 0` means off.
   * @default undefined (no Redis port)
   */
  redisPort?: number;
  /**
   * Address the Redis port listens on.
   * @default `bind`
   */
  redisBind?: string;
  /**
   * Largest HTTP request body other than a PUT's (whose body is the value, at
   * most `maxValueBytes`): a batch. Past it the API answers 413.
   * @default room for the largest value in base64 plus 1 MiB: ceil(maxValueBytes / 3) * 4 + 1 MiB (about 11.7 MiB)
   */
  maxHttpBodyBytes?: number;
  /**
   * Host other members and clients dial; defaults to `bind`, or to the
   * machine's hostname when `bind` is a wildcard.
   * @default undefined
   */
  advertiseHost?: string;
  /**
   * Node id to use on first start; later starts must pass the same id or none.
   * @default a random id, generated once and kept in the data dir
   */
  nodeId?: string;
  /**
   * Zone (rack, availability zone) this node runs in; replicas spread over zones.
   * @default undefined
   */
  zone?: string;
  /**
   * Largest value accepted, in bytes.
   * @default 8 MiB
   */
  maxValueBytes: number;
  /**
   * Largest gRPC message sent or received, in bytes. Must fit one key and the largest value.
   * @default 64 MiB
   */
  maxMessageBytes: number;
  /**
   * fsync every write batch before acknowledging it. Off: an acknowledged write
   * survives a crash of the process (it is in LevelDB's log in the OS page
   * cache) but not of the machine; replication (W ≥ 2) covers that. On: it
   * survives power loss too, at a cost in write throughput.
   * @default false
   */
  sync: boolean;
  /**
   * Partitions of the key space; fixed when the cluster is created.
   * @default 1024
   */
  partitions: number;
  /**
   * How long tombstones are kept before they are purged; anti-entropy must run more often.
   * @default 24 h
   */
  tombstoneGraceMs: number;
  /**
   * How often expired records and old tombstones are swept; 0 = never.
   * @default 60 s
   */
  sweepIntervalMs: number;
  /**
   * Batches one stream may have in progress before the node stops reading it (backpressure).
   * @default 8
   */
  maxInFlightBatches: number;
  /**
   * How long a graceful stop waits for in-flight calls before cancelling them.
   * @default 10 s
   */
  shutdownGraceMs: number;
  /**
   * Serve TLS (mutual TLS when a CA file is given). The node dials its peers
   * with the same files (its certificate as the client certificate).
   * @default undefined (plaintext)
   */
  tls?: TlsFiles;
  /**
   * Bearer tokens with roles (`ROLE TOKEN` a line; see node/auth/token-file.ts),
   * re-read when the file changes. With it every port but the health checks
   * asks for a token, and the node calls its peers with the file's `cluster`
   * token. Also on the HTTP port, which serves HTTPS whenever `tls` is set.
   * @default undefined (no tokens asked)
   */
  authTokenFile?: string;
  /**
   * With `authTokenFile`, ask a `read` token of `/metrics` scrapes too.
   * @default false
   */
  protectMetrics: boolean;
  /**
   * Other members to start from, as `host:port` or `id@host:port` (static
   * discovery). The node always counts itself as a member.
   * @default []
   */
  peers: string[];
  /**
   * A file listing peers, re-read when it changes (static discovery).
   * @default undefined
   */
  peersFile?: string;
  /**
   * How often static discovery probes each peer's health, in ms.
   * @default 1000
   */
  healthIntervalMs: number;
  /**
   * A discovery of its own (Consul) instead of peers.
   * @default undefined
   */
  discovery?: Discovery;
  /**
   * Find the members in DNS (SRV, or A/AAAA with `port`) instead of peers; see DnsOptions.
   * @default undefined
   */
  dns?: Partial<DnsOptions> & Pick<DnsOptions, 'name'>;
  /**
   * Running members to ask, at start, to add this node (`host:port`); the
   * members then share their list, so this is all a new node of a static cluster needs.
   * @default []
   */
  join: string[];
  /**
   * Start even though `dstash node drain` took this node out of the cluster
   * (its data dir holds the drain mark, self-healing/drain-mark.ts), making
   * it a member again with its data; the mark is removed. Without it such a
   * start fails with `DSTASH_DATA_DIR_MISMATCH`.
   * @default false
   */
  rejoin: boolean;
  /**
   * Announces the node (Consul registration) once it serves; it deregisters on a clean stop.
   * @default undefined (static discovery needs none)
   */
  registrar?: Registrar;
  /**
   * How often hints are delivered to replicas that are healthy again, in ms; 0 = never.
   * @default 1000
   */
  hintIntervalMs: number;
  /**
   * Most hints kept for unhealthy replicas; past it new hints are dropped (and counted).
   * @default 1_000_000
   */
  maxHints: number;
  /**
   * Bytes of the store's hot-record cache (recently written and read records,
   * answered without LevelDB; see src/storage/record-cache.ts); 0 = none.
   * Counted against the node's memory: a pod needs room for it on top of the
   * node's own (about 320 MiB with a million keys).
   * @default 134_217_728 (128 MiB)
   */
  recordCacheBytes: number;
  /**
   * How often anti-entropy compares this node's partitions with their other replicas, in ms; 0 = only on demand.
   * @default 600_000 (10 min)
   */
  antiEntropyIntervalMs: number;
  /**
   * How often rebalancing runs besides membership changes (it hands over what stand-ins kept), in ms; 0 = only on changes.
   * @default 30_000
   */
  rebalanceIntervalMs: number;
  /**
   * Records a second that rebalancing, drain and hint delivery may move; 0 = no limit.
   * @default 50_000
   */
  transferRate: number;
  /**
   * Records a second that anti-entropy may repair; 0 = no limit.
   * @default 20_000
   */
  repairRate: number;
  /**
   * During a drain, how long to wait after reporting NOT_SERVING for clients
   * to route around the node, before the final hand-over pass, in ms.
   * @default 3000
   */
  drainSettleMs: number;
  /**
   * Maximum clock offset between nodes (and clients), in ms. A replica
   * refuses versions further ahead of its clock (`DSTASH_CLOCK_SKEW`); a node
   * whose offset to a majority of members exceeds it stops stamping writes
   * and is not ready. Offsets are measured every `healthIntervalMs`.
   * @default 500
   */
  maxClockOffsetMs: number;
  /**
   * While the store fails writes, how often a probe write checks whether it
   * takes them again (reopening LevelDB when it stays failed), in ms.
   * @default 1000
   */
  storeProbeIntervalMs: number;
  /**
   * Most entries in one batch message a caller or a coordinator sends this
   * node (PutStream, LookupStream, DeleteStream, replica Apply and Read);
   * larger messages are refused with INVALID_ARGUMENT naming the limit.
   * @default 10_000
   */
  maxBatchEntries: number;
  /**
   * A connection on the gRPC port with no call in progress for this long is
   * closed (clients reconnect when they need it again), in ms.
   * @default 60_000
   */
  idleConnectionMs: number;
  /**
   * An HTTP request whose headers are not all in this long after it started
   * is answered 408 and its connection closed (slow-header attacks), in ms.
   * @default 10_000
   */
  headersTimeoutMs: number;
  /**
   * How the node coordinates requests from callers that do not route
   * (replicas N, quorums W and R, default consistency, timeouts).
   * @default DEFAULT_COORDINATOR_OPTIONS (N=3, W=2, R=2, QUORUM)
   */
  coordinator: Partial<CoordinatorOptions>;
}

/** The defaults of {@link NodeOptions}. */
export const DEFAULT_NODE_OPTIONS: Omit<NodeOptions, 'dataDir'> = {
  bind: '127.0.0.1',
  port: DEFAULT_PORT,
  maxValueBytes: DEFAULT_MAX_VALUE_BYTES,
  maxMessageBytes: 64 * 1024 * 1024,
  sync: false,
  partitions: 1024,
  tombstoneGraceMs: 24 * 3600 * 1000,
  sweepIntervalMs: 60_000,
  maxInFlightBatches: 8,
  shutdownGraceMs: 10_000,
  protectMetrics: false,
  peers: [],
  join: [],
  rejoin: false,
  healthIntervalMs: 1000,
  hintIntervalMs: 1000,
  maxHints: 1_000_000,
  recordCacheBytes: 128 * 1024 * 1024,
  antiEntropyIntervalMs: 600_000,
  rebalanceIntervalMs: 30_000,
  transferRate: 50_000,
  repairRate: 20_000,
  drainSettleMs: 3000,
  maxClockOffsetMs: 500,
  storeProbeIntervalMs: 1000,
  maxBatchEntries: 10_000,
  idleConnectionMs: 60_000,
  headersTimeoutMs: 10_000,
  coordinator: {},
};

const NODE_ID_PATTERN = /^[A-Za-z0-9_.-]{1,128}$/;

function invalid(message: string): InvalidArgumentError {
  return new InvalidArgumentError(ErrorCode.InvalidOptions, message);
}

/** Merges `options` over the defaults and rejects bad values and combinations. */
export function resolveNodeOptions(options: Partial<NodeOptions> & Pick<NodeOptions, 'dataDir'>): NodeOptions {
  const o: NodeOptions = { ...DEFAULT_NODE_OPTIONS, ...withoutUndefined(options), dataDir: options.dataDir };
  if (!o.dataDir) throw invalid('dataDir (--data-dir) is required');
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) throw invalid(`port ${o.port} is not a port number (0-65535)`);
  if (o.httpPort !== undefined && (!Number.isInteger(o.httpPort) || o.httpPort < 0 || o.httpPort > 65535)) throw invalid(`httpPort ${o.httpPort} is not a port number (0-65535)`);
  if (o.redisPort !== undefined && (!Number.isInteger(o.redisPort) || o.redisPort < 0 || o.redisPort > 65535)) throw invalid(`redisPort ${o.redisPort} is not a port number (0-65535)`);
  if (o.nodeId !== undefined && !NODE_ID_PATTERN.test(o.nodeId)) throw invalid(`node id ${JSON.stringify(o.nodeId)} must match [A-Za-z0-9_.-]{1,128}`);
  if (!Number.isSafeInteger(o.maxValueBytes) || o.maxValueBytes < 0) throw invalid(`maxValueBytes ${o.maxValueBytes} must be a whole number of bytes`);
  const needed = o.maxValueBytes + MAX_KEY_BYTES + 1024;
  if (!Number.isSafeInteger(o.maxMessageBytes) || o.maxMessageBytes < needed || o.maxMessageBytes > 2 ** 31 - 1) {
    throw invalid(`maxMessageBytes ${o.maxMessageBytes} must be at least maxValueBytes + 5 KiB (${needed}) and below 2 GiB`);
  }
  o.maxHttpBodyBytes ??= Math.ceil(o.maxValueBytes / 3) * 4 + 1024 * 1024;
  if (!Number.isSafeInteger(o.maxHttpBodyBytes) || o.maxHttpBodyBytes < 1) throw invalid(`maxHttpBodyBytes ${o.maxHttpBodyBytes} must be a whole number of bytes`);
  if (!Number.isInteger(o.partitions) || o.partitions < 1 || o.partitions > 65536) throw invalid(`partitions ${o.partitions} must be 1-65536`);
  if (!Number.isSafeInteger(o.maxClockOffsetMs) || o.maxClockOffsetMs < 1) throw invalid(`maxClockOffsetMs must be a whole number of ms, 1 or more, got ${o.maxClockOffsetMs}`);
  if (!Number.isInteger(o.maxInFlightBatches) || o.maxInFlightBatches < 1) throw invalid('maxInFlightBatches must be at least 1');
  for (const name of ['storeProbeIntervalMs', 'maxBatchEntries', 'idleConnectionMs', 'headersTimeoutMs'] as const) {
    if (!Number.isSafeInteger(o[name]) || o[name] < 1) throw invalid(`${name} must be a whole number, 1 or more, got ${o[name]}`);
  }
  for (const name of ['tombstoneGraceMs', 'sweepIntervalMs', 'shutdownGraceMs', 'hintIntervalMs', 'maxHints', 'recordCacheBytes', 'antiEntropyIntervalMs', 'rebalanceIntervalMs', 'transferRate', 'repairRate', 'drainSettleMs'] as const) {
    if (!Number.isSafeInteger(o[name]) || o[name] < 0) throw invalid(`${name} must be a whole number, 0 or more, got ${o[name]}`);
  }
  return o;
}

/** Drops keys whose value is undefined, so that they do not hide defaults. */
function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
