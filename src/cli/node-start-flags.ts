/**
 * The flags of `dstash node start` and the node options they make: every
 * flag has a `DSTASH_*` environment variable, and the defaults the README
 * documents come from DEFAULT_NODE_OPTIONS where the node has one.
 */
import { Flags, type Interfaces } from '@oclif/core';
import { createDiscovery } from '../discovery/create-discovery.js';
import { ConsulRegistrar } from '../discovery/consul-registrar.js';
import { DEFAULT_NODE_OPTIONS, type NodeOptions } from '../node/index.js';
import { discoveryFlags, discoverySource } from './consul-flags.js';
import { dnsFlags } from './dns-flags.js';
import { coordinatorFlags, coordinatorOptions, logLevelFlag, tlsFlags, tlsOptions } from './flags.js';

/** Every flag of `dstash node start`, in the order its help lists them. */
export const nodeStartFlags = {
  'data-dir': Flags.string({ default: './dstash-data', env: 'DSTASH_DATA_DIR', description: 'Directory for the node id and the LevelDB store.' }),
  bind: Flags.string({ default: DEFAULT_NODE_OPTIONS.bind, env: 'DSTASH_BIND', description: 'Address to listen on.' }),
  port: Flags.integer({ default: DEFAULT_NODE_OPTIONS.port, min: 0, max: 65535, env: 'DSTASH_PORT', description: 'gRPC port (0 = any free port).' }),
  'http-port': Flags.integer({ default: 0, min: 0, max: 65535, env: 'DSTASH_HTTP_PORT', description: 'HTTP port of /metrics, /healthz, /readyz, /v1/cluster and the REST API (0 = off).' }),
  'redis-port': Flags.integer({ default: 0, min: 0, max: 65535, env: 'DSTASH_REDIS_PORT', description: 'Port of the Redis protocol (RESP2/RESP3; 0 = off).' }),
  'redis-bind': Flags.string({ env: 'DSTASH_REDIS_BIND', description: 'Address the Redis port listens on (default: --bind).' }),
  'advertise-host': Flags.string({ env: 'DSTASH_ADVERTISE_HOST', description: 'Host that clients and other nodes dial (default: --bind, or the hostname for a wildcard bind).' }),
  'node-id': Flags.string({ env: 'DSTASH_NODE_ID', description: 'Node id on first start (default: generated once and kept in the data dir).' }),
  zone: Flags.string({ env: 'DSTASH_ZONE', description: 'Zone of this node; replicas spread over zones.' }),
  'max-value-bytes': Flags.integer({ default: DEFAULT_NODE_OPTIONS.maxValueBytes, min: 0, env: 'DSTASH_MAX_VALUE_BYTES', description: 'Largest value accepted, in bytes.' }),
  'max-message-bytes': Flags.integer({ default: DEFAULT_NODE_OPTIONS.maxMessageBytes, min: 1, env: 'DSTASH_MAX_MESSAGE_BYTES', description: 'Largest gRPC message, in bytes.' }),
  sync: Flags.boolean({ default: false, env: 'DSTASH_SYNC', allowNo: true, description: 'fsync each write batch before acknowledging (survives power loss, slower).' }),
  peers: Flags.string({ env: 'DSTASH_PEERS', description: 'Other members, comma-separated host:port or id@host:port (static discovery).' }),
  'peers-file': Flags.string({ env: 'DSTASH_PEERS_FILE', description: 'File listing members, one per line; re-read when it changes.' }),
  join: Flags.string({ env: 'DSTASH_JOIN', description: 'Running members to ask to add this node, comma-separated host:port (static discovery); members share their list.' }),
  'health-interval': Flags.integer({ default: DEFAULT_NODE_OPTIONS.healthIntervalMs, min: 10, env: 'DSTASH_HEALTH_INTERVAL', description: 'Health probe interval of static and DNS discovery, in ms.' }),
  rejoin: Flags.boolean({ default: false, env: 'DSTASH_REJOIN', description: 'Start a node that `dstash node drain` took out of the cluster, and make it a member again with its data.' }),
  'drain-on-exit': Flags.boolean({ default: false, env: 'DSTASH_DRAIN_ON_EXIT', description: 'On SIGTERM, hand every partition to its next owners and leave the cluster before exiting (for a Kubernetes preStop).' }),
  'anti-entropy-interval': Flags.integer({ default: DEFAULT_NODE_OPTIONS.antiEntropyIntervalMs, min: 0, env: 'DSTASH_ANTI_ENTROPY_INTERVAL', description: 'ms between anti-entropy runs (0 = only by dstash cluster repair).' }),
  'transfer-rate': Flags.integer({ default: DEFAULT_NODE_OPTIONS.transferRate, min: 0, env: 'DSTASH_TRANSFER_RATE', description: 'Records a second that rebalancing, drain and hint delivery may move (0 = no limit).' }),
  'repair-rate': Flags.integer({ default: DEFAULT_NODE_OPTIONS.repairRate, min: 0, env: 'DSTASH_REPAIR_RATE', description: 'Records a second that anti-entropy may repair (0 = no limit).' }),
  'cache-size': Flags.integer({ default: DEFAULT_NODE_OPTIONS.recordCacheBytes, min: 0, env: 'DSTASH_CACHE_SIZE', description: 'Bytes of the hot-record cache (recent records served without LevelDB); 0 turns it off.' }),
  'max-hints': Flags.integer({ default: DEFAULT_NODE_OPTIONS.maxHints, min: 0, env: 'DSTASH_MAX_HINTS', description: 'Most hints kept for unhealthy replicas; more are dropped.' }),
  'max-clock-offset': Flags.integer({ default: DEFAULT_NODE_OPTIONS.maxClockOffsetMs, min: 1, env: 'DSTASH_MAX_CLOCK_OFFSET', description: 'Maximum clock offset between members, in ms: replicas refuse versions further ahead, and a node beyond it from a majority of members stops stamping writes and is not ready.' }),
  'max-batch-entries': Flags.integer({ default: DEFAULT_NODE_OPTIONS.maxBatchEntries, min: 1, env: 'DSTASH_MAX_BATCH_ENTRIES', description: 'Most entries in one batch message a caller or coordinator may send; larger ones are refused.' }),
  'idle-connection-timeout': Flags.integer({ default: DEFAULT_NODE_OPTIONS.idleConnectionMs, min: 1, env: 'DSTASH_IDLE_CONNECTION_TIMEOUT', description: 'ms after which a gRPC connection with no call in progress is closed.' }),
  'headers-timeout': Flags.integer({ default: DEFAULT_NODE_OPTIONS.headersTimeoutMs, min: 1, env: 'DSTASH_HEADERS_TIMEOUT', description: 'ms an HTTP request has to send all its headers.' }),
  'auth-token-file': Flags.string({ env: 'DSTASH_AUTH_TOKEN_FILE', description: 'Bearer tokens, one "ROLE TOKEN" a line (roles read, write, admin, cluster); re-read when it changes. With it every port but the health checks asks for a token.' }),
  'protect-metrics': Flags.boolean({ default: false, env: 'DSTASH_PROTECT_METRICS', description: 'With --auth-token-file, ask a read token of /metrics scrapes too.' }),
  'store-probe-interval': Flags.integer({ default: DEFAULT_NODE_OPTIONS.storeProbeIntervalMs, min: 1, env: 'DSTASH_STORE_PROBE_INTERVAL', description: 'ms between probes while the store is read-only (disk full) or fails writes.' }),
  ...discoveryFlags,
  ...dnsFlags,
  ...coordinatorFlags,
  'log-level': logLevelFlag('info'),
  ...tlsFlags,
};

