/** The node process: what the CLI starts. */
export { DstashNode, type NodeState } from './dstash-node.js';
export { DEFAULT_NODE_OPTIONS, DEFAULT_PORT, resolveNodeOptions, type NodeOptions } from './node-options.js';
export { clearDrainMark, drainedError, markDrained, readDrainMark, type DrainMark } from './self-healing/drain-mark.js';
