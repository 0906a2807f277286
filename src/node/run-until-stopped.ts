/**
 * A node's life as a process: it serves until SIGTERM or SIGINT stops it
 * (SIGTERM drains it first with `drainOnExit`, for a Kubernetes preStop), or
 * until it stops by itself: because an operator drained it (`dstash node
 * drain`), which marks its data dir so that a supervisor's restart keeps it out
 * (self-healing/drain-mark.ts), or because an operator stopped it (`dstash
 * node stop`, exit code 0) or restarted it (`dstash node restart`, exit code
 * {@link RESTART_EXIT_CODE} for its supervisor to start it again). `dstash
 * node start` and `dstash dev` run their nodes through it, and so can any
 * program that embeds a node.
 */
import { logger } from '../logger.js';
import { DstashNode } from './dstash-node.js';
import { RESTART_EXIT_CODE } from './exit-codes.js';
import { markDrained } from './self-healing/drain-mark.js';

/** How {@link runUntilStopped} ends a node. */
export interface RunOptions {
  /**
   * On SIGTERM, drain the node (hand every partition to its next owners and
   * leave the membership) before it stops. A drain on a signal leaves no
   * mark: the supervisor that sent it starts the node again only to rejoin.
   * @default false
   */
  drainOnExit?: boolean;
  /**
   * Mark the data dir of a node that stopped by itself after a drain (by an
   * operator), so that it refuses to start again without `rejoin`.
   * @default true
   */
  markDrained?: boolean;
}

/**
 * Runs started nodes until a signal stops them all, or until each has
 * stopped by itself. Resolves with the signal, or undefined when no signal
 * came. A failed drain or stop is logged, sets `process.exitCode` to 1, and
 * the node is stopped anyway. The signal handlers are removed at the first
 * signal (a second one ends the process the default way) and on return.
 */
export async function runUntilStopped(target: DstashNode | readonly DstashNode[], options: RunOptions = {}): Promise<NodeJS.Signals | undefined> {
  const nodes = target instanceof DstashNode ? [target] : target;
  let received: NodeJS.Signals | undefined;
  let detach = (): void => undefined;
  const signalled = new Promise<NodeJS.Signals>((resolve) => {
    const onSignal = (signal: NodeJS.Signals): void => {
      received = signal;
      detach();
      resolve(signal);
    };
    detach = () => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
  });
  try {
    await Promise.all(nodes.map(async (node) => {
      const signal = await Promise.race([node.stopped.then(() => undefined), signalled]);
      if (signal) await end(node, signal, options.drainOnExit === true);
      else if (node.stopCause === 'restart') process.exitCode = RESTART_EXIT_CODE;
      else if (node.stopCause === 'drained' && options.markDrained !== false) await markDrained(node.options.dataDir, node.nodeId);
    }));
  } finally {
    detach();
  }
  return received;
}

/** Ends `node` after `signal`: a drain on SIGTERM with `drainOnExit` (while it still serves), else a stop. */
async function end(node: DstashNode, signal: NodeJS.Signals, drainOnExit: boolean): Promise<void> {
  const drain = drainOnExit && signal === 'SIGTERM' && node.status === 'serving';
  try {
    await (drain ? node.drain() : node.stop());
  } catch (err) {
    logger('node.run').error({ nodeId: node.nodeId, signal, err: (err as Error).message }, `error while ${drain ? 'draining' : 'stopping'} after ${signal}`);
    process.exitCode = 1;
    await node.stop();
  }
}
