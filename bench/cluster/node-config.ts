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
}

/** Probes and peers-file checks often enough that a new cluster converges in well under a second. */
export const BENCH_HEALTH_INTERVAL_MS = 250;

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
  };
}
