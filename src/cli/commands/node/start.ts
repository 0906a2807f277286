import { Command, Flags } from '@oclif/core';
import { configureLogging } from '../../../logger.js';
import { clearDrainMark, DEFAULT_NODE_OPTIONS, drainedError, DstashNode, markDrained, readDrainMark } from '../../../node/index.js';
import { coordinatorFlags, coordinatorOptions, logLevelFlag, splitList, tlsFlags, tlsOptions } from '../../flags.js';
import { describeError } from '../../node-connection.js';
import { consulOptions, discoveryFlags } from '../../consul-flags.js';
import { dnsFlags, dnsOptions } from '../../dns-flags.js';
import { ConsulDiscovery } from '../../../discovery/consul-discovery.js';
import { ConsulRegistrar } from '../../../discovery/consul-registrar.js';

/** `dstash node start`: runs one node in the foreground until SIGTERM or SIGINT. */
export default class NodeStart extends Command {
  static override description = 'Run a dstash node in the foreground. Stops cleanly on SIGTERM or SIGINT.';

  static override examples = [
    '<%= config.bin %> node start --data-dir ./data --port 7420',
    '<%= config.bin %> node start --data-dir /var/lib/dstash --bind 0.0.0.0 --tls --cert-file node.pem --key-file node-key.pem --ca-file ca.pem',
    '<%= config.bin %> node start --data-dir ./data-4 --port 7423 --join 127.0.0.1:7420',
    '<%= config.bin %> node start --discovery dns --dns-name _grpc._tcp.dstash-headless.default.svc.cluster.local --bind 0.0.0.0 --advertise-host $POD_IP',
    '<%= config.bin %> node start --discovery consul --consul-addr 127.0.0.1:8500 --consul-token $TOKEN --advertise-host 10.0.0.5',
  ];

