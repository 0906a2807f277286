/** How the benchmark configures each dstash node, in-process or in a child process alike. */
import type { NodeOptions } from '../../src/node/index.js';

/** What differs between the benchmark's nodes. */
export interface BenchNodeConfig {
  nodeId: string;
  dataDir: string;
  /** The members' list, which the cluster fills in once each node knows its port. */
  peersFile: string;
  replicas: number;
  writeQuorum: number;
  readQuorum: number;
  /** Serve the Redis protocol on a free port. */
  redis?: boolean;
}

/**
 * Health probes, clock probes and membership exchanges at the nodes' default
 * interval: their CPU counts in every workload's cluster CPU, so the bench runs
 * them as a deployment would (an idle 3-node cluster used 181 ms of CPU a
 * second at 250 ms, 56 ms at 1000 ms).
 */
export const BENCH_HEALTH_INTERVAL_MS = 1000;

/** The node options for `config`: loopback, a free port, no background sweep to disturb the timings. */
export function benchNodeOptions(config: BenchNodeConfig): Partial<NodeOptions> & Pick<NodeOptions, 'dataDir'> {
  return {
    dataDir: config.dataDir,
    nodeId: config.nodeId,
    bind: '127.0.0.1',
    port: 0,
    peersFile: config.peersFile,
    healthIntervalMs: BENCH_HEALTH_INTERVAL_MS,
    sweepIntervalMs: 0,
    shutdownGraceMs: 5000,
    coordinator: { replicas: config.replicas, writeQuorum: config.writeQuorum, readQuorum: config.readQuorum },
    ...(config.redis ? { redisPort: 0 } : {}),
  };
}
