/**
 * A local dstash cluster for the benchmark, as `dstash dev` assembles one:
 * nodes on 127.0.0.1 with free ports, finding each other through a peers file,
 * data in a temp dir removed by `stop()`. Each node runs in a child process of
 * its own (like a real deployment, and using every core), or in this process.
 */
import { appendFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import { Client, type ClientOptions } from '../../src/index.js';
import { fetchInfo } from '../../src/protocol/info-call.js';
import { DstashNode } from '../../src/node/index.js';
import { Child } from '../child.js';
import { untilStopped } from '../cleanup.js';
import { ownCpuMicros, type CpuSample } from '../cpu.js';
import { retry } from '../retry.js';
import { BENCH_HEALTH_INTERVAL_MS, benchNodeOptions, type BenchNodeConfig } from './node-config.js';

/** A cluster's shape. */
export interface ClusterShape {
  nodes: number;
  /** N, W and R as asked; a cluster smaller than N keeps one copy per node. */
  replicas: number;
  writeQuorum: number;
  readQuorum: number;
  /** Nodes in this process instead of child processes. */
  inProcess: boolean;
  /** Each node serves the Redis protocol too (see {@link LocalCluster.redisPorts}). */
  redis?: boolean;
}

interface RunningNode {
  nodeId: string;
  address: string;
  /** Its Redis port; 0 when it serves none. */
  redisPort: number;
  /** CPU time the node's own process has used, µs; undefined in this process (counted with the benchmark's). */
  cpuMicros(): Promise<number | undefined>;
  stop(): Promise<void>;
}

const NODE_PROCESS = fileURLToPath(new URL('./node-process.js', import.meta.url));

/** A running local cluster. */
export class LocalCluster {
  private readonly running: RunningNode[] = [];
  /** Stops every node and removes the data; also run if the benchmark is interrupted. */
  readonly stop = untilStopped(async () => {
    await Promise.allSettled(this.running.map((n) => n.stop()));
    await rm(this.root, { recursive: true, force: true });
  });

  private constructor(
    private readonly root: string,
    /** N, W and R fitted to the cluster's size. */
    readonly quorums: Pick<ClusterShape, 'replicas' | 'writeQuorum' | 'readQuorum'>,
  ) {}

  /** Starts a cluster and waits until a client sees every node healthy. */
  static async start(shape: ClusterShape): Promise<LocalCluster> {
    const root = await mkdtemp(join(tmpdir(), 'dstash-bench-'));
    const replicas = Math.min(shape.replicas, shape.nodes);
    const quorums = { replicas, writeQuorum: Math.min(shape.writeQuorum, replicas), readQuorum: Math.min(shape.readQuorum, replicas) };
    const peersFile = join(root, 'peers');
    await writeFile(peersFile, '');
    const configs: BenchNodeConfig[] = Array.from({ length: shape.nodes }, (_, i) => ({
      nodeId: `node-${i + 1}`,
      dataDir: join(root, `node-${i + 1}`),
      peersFile,
      ...quorums,
      ...(shape.redis ? { redis: true } : {}),
    }));
    const cluster = new LocalCluster(root, quorums);
    const started = await Promise.allSettled(configs.map(async (c) => {
      const node = await (shape.inProcess ? startInProcess(c) : startChild(c));
      cluster.running.push(node);
    }));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await cluster.stop();
      throw failed.reason;
    }
    // Listed once each node knows its port; every node watches the file.
    await appendFile(peersFile, cluster.running.map((n) => `${n.nodeId}@${n.address}\n`).join(''));
    const probe = cluster.client();
    try {
      await retry(async () => {
        await probe.connect();
        const healthy = probe.members().filter((m) => m.healthy).length;
        if (healthy < shape.nodes) throw new Error(`${healthy} of ${shape.nodes} nodes healthy`);
        // The nodes coordinate too (streams, the Redis port): each learns the others from the peers file, which it reads
        // every few seconds, so the run starts once every node's own view has every member healthy.
        for (const address of cluster.addresses) {
          const { nodeId, members } = await fetchInfo(address, grpc.credentials.createInsecure(), 5000);
          const seen = members.filter((m) => m.healthy).length;
          if (seen < shape.nodes) throw new Error(`${nodeId} sees ${seen} of ${shape.nodes} nodes healthy`);
        }
      }, `a ${shape.nodes}-node cluster`);
    } catch (err) {
      await cluster.stop();
      throw err;
    } finally {
      await probe.close();
    }
    return cluster;
  }

  /** The nodes' addresses. */
  get addresses(): string[] {
    return this.running.map((n) => n.address);
  }

  /** The nodes' Redis ports, in the order of {@link addresses} (0 for none). */
  get redisPorts(): number[] {
    return this.running.map((n) => n.redisPort);
  }

  /**
   * CPU time used so far by this process (the client, and in-process nodes)
   * and by the nodes' processes: on a busy machine, a steadier measure of the
   * work a workload took than its wall time.
   */
  async cpu(): Promise<CpuSample> {
    const client = ownCpuMicros();
    const nodes = await Promise.all(this.running.map((n) => n.cpuMicros()));
    const known = nodes.filter((us): us is number => us !== undefined);
    return known.length < nodes.length ? { client } : { client, servers: known.reduce((sum, us) => sum + us, 0) };
  }

  /** A client of the cluster with its N, W and R. */
  client(options: Partial<ClientOptions> = {}): Client {
    return new Client({ peers: this.addresses, healthIntervalMs: BENCH_HEALTH_INTERVAL_MS, ...this.quorums, ...options });
  }
}

async function startInProcess(config: BenchNodeConfig): Promise<RunningNode> {
  const node = new DstashNode(benchNodeOptions(config));
  await node.start();
  return { nodeId: node.nodeId, address: node.address, redisPort: node.redisPort, cpuMicros: async () => undefined, stop: () => node.stop() };
}

async function startChild(config: BenchNodeConfig): Promise<RunningNode> {
  // The benchmark's own Node flags too: `node --cpu-prof dist/bench/run.js` profiles every node as well.
  const child = new Child(`dstash ${config.nodeId}`, process.execPath, [...process.execArgv, NODE_PROCESS, JSON.stringify(config)]);
  try {
    const serving = JSON.parse(await child.nextLine()) as { nodeId: string; address: string; redisPort: number };
    return { nodeId: serving.nodeId, address: serving.address, redisPort: serving.redisPort, cpuMicros: async () => Number(await child.request('cpu')), stop: () => child.stop() };
  } catch (err) {
    await child.stop();
    throw err;
  }
}
