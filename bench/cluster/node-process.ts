/**
 * A benchmark node in a child process: `node node-process.js '<BenchNodeConfig JSON>'`.
 * It prints `{"event":"serving",…}` once it serves, answers each `cpu` line
 * on stdin with the CPU time it has used (µs, all threads), and stops when
 * its stdin ends, which happens when the benchmark closes it or dies: a node
 * never outlives the run that started it.
 */
import { createInterface } from 'node:readline';
import { configureLogging } from '../../src/logger.js';
import { DstashNode } from '../../src/node/index.js';
import { benchNodeOptions, type BenchNodeConfig } from './node-config.js';

configureLogging('warn');
const node = new DstashNode(benchNodeOptions(JSON.parse(process.argv[2] ?? '') as BenchNodeConfig));
let stopping = false;
const stop = (): void => {
  if (stopping) return;
  stopping = true;
  // A normal exit, so that `--cpu-prof` (through NODE_OPTIONS) writes its profile.
  node.stop().then(() => process.exit(0), (err: unknown) => {
    process.stderr.write(`bench node ${node.nodeId}: stop failed: ${String(err)}\n`);
    process.exit(1);
  });
};
createInterface({ input: process.stdin }).on('line', (line) => {
  if (line === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.stdout.write(`${user + system}\n`);
  }
});
process.stdin.on('end', stop);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
try {
  await node.start();
  process.stdout.write(`${JSON.stringify({ event: 'serving', nodeId: node.nodeId, address: node.address, redisPort: node.redisPort })}\n`);
} catch (err) {
  process.stderr.write(`bench node: cannot start: ${(err as Error).message}\n`);
  process.exit(2);
}
