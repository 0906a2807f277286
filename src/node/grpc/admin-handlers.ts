/**
 * gRPC handlers of dstash.v1.Admin: operators trigger anti-entropy, drain
 * a node and rebuild it from its peers through them (`dstash cluster repair`,
 * `dstash node drain`, `dstash node rebuild`).
 */
import type { AdminHandlers } from '../../protocol/generated/dstash/v1/Admin.js';
import { toServiceError } from '../../protocol/status.js';
import { DstashError, ErrorCode } from '../../errors.js';
import type { DrainProgress, SelfHealing } from '../self-healing/self-healing.js';

/** What the Admin service needs of the node. */
export interface AdminTarget {
  readonly selfHealing: SelfHealing | undefined;
  drain(onProgress: (p: DrainProgress) => void): Promise<void>;
  /** Starts pulling every partition again from the peers (`dstash node rebuild`); resolves with how many were marked. */
  rebuild(): Promise<number>;
}

/** Builds the Admin service's handlers for `node`. */
export function adminHandlers(node: AdminTarget): AdminHandlers {
  return {
    Repair(_call, callback) {
      const healing = node.selfHealing;
      if (!healing) return callback(toServiceError(new DstashError(ErrorCode.Unavailable, 'the node is not serving')));
      healing.antiEntropy.runNow().then(
        (r) => callback(null, { partitionsCompared: r.partitionsCompared, recordsPulled: r.recordsPulled, recordsPushed: r.recordsPushed, partitionsSkipped: r.partitionsSkipped }),
        (err) => callback(toServiceError(err)),
      );
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
