/**
 * gRPC handlers of the internal dstash.v1.Paxos service over this node's
 * acceptor.
 */
import type { PaxosHandlers } from '../../protocol/generated/dstash/v1/Paxos.js';
import { fromPaxosValue, toAcceptResponse, toPrepareResponse } from '../../protocol/paxos-wire.js';
import { toServiceError } from '../../protocol/status.js';
import type { LocalAcceptor } from './local-acceptor.js';

/** Builds the Paxos service's handlers over `acceptor`. */
export function paxosHandlers(acceptor: LocalAcceptor): PaxosHandlers {
  return {
    Prepare(call, callback) {
      const r = call.request;
      acceptor.prepare(r.index, r.key, r.ballot).then((reply) => callback(null, toPrepareResponse(r.key, reply)), (err) => callback(toServiceError(err)));
    },
    Accept(call, callback) {
      const r = call.request;
      Promise.resolve()
        .then(() => acceptor.accept(r.index, r.key, r.ballot, fromPaxosValue(r.value)))
        .then((reply) => callback(null, toAcceptResponse(reply)), (err) => callback(toServiceError(err)));
    },
  };
}
