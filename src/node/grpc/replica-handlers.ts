/**
 * gRPC handlers of the internal dstash.v1.Replica service: coordinators apply
 * and read versioned records on this node through them.
 */
import type { Record as WireRecord } from '../../protocol/generated/dstash/v1/Record.js';
import type { ReplicaServiceHandlers } from '../../protocol/replica-messages.js';
import { toServiceError } from '../../protocol/status.js';
import type { InfoResponse } from '../../protocol/generated/dstash/v1/InfoResponse.js';
import type { ReadOutcome, ReplicaRecord } from '../../replica-types.js';
import { serveBatchStream, streamInChunks, type BatchLimits } from './batch-stream.js';
import type { LocalReplica } from '../local-replica.js';
import { readInParts } from '../read-in-parts.js';

/** Records per ScanIndex response message. */
const SCAN_CHUNK = 256;

/** Builds the Replica service's handlers over `replica`; `info` describes the node. */
export function replicaHandlers(replica: LocalReplica, info: () => Promise<InfoResponse>, limits: BatchLimits): ReplicaServiceHandlers {
  return {
    // The batch streams arrive and leave in the replica's own shapes (the hand-written codec, replica-codec.ts).
    Apply(call) {
      serveBatchStream(call, async (batch) => ({ id: batch.id, results: await replica.apply(batch.index, batch.records, batch.hintFor || undefined) }), limits, (batch) => batch.records.length);
    },
    Read(call) {
      serveBatchStream(call, async (batch, writePart) => ({
        id: batch.id,
        results: await readInParts(batch.keys, (keys) => replica.read(batch.index, keys), storedBytes, limits.parts, (results) => writePart({ id: batch.id, results })),
      }), limits, (batch) => batch.keys.length);
    },
    ScanIndex(call) {
      const r = call.request;
      const records = (): AsyncIterable<ReplicaRecord> => replica.scan({ index: r.index, prefix: r.prefix, limit: r.limit, startAfter: r.startAfter, includeDead: true });
      void streamInChunks(call, records, (chunk) => ({ records: chunk.map(toWireRecord) }), SCAN_CHUNK);
    },
    PartitionScan(call) {
      const r = call.request;
      const buckets = r.buckets > 0 ? { count: r.buckets, ids: r.bucketIds } : undefined;
      void streamInChunks(call, () => replica.partitionScan(r.partitions, buckets), (chunk) => ({
        records: chunk.map((rec) => ({ partition: rec.partition, index: rec.index, record: toWireRecord(rec) })),
      }), SCAN_CHUNK);
    },
    Digest(call, callback) {
      replica.digest(call.request.partition, call.request.buckets).then((buckets) => callback(null, { buckets }), (err) => callback(toServiceError(err)));
    },
    Clock(_call, callback) {
      callback(null, { nowMs: Date.now() });
    },
    Info(_call, callback) {
      info().then((response) => callback(null, response), (err) => callback(toServiceError(err)));
    },
  };
}

function storedBytes(outcome: ReadOutcome): number {
  return outcome.record?.value.length ?? 0;
}

function toWireRecord(r: ReplicaRecord): WireRecord {
  return { key: r.key, value: r.value, version: r.version, expiresAtMs: r.expiresAt, tombstone: r.tombstone };
}