/** Parsed values of {@link nodeStartFlags}. */
export type NodeStartFlags = Interfaces.InferredFlags<typeof nodeStartFlags>;

/**
 * The node options the flags ask for. Throws `DSTASH_INVALID_OPTIONS` when
 * they name flags of two sources of members (`--peers` with `--discovery dns`).
 */
export function nodeOptions(flags: NodeStartFlags): Partial<NodeOptions> & Pick<NodeOptions, 'dataDir'> {
  const { peers, peersFile, join, dns, consul } = discoverySource(flags);
  return {
    dataDir: flags['data-dir'],
    bind: flags.bind,
    port: flags.port,
    httpPort: flags['http-port'] || undefined,
    redisPort: flags['redis-port'] || undefined,
    redisBind: flags['redis-bind'],
    advertiseHost: flags['advertise-host'],
    nodeId: flags['node-id'],
    zone: flags.zone,
    maxValueBytes: flags['max-value-bytes'],
    maxMessageBytes: flags['max-message-bytes'],
    sync: flags.sync,
    tls: tlsOptions(flags),
    peers,
    peersFile,
    join,
    dns,
    healthIntervalMs: flags['health-interval'],
    coordinator: coordinatorOptions(flags),
    discovery: consul && createDiscovery({ consul }),
    registrar: consul && new ConsulRegistrar(consul),
    rejoin: flags.rejoin,
    antiEntropyIntervalMs: flags['anti-entropy-interval'],
    transferRate: flags['transfer-rate'],
    repairRate: flags['repair-rate'],
    maxHints: flags['max-hints'],
    recordCacheBytes: flags['cache-size'],
    maxClockOffsetMs: flags['max-clock-offset'],
    maxBatchEntries: flags['max-batch-entries'],
    idleConnectionMs: flags['idle-connection-timeout'],
    headersTimeoutMs: flags['headers-timeout'],
    storeProbeIntervalMs: flags['store-probe-interval'],
    authTokenFile: flags['auth-token-file'],
    protectMetrics: flags['protect-metrics'],
  };
}
