/** The node process: what the CLI starts, and what a program that embeds a node runs. */
export { DstashNode, type NodeState, type StopCause } from './dstash-node.js';
export { RESTART_EXIT_CODE } from './exit-codes.js';
export { DEFAULT_NODE_OPTIONS, DEFAULT_PORT, resolveNodeOptions, type NodeOptions } from './node-options.js';
export { runUntilStopped, type RunOptions } from './run-until-stopped.js';
export { DrainedError, type DrainMark } from './self-healing/drain-mark.js';
