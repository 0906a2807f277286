/**
 * A program that embeds a dstash node as an application would: the node
 * from dist/src/node/index.js, not the CLI, run by runUntilStopped.
 * `node embedded-node-program.js '<JSON: node options and drainOnExit>'`;
 * prints JSON events on stdout: `serving`, `refused` (with the error's code),
 * `stopped` (with the signal, null when the node stopped by itself).
 */
import type { DstashError } from '../../../src/errors.js';
import { DrainedError, DstashNode, runUntilStopped, type NodeOptions } from '../../../src/node/index.js';

const { drainOnExit, ...options } = JSON.parse(process.argv[2] ?? '') as Partial<NodeOptions> & Pick<NodeOptions, 'dataDir'> & { drainOnExit?: boolean };
const node = new DstashNode(options);
const started = await node.start().then(() => true, (err: unknown) => {
  console.log(JSON.stringify({ event: 'refused', code: (err as DstashError).code, drained: err instanceof DrainedError }));
  process.exitCode = 2;
  return false;
});
if (started) {
  console.log(JSON.stringify({ event: 'serving', nodeId: node.nodeId, address: node.address, port: node.port }));
  const signal = await runUntilStopped(node, { drainOnExit });
  console.log(JSON.stringify({ event: 'stopped', signal: signal ?? null }));
}
