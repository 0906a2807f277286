/** What every REST key/value request starts with: a valid index and a node ready to coordinate. */
import type { Coordinator } from '../../client/index.js';
import { ErrorCode } from '../../errors.js';
import { validateIndex } from '../../limits.js';
import type { NodeView } from '../metrics/node-view.js';
import { HttpError } from './http-errors.js';

/**
 * Checks `index` (400 `DSTASH_INVALID_INDEX`) and returns the node's
 * coordinator, or a 503 `DSTASH_UNAVAILABLE` naming why the node is not ready.
 */
export function kvTarget(view: NodeView, index: string): Coordinator {
  validateIndex(index);
  return readyCoordinator(view);
}

/** The node's coordinator, or a 503 `DSTASH_UNAVAILABLE` naming why the node is not ready. */
export function readyCoordinator(view: NodeView): Coordinator {
  const readiness = view.readiness();
  const coordinator = view.coordinator();
  if (!readiness.ready || !coordinator) {
    throw new HttpError(503, ErrorCode.Unavailable, `this node is not ready: ${readiness.reason ?? 'it is stopping'}`);
  }
  return coordinator;
}