  static override flags = {
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
    'max-hints': Flags.integer({ default: DEFAULT_NODE_OPTIONS.maxHints, min: 0, env: 'DSTASH_MAX_HINTS', description: 'Most hints kept for unhealthy replicas; more are dropped.' }),
    'max-clock-offset': Flags.integer({ default: DEFAULT_NODE_OPTIONS.maxClockOffsetMs, min: 1, env: 'DSTASH_MAX_CLOCK_OFFSET', description: 'Maximum clock offset between members, in ms: replicas refuse versions further ahead, and a node beyond it from a majority of members stops stamping writes and is not ready.' }),
    'max-batch-entries': Flags.integer({ default: DEFAULT_NODE_OPTIONS.maxBatchEntries, min: 1, env: 'DSTASH_MAX_BATCH_ENTRIES', description: 'Most entries in one batch message a caller or coordinator may send; larger ones are refused.' }),
    'idle-connection-timeout': Flags.integer({ default: DEFAULT_NODE_OPTIONS.idleConnectionMs, min: 1, env: 'DSTASH_IDLE_CONNECTION_TIMEOUT', description: 'ms after which a gRPC connection with no call in progress is closed.' }),
    'headers-timeout': Flags.integer({ default: DEFAULT_NODE_OPTIONS.headersTimeoutMs, min: 1, env: 'DSTASH_HEADERS_TIMEOUT', description: 'ms an HTTP request has to send all its headers.' }),
    'auth-token-file': Flags.string({ env: 'DSTASH_AUTH_TOKEN_FILE', description: 'Bearer tokens, one "ROLE TOKEN" a line (roles read, write, admin, cluster); re-read when it changes. With it every port but the health checks asks for a token.' }),
    'protect-metrics': Flags.boolean({ default: false, env: 'DSTASH_PROTECT_METRICS', description: 'With --auth-token-file, ask a read token of /metrics scrapes too.' }),
    'store-probe-interval': Flags.integer({ default: DEFAULT_NODE_OPTIONS.storeProbeIntervalMs, min: 1, env: 'DSTASH_STORE_PROBE_INTERVAL', description: 'ms between probe writes while the store fails writes (disk full).' }),
    ...discoveryFlags,
    ...dnsFlags,
    ...coordinatorFlags,
    'log-level': logLevelFlag('info'),
    ...tlsFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(NodeStart);
    configureLogging(flags['log-level']);
    const consul = flags.discovery === 'consul' ? consulOptions(flags) : undefined;
    if (flags.discovery !== 'static' && (flags.peers || flags['peers-file'] || flags.join)) this.error(`--peers, --peers-file and --join are for --discovery static; with ${flags.discovery} the members come from ${flags.discovery === 'dns' ? 'DNS' : 'the registry'}`, { exit: 2 });
    const dns = flags.discovery === 'dns' ? dnsOptions(flags) : undefined;
    if (flags.discovery === 'dns' && !dns) this.error('--discovery dns needs --dns-name', { exit: 2 });
    // A node drained by `dstash node drain` and restarted by a supervisor stays out until told otherwise.
    const dataDir = flags['data-dir'];
    try {
      const mark = await readDrainMark(dataDir);
      if (mark && !flags.rejoin) {
        this.log(JSON.stringify({ event: 'drained', nodeId: mark.nodeId, drainedAt: mark.drainedAt }));
        throw drainedError(dataDir, mark);
      }
      if (mark) await clearDrainMark(dataDir);
    } catch (err) {
      this.error(describeError(err), { exit: 2 });
    }
    const node = new DstashNode({
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
      peers: splitList(flags.peers),
      peersFile: flags['peers-file'],
      join: splitList(flags.join),
      dns,
      healthIntervalMs: flags['health-interval'],
      coordinator: coordinatorOptions(flags),
      discovery: consul ? new ConsulDiscovery(consul) : undefined,
      registrar: consul ? new ConsulRegistrar(consul) : undefined,
      antiEntropyIntervalMs: flags['anti-entropy-interval'],
      transferRate: flags['transfer-rate'],
      repairRate: flags['repair-rate'],
      maxHints: flags['max-hints'],
      maxClockOffsetMs: flags['max-clock-offset'],
      maxBatchEntries: flags['max-batch-entries'],
      idleConnectionMs: flags['idle-connection-timeout'],
      headersTimeoutMs: flags['headers-timeout'],
      storeProbeIntervalMs: flags['store-probe-interval'],
      authTokenFile: flags['auth-token-file'],
      protectMetrics: flags['protect-metrics'],
    });
    try {
      await node.start();
    } catch (err) {
      this.error(describeError(err), { exit: 2 });
    }
    // A machine-readable line on stdout: scripts and tests read the address from it.
    this.log(JSON.stringify({ event: 'serving', nodeId: node.nodeId, address: node.address, port: node.port, httpPort: node.httpPort || undefined, redisPort: node.redisPort || undefined }));
    // Runs until a signal, or until a drain (dstash node drain) has stopped the node.
    let signalled = false;
    await new Promise<void>((resolve) => {
      const stop = (signal: NodeJS.Signals): void => {
        signalled = true;
        process.off('SIGTERM', stop);
        process.off('SIGINT', stop);
        const drain = flags['drain-on-exit'] && signal === 'SIGTERM';
        (drain ? node.drain() : node.stop()).then(resolve, (err: unknown) => {
          this.logToStderr(`error while ${drain ? 'draining' : 'stopping'} after ${signal}: ${(err as Error).message}`);
          process.exitCode = 1;
          void node.stop().then(resolve);
        });
      };
      process.on('SIGTERM', stop);
      process.on('SIGINT', stop);
      void node.stopped.then(resolve);
    });
    // Stopped by itself, without a signal: `dstash node drain` took it out of the cluster. A drain on SIGTERM
    // (--drain-on-exit) leaves no mark: there the supervisor stops the node, and restarts it only to rejoin.
    if (!signalled) await markDrained(dataDir, node.nodeId);
  }
}
