/**
 * gRPC handlers of the public dstash.v1.KV service. The node coordinates each
 * request with the SDK's coordinator: messages become its batched calls and
 * its per-entry outcomes become messages; unary calls are batches of one, so
 * both paths share every rule.
 */
import type * as grpc from '@grpc/grpc-js';
import { ErrorCode, InvalidArgumentError } from '../../errors.js';
import type { Consistency__Output } from '../../protocol/generated/dstash/v1/Consistency.js';
import type { KVHandlers } from '../../protocol/generated/dstash/v1/KV.js';
import type { KvServiceHandlers } from '../../protocol/kv-messages.js';
import type { LookupResult } from '../../protocol/generated/dstash/v1/LookupResult.js';
import type { ScanEntry } from '../../protocol/generated/dstash/v1/ScanEntry.js';
import { OK_STATUS, toEntryStatus, toServiceError } from '../../protocol/status.js';
import { serveBatchStream, streamInChunks, type BatchLimits } from './batch-stream.js';
import { lookupBytes, readInParts } from '../read-in-parts.js';
import type { Consistency, KvCoordinator, LookupOutcome, ScanItem } from '../../client/index.js';

/** Entries per Scan response message. */
const SCAN_CHUNK = 256;
const EMPTY = Buffer.alloc(0);

/** Maps the wire enum to a consistency level (undefined = the coordinator's default). */
export function consistencyOf(c: Consistency__Output | number | undefined): Consistency | undefined {
  switch (c) {
    case 'CONSISTENCY_ONE':
      return 'ONE';
    case 'CONSISTENCY_QUORUM':
      return 'QUORUM';
    case 'CONSISTENCY_ALL':
      return 'ALL';
    default:
      return undefined;
  }
}

function lookupResult(o: LookupOutcome): LookupResult {
  if (o.error) return { status: toEntryStatus(o.error), found: false };
  if (!o.found) return { status: OK_STATUS, found: false };
  return { status: OK_STATUS, found: true, value: o.value ?? EMPTY, version: o.version ?? EMPTY, expiresAtMs: o.expiresAt ?? 0 };
}

/** Builds the KV service's handlers over `coordinator`. */
export function kvHandlers(coordinator: KvCoordinator, limits: BatchLimits): KvServiceHandlers {
  return {
    Put(call, callback) {
      const r = call.request;
      coordinator.putMany(r.index, [r], consistencyOf(r.consistency)).then(
        ([o]) => (o!.error ? callback(toServiceError(o!.error)) : callback(null, { version: o!.version ?? EMPTY })),
        (err) => callback(toServiceError(err)),
      );
    },
    Lookup(call, callback) {
      const r = call.request;
      coordinator.lookupMany(r.index, [r.key], consistencyOf(r.consistency)).then(([o]) => {
        if (o!.error) return callback(toServiceError(o!.error));
        const { found, value, version, expiresAtMs } = lookupResult(o!);
        callback(null, { found, value, version, expiresAtMs });
      }, (err) => callback(toServiceError(err)));
    },
    Delete(call, callback) {
      const r = call.request;
      coordinator.deleteMany(r.index, [r.key], consistencyOf(r.consistency)).then(
        ([o]) => (o!.error ? callback(toServiceError(o!.error)) : callback(null, { version: o!.version ?? EMPTY })),
        (err) => callback(toServiceError(err)),
      );
    },
    // The batch streams arrive and leave in the coordinator's own shapes (the hand-written codec, kv-codec.ts).
    PutStream(call) {
      serveBatchStream(call, async (batch) => ({
        id: batch.id,
        results: await coordinator.putMany(batch.index, batch.entries, consistencyOf(batch.consistency)),
      }), limits, (batch) => batch.entries.length);
    },
    LookupStream(call) {
      serveBatchStream(call, async (batch, writePart) => ({
        id: batch.id,
        results: await readInParts(batch.keys, (keys) => coordinator.lookupMany(batch.index, keys, consistencyOf(batch.consistency)), lookupBytes, limits.parts, (results) => writePart({ id: batch.id, results })),
      }), limits, (batch) => batch.keys.length);
    },
    DeleteStream(call) {
      serveBatchStream(call, async (batch) => ({
        id: batch.id,
        results: await coordinator.deleteMany(batch.index, batch.keys, consistencyOf(batch.consistency)),
      }), limits, (batch) => batch.keys.length);
    },
    Scan(call) {
      void streamScan(call, coordinator);
    },
  };
}

async function streamScan(
  call: grpc.ServerWritableStream<Parameters<KVHandlers['Scan']>[0]['request'], { entries: ScanEntry[] }>,
  coordinator: KvCoordinator,
): Promise<void> {
  const r = call.request;
  const items = (): AsyncIterable<ScanItem> => {
    if (!Number.isInteger(r.limit) || r.limit < 0) throw new InvalidArgumentError(ErrorCode.InvalidArgument, `invalid limit ${r.limit}`);
    return coordinator.scan({ index: r.index, prefix: r.prefix, limit: r.limit, startAfter: r.startAfter, consistency: consistencyOf(r.consistency) });
  };
  await streamInChunks(call, items, (chunk) => ({
    entries: chunk.map((item) => ({ key: item.key, value: item.value, version: item.version, expiresAtMs: item.expiresAt })),
  }), SCAN_CHUNK);
}
