/**
 * gRPC handlers of the internal dstash.v1.Replica service: coordinators apply
 * and read versioned records on this node through them.
 */
import type { ReplicaHandlers } from '../protocol/generated/dstash/v1/Replica.js';
import type { Record as WireRecord } from '../protocol/generated/dstash/v1/Record.js';
import { OK_STATUS, toEntryStatus, toServiceError } from '../protocol/status.js';
import type { InfoResponse } from '../protocol/generated/dstash/v1/InfoResponse.js';
import { drained, serveBatchStream } from './batch-stream.js';
import type { LocalReplica } from './local-replica.js';

/** Records per ScanIndex response message. */
const SCAN_CHUNK = 256;

/** Builds the Replica service's handlers over `replica`; `info` describes the node. */
export function replicaHandlers(replica: LocalReplica, info: () => Promise<InfoResponse>, maxInFlightBatches: number): ReplicaHandlers {
  return {
    Apply(call) {
      serveBatchStream(call, async (batch) => {
        const records = batch.records.map((r) => ({ key: r.key, value: r.value, version: r.version, expiresAt: r.expiresAtMs, tombstone: r.tombstone }));
        const outcomes = await replica.apply(batch.index, records);
        return {
          id: batch.id,
          results: outcomes.map((o) => (o.error ? { status: toEntryStatus(o.error), applied: false } : { status: OK_STATUS, applied: o.applied })),
        };
      }, maxInFlightBatches);
    },
    Read(call) {
      serveBatchStream(call, async (batch) => {
        const outcomes = await replica.read(batch.index, batch.keys);
        return {
          id: batch.id,
          results: outcomes.map((o) => {
            if (o.error) return { status: toEntryStatus(o.error), found: false };
            if (!o.record) return { status: OK_STATUS, found: false };
            const r = o.record;
            return { status: OK_STATUS, found: true, record: { value: r.value, version: r.version, expiresAtMs: r.expiresAt, tombstone: r.tombstone } };
          }),
        };
      }, maxInFlightBatches);
    },
    ScanIndex(call) {
      void (async () => {
        try {
          const r = call.request;
          let chunk: WireRecord[] = [];
          for await (const rec of replica.scan({ index: r.index, prefix: r.prefix, limit: r.limit, startAfter: r.startAfter, includeDead: true })) {
            if (call.cancelled) return;
            chunk.push({ key: rec.key, value: rec.value, version: rec.version, expiresAtMs: rec.expiresAt, tombstone: rec.tombstone });
            if (chunk.length >= SCAN_CHUNK) {
              const more = call.write({ records: chunk });
              chunk = [];
              if (!more) await drained(call);
            }
          }
          if (chunk.length > 0) call.write({ records: chunk });
          call.end();
        } catch (err) {
          call.emit('error', toServiceError(err));
        }
      })();
    },
    Info(_call, callback) {
      info().then((response) => callback(null, response), (err) => callback(toServiceError(err)));
    },
  };
}
