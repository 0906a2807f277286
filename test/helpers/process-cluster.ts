/**
 * A real cluster of `dstash node start` child processes on 127.0.0.1 with
 * free ports, finding each other through a shared peers file. Nodes can be
 * SIGKILLed and restarted on the same port and data dir.
 */
import { appendFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { startCli, type CliProcess } from './cli.js';
import { tempDir } from './temp-dir.js';
import { waitFor } from './wait.js';
import { info } from './cluster-checks.js';
import { Client, type ClientOptions } from '../../src/index.js';

/** Arguments and environment for one node only (a skewed clock, an HTTP port). */
export interface NodeSetup {
  args?: string[];
  env?: NodeJS.ProcessEnv;
  /** Run the node as this user (see startCli), so that iptables can tell its connections apart. */
  uid?: number;
  /** The node's data dir (a small mounted disk); a directory under the cluster's root by default. */
  dataDir?: string;
}

/** One node of the cluster. */
export interface ClusterNode {
  id: string;
  address: string;
  port: number;
  dataDir: string;
  process: CliProcess;
  setup: NodeSetup;
  /** The HTTP port, when the node was given one (`--http-port`). */
  httpPort?: number;
  /** The Redis port, when the node was started with `--redis-port`. */
  redisPort?: number;
}

/** More `node start` arguments: the same for every node, or by node id (node-1…). */

/** A running cluster; `stop()` ends every process it started and removes the data. */
export class ProcessCluster {
  readonly nodes: ClusterNode[] = [];
  private constructor(
    readonly root: string,
    readonly peersFile: string,
    private readonly cleanup: () => Promise<void>,
    private readonly extraArgs: string[],
  ) {}

  /**
   * Starts `count` nodes (ids node-1…) and waits until each one sees all of
   * them; `setup` adds per-node arguments, environment or user.
   */
  static async start(count: number, extraArgs: string[] = [], setup: (id: string) => NodeSetup = () => ({})): Promise<ProcessCluster> {
    const dir = await tempDir('dstash-cluster-');
    const peersFile = join(dir.path, 'peers');
    await writeFile(peersFile, '');
    const cluster = new ProcessCluster(dir.path, peersFile, dir.cleanup, extraArgs);
    try {
      for (let i = 1; i <= count; i++) await cluster.add(`node-${i}`, setup(`node-${i}`));
      await cluster.converge();
    } catch (err) {
      // No node outlives a cluster that failed to start: a child left running keeps mocha from exiting.
      await cluster.stop();
      throw err;
    }
    return cluster;
  }

  /** Starts `count` nodes and a client that sees all of them healthy. */
  static async withClient(count: number, extraArgs: string[] = [], setup?: (id: string) => NodeSetup): Promise<{ cluster: ProcessCluster; client: Client }> {
    const cluster = await ProcessCluster.start(count, extraArgs, setup);
    const client = cluster.client();
    try {
      await ProcessCluster.until(client, count, count);
    } catch (err) {
      await client.close();
      await cluster.stop();
      throw err;
    }
    return { cluster, client };
  }

  /** Starts one more node and lists it in the peers file. */
  async add(id: string, setup: NodeSetup = {}): Promise<ClusterNode> {
    const node = await this.spawn(id, setup.dataDir ?? join(this.root, id), 0, setup);
    this.nodes.push(node);
    await appendFile(this.peersFile, `${id}@${node.address}\n`);
    return node;
  }

  /** The node with `id`. */
  node(id: string): ClusterNode {
    const n = this.nodes.find((x) => x.id === id);
    if (!n) throw new Error(`no node ${id}`);
    return n;
  }

  /** Node id to address, of every node (running or not), as the cluster checks take them. */
  addresses(): Map<string, string> {
    return new Map(this.nodes.map((n) => [n.id, n.address]));
  }

  /** SIGKILLs a node and waits for it to be gone. */
  async kill(id: string): Promise<void> {
    const n = this.node(id);
    n.process.child.kill('SIGKILL');
    await n.process.exited();
  }

  /** Restarts a stopped node on its old port and data dir, with `args` added to its command line. */
  async restart(id: string, args: string[] = []): Promise<ClusterNode> {
    const old = this.node(id);
    const node = await this.spawn(id, old.dataDir, old.port, { ...old.setup, args: [...(old.setup.args ?? []), ...args] });
    this.nodes[this.nodes.indexOf(old)] = node;
    return node;
  }

  /** A client of the cluster that follows the peers file. */
  client<T = Buffer>(options: Partial<ClientOptions<T>> = {}): Client<T> {
    return new Client<T>({ peersFile: this.peersFile, healthIntervalMs: 200, timeoutMs: 5000, ...options } as ClientOptions<T>);
  }

  /** Waits until `client` sees `healthy` healthy members out of `total`. */
  static async until(client: Client<unknown>, total: number, healthy: number, timeoutMs = 15_000): Promise<void> {
    await client.connect();
    await waitFor(() => {
      const m = client.members();
      return m.length === total && m.filter((x) => x.healthy).length === healthy;
    }, `${healthy}/${total} healthy members (seen: ${JSON.stringify(client.members().map((m) => [m.id, m.healthy]))})`, timeoutMs);
  }

  /** Waits until a client sees every node as a healthy member, and every node holds the partitions it owns. */
  async converge(): Promise<void> {
    const probe = this.client();
    try {
      await ProcessCluster.until(probe, this.nodes.length, this.nodes.length);
    } finally {
      await probe.close();
    }
    for (const node of this.nodes) {
      await waitFor(async () => (await info(node.address)).transfer?.partitionsRemaining === 0, `${node.id} to receive its partitions`, 30_000);
    }
  }

  /**
   * Ends every process (a frozen one is thawed first; one that has not
   * exited 15 s after SIGTERM is killed) and removes the data.
   */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map(async (n) => {
      const { child } = n.process;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGCONT');
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
        await n.process.exited();
        clearTimeout(timer);
      }
    }));
    await this.cleanup();
  }

  /** The command line of node `id`. */
  startArgs(id: string, dataDir: string, port: number, args: string[] = []): string[] {
    return [
      'node', 'start', '--port', String(port), '--data-dir', dataDir, '--node-id', id, '--peers-file', this.peersFile,
      '--health-interval', '200', '--log-level', 'warn', ...this.extraArgs, ...args,
    ];
  }

  private async spawn(id: string, dataDir: string, port: number, setup: NodeSetup): Promise<ClusterNode> {
    const process = startCli(this.startArgs(id, dataDir, port, setup.args), setup.env, setup.uid);
    const serving = await process.event<{ address: string; port: number; httpPort?: number; redisPort?: number }>('serving');
    return { id, address: serving.address, port: serving.port, dataDir, process, setup, httpPort: serving.httpPort, redisPort: serving.redisPort };
  }
}
