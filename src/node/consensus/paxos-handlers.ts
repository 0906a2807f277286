/**
 * gRPC handlers of the internal dstash.v1.Paxos service over this node's
 * acceptor: the Batch stream proposers use, and the unary calls of
 * proposers from before it.
 */
import type { AcceptorRequest, AcceptorResult } from '../../consensus/acceptor-transport.js';
import type { PaxosBatch__Output } from '../../protocol/generated/dstash/v1/PaxosBatch.js';
import type { PaxosBatchResult } from '../../protocol/generated/dstash/v1/PaxosBatchResult.js';
import type { PaxosHandlers } from '../../protocol/generated/dstash/v1/Paxos.js';
import { fromPaxosEntry, fromPaxosValue, toAcceptResponse, toPaxosEntryResult, toPrepareResponse } from '../../protocol/paxos-wire.js';
import { toServiceError } from '../../protocol/status.js';
import { serveBatchStream, type BatchLimits } from '../grpc/batch-stream.js';
import type { LocalAcceptor } from './local-acceptor.js';

/** Builds the Paxos service's handlers over `acceptor`. */
export function paxosHandlers(acceptor: LocalAcceptor, limits: BatchLimits): PaxosHandlers {
  return {
    Batch(call) {
      serveBatchStream(call, (batch) => runBatch(acceptor, batch), limits, (batch) => batch.entries.length);
    },
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

/** Runs one batch message; an entry that does not decode fails alone. */
async function runBatch(acceptor: LocalAcceptor, batch: PaxosBatch__Output): Promise<PaxosBatchResult> {
  const results: AcceptorResult[] = new Array(batch.entries.length);
  const requests: AcceptorRequest[] = [];
  const positions: number[] = [];
  batch.entries.forEach((entry, i) => {
    try {
      requests.push(fromPaxosEntry(entry));
      positions.push(i);
    } catch (error) {
      results[i] = { error };
    }
  });
  const answers = await acceptor.run(requests);
  answers.forEach((answer, j) => (results[positions[j]!] = answer));
  return { id: batch.id, results: results.map((r, i) => toPaxosEntryResult(entryKey(batch, i), r)) };
}

function entryKey(batch: PaxosBatch__Output, i: number): Buffer {
  const entry = batch.entries[i]!;
  return (entry.prepare ?? entry.accept)?.key ?? Buffer.alloc(0);
}
