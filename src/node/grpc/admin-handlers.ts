/**
 * gRPC handlers of dstash.v1.Admin: operators trigger anti-entropy, drain a
 * node, rebuild it from its peers, and stop or restart it through them
 * (`dstash cluster repair`, `dstash node drain`, `dstash node rebuild`,
 * `dstash node stop`, `dstash node restart`), and coordinators hand each
 * member a truncation (`dstash truncate`, FLUSHDB).
 */
import type { AdminHandlers } from '../../protocol/generated/dstash/v1/Admin.js';
import { toServiceError } from '../../protocol/status.js';
import { DstashError, ErrorCode } from '../../errors.js';
import type { DrainProgress, SelfHealing } from '../self-healing/self-healing.js';
import type { LocalReplica } from '../local-replica.js';

/** What the Admin service needs of the node. */
export interface AdminTarget {
  readonly selfHealing: SelfHealing | undefined;
  readonly nodeId: string;
  drain(onProgress: (p: DrainProgress) => void): Promise<void>;
  /** Stops the node once the caller is answered; returns the exit code its process will end with. */
  requestStop(restart: boolean): number;
  /** Starts pulling every partition again from the peers (`dstash node rebuild`); resolves with how many were marked. */
  rebuild(): Promise<number>;
}

/** Builds the Admin service's handlers for `node`, whose local replica takes truncations. */
export function adminHandlers(node: AdminTarget, replica: LocalReplica): AdminHandlers {
  return {
    Truncate(call, callback) {
      const { index = '', version = Buffer.alloc(0) } = call.request.truncation ?? {};
      Promise.resolve()
        .then(() => replica.truncate(index, version))
        .then((applied) => callback(null, { applied }), (err) => callback(toServiceError(err)));
    },
    Repair(_call, callback) {
      const healing = node.selfHealing;
      if (!healing) return callback(toServiceError(new DstashError(ErrorCode.Unavailable, 'the node is not serving')));
      healing.antiEntropy.runNow().then(
        (r) => callback(null, { partitionsCompared: r.partitionsCompared, recordsPulled: r.recordsPulled, recordsPushed: r.recordsPushed, partitionsSkipped: r.partitionsSkipped }),
        (err) => callback(toServiceError(err)),
      );
    },
    Stop(call, callback) {
      let exitCode: number;
      try {
        exitCode = node.requestStop(call.request.restart);
      } catch (err) {
        return callback(toServiceError(err));
      }
      callback(null, { nodeId: node.nodeId, exitCode });
    },
    Rebuild(_call, callback) {
      node.rebuild().then((partitions) => callback(null, { partitions }), (err) => callback(toServiceError(err)));
    },
    Drain(call) {
      node.drain((p) => {
        if (call.cancelled || call.writableEnded) return;
        call.write({ phase: p.phase, partitionsTotal: p.partitionsTotal, partitionsDone: p.partitionsDone, keysMoved: p.keysMoved });
        if (p.phase === 'done') call.end();
      }).catch((err: unknown) => {
        if (!call.writableEnded) call.emit('error', toServiceError(err));
      });
    },
  };
}
