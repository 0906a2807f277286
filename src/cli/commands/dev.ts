import { Command, Flags } from '@oclif/core';
import { appendFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configureLogging } from '../../logger.js';
import { DstashNode, runUntilStopped } from '../../node/index.js';
import { logLevelFlag } from '../flags.js';
import { describeError } from '../node-connection.js';

/** How far above its gRPC port a dev node serves HTTP. */
const HTTP_PORT_OFFSET = 100;
/** How far above its gRPC port a dev node serves the Redis protocol. */
const REDIS_PORT_OFFSET = 200;

/** `dstash dev`: a local cluster in one process, with static discovery and no Consul. */
export default class Dev extends Command {
  static override description = 'Run a local cluster (static discovery, no Consul needed) until Ctrl-C.';

  static override examples = ['<%= config.bin %> dev', '<%= config.bin %> dev --nodes 5 --data-dir ./dev-data'];

  static override flags = {
    nodes: Flags.integer({ default: 3, min: 1, max: 16, description: 'Number of nodes.' }),
    'data-dir': Flags.string({ description: 'Keep the data here (one folder per node); default: a temp dir removed at exit.' }),
    'base-port': Flags.integer({
      default: 7420,
      min: 0,
      max: 65535 - REDIS_PORT_OFFSET - 16,
      description: `Port of the first node; the others follow (0 = any free ports). With a fixed base port, node i also serves HTTP (metrics, REST) on base + ${HTTP_PORT_OFFSET} + i. Node i serves the Redis protocol on base + ${REDIS_PORT_OFFSET} + i (any free port with base 0).`,
    }),
    replicas: Flags.integer({ default: 3, min: 1, max: 16, description: 'Replicas of each partition (N), capped at the number of nodes.' }),
    'log-level': logLevelFlag('warn'),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Dev);
    configureLogging(flags['log-level']);
    const root = flags['data-dir'] ?? (await mkdtemp(join(tmpdir(), 'dstash-dev-')));
    await mkdir(root, { recursive: true });
    // Members find each other through a peers file that every node watches; another
    // `dstash node start --peers-file` on it joins the cluster.
    const peersFile = join(root, 'peers');
    const fixed = flags['base-port'] !== 0;
    const ports = Array.from({ length: flags.nodes }, (_, i) => (fixed ? flags['base-port'] + i : 0));
    await writeFile(peersFile, fixed ? ports.map((p, i) => `node-${i + 1}@127.0.0.1:${p}\n`).join('') : '');
    const nodes = ports.map((port, i) => new DstashNode({
      dataDir: join(root, `node-${i + 1}`),
      nodeId: `node-${i + 1}`,
      port,
      httpPort: fixed ? port + HTTP_PORT_OFFSET : undefined,
      redisPort: fixed ? port + REDIS_PORT_OFFSET : 0,
      peersFile,
      sweepIntervalMs: 10_000,
      coordinator: { replicas: Math.min(flags.replicas, flags.nodes) },
    }));
    const removeData = async (): Promise<void> => {
      if (!flags['data-dir']) await rm(root, { recursive: true, force: true });
    };
    try {
      for (const node of nodes) {
        await node.start();
        // With free ports, a node is listed once it knows its port.
        if (!fixed) await appendFile(peersFile, `${node.nodeId}@${node.address}\n`);
      }
    } catch (err) {
      await Promise.all(nodes.map((n) => n.stop()));
      await removeData();
      this.error(describeError(err), { exit: 2 });
    }
    // Report ready once every node sees every other as healthy, so the first request finds the whole cluster.
    const converged = (): boolean => nodes.every((n) => n.cluster?.members().filter((m) => m.healthy).length === nodes.length);
    for (const deadline = Date.now() + 15_000; !converged() && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 50));
    if (!converged()) this.warn('the nodes do not all see each other yet; requests may fail until they do');
    const addresses = nodes.map((n) => n.address);
    this.log(JSON.stringify({ event: 'serving', nodes: nodes.map((n) => ({ nodeId: n.nodeId, address: n.address, httpPort: n.httpPort || undefined, redisPort: n.redisPort })), dataDir: root }));
    this.logToStderr([
      `dstash dev: ${nodes.length} node(s) serving on ${addresses.join(', ')} (N=${Math.min(flags.replicas, flags.nodes)}); data in ${root}${flags['data-dir'] ? '' : ' (removed at exit)'}`,
      `  try:  dstash put hello world --node ${addresses[0]}   then   dstash get hello --node ${addresses[0]}`,
      `  SDK:  new Client({ peers: ${JSON.stringify(addresses)} })`,
      ...(fixed ? [`  HTTP: ${nodes.map((n) => `http://127.0.0.1:${n.httpPort}`).join(', ')}  (/metrics, /readyz, /v1/cluster, /v1/kv/default/KEY)`, `  dashboard: http://127.0.0.1:${nodes[0]!.httpPort}/ui`] : []),
      `  Redis: ${nodes.map((n) => `127.0.0.1:${n.redisPort}`).join(', ')}  (redis-cli -p ${nodes[0]!.redisPort} set hello world)`,
      '  Ctrl-C stops the cluster.',
    ].join('\n'));
    // A dev node drained out of the cluster leaves no mark: the next `dstash dev` (which has no --rejoin) starts it again.
    await runUntilStopped(nodes, { markDrained: false });
    await removeData();
  }
}
