/** Starts a real node in this process: real LevelDB in a temp dir, real gRPC on 127.0.0.1 port 0. */
import { DstashNode, type NodeOptions } from '../../src/node/index.js';
import { nodeClients, type NodeClients } from './grpc-clients.js';
import { tempDir } from './temp-dir.js';

/** A started node, clients of it, and a `stop()` that closes everything and removes its data. */
export interface TestNode {
  node: DstashNode;
  clients: NodeClients;
  dataDir: string;
  stop(): Promise<void>;
}

/** Starts a node with `options` over test defaults. */
export async function startTestNode(options: Partial<NodeOptions> = {}): Promise<TestNode> {
  const dir = await tempDir('dstash-node-');
  const node = new DstashNode({ bind: '127.0.0.1', port: 0, sweepIntervalMs: 0, shutdownGraceMs: 2000, ...options, dataDir: options.dataDir ?? dir.path });
  await node.start();
  const clients = nodeClients(node.address);
  return {
    node,
    clients,
    dataDir: node.options.dataDir,
    async stop() {
      clients.close();
      await node.stop();
      await dir.cleanup();
    },
  };
}
