/**
 * A remote replica over gRPC: the dstash.v1.Replica service, with applies and
 * reads multiplexed on one bidirectional stream each.
 */
import * as grpc from '@grpc/grpc-js';
import { ReplicaService } from '../protocol/definitions.js';
import type { ApplyBatch } from '../protocol/generated/dstash/v1/ApplyBatch.js';
import type { ApplyBatchResult__Output } from '../protocol/generated/dstash/v1/ApplyBatchResult.js';
import type { ReadBatch } from '../protocol/generated/dstash/v1/ReadBatch.js';
import type { ReadBatchResult__Output } from '../protocol/generated/dstash/v1/ReadBatchResult.js';
import type { ReplicaClient } from '../protocol/generated/dstash/v1/Replica.js';
import type { ScanIndexResponse__Output } from '../protocol/generated/dstash/v1/ScanIndexResponse.js';
import type { ApplyOutcome, ReadOutcome, ReplicaRecord, ReplicaScanOptions, ReplicaTransport } from '../protocol/replica-types.js';
import { fromEntryStatus, fromServiceError } from '../protocol/status.js';
import { BatchStream } from './batch-stream.js';

/** Channel options: reconnect quickly to a node that comes back, and allow large messages. */
export function channelOptions(maxMessageBytes: number): grpc.ChannelOptions {
  return {
    'grpc.max_receive_message_length': maxMessageBytes,
    'grpc.max_send_message_length': maxMessageBytes,
    'grpc.initial_reconnect_backoff_ms': 100,
    'grpc.max_reconnect_backoff_ms': 2000,
    'grpc.keepalive_time_ms': 30_000,
    'grpc.keepalive_timeout_ms': 10_000,
  };
}

/** One remote replica. */
export class GrpcReplicaTransport implements ReplicaTransport {
  private readonly client: ReplicaClient;
  private readonly applies: BatchStream<ApplyBatch, ApplyBatchResult__Output>;
  private readonly reads: BatchStream<ReadBatch, ReadBatchResult__Output>;

  constructor(
    readonly address: string,
    credentials: grpc.ChannelCredentials,
    maxMessageBytes: number,
  ) {
    this.client = new ReplicaService(address, credentials, channelOptions(maxMessageBytes)) as unknown as ReplicaClient;
    this.applies = new BatchStream(() => this.client.Apply(), address);
    this.reads = new BatchStream(() => this.client.Read(), address);
  }

  /** Batch messages sent so far (applies and reads). */
  get messagesSent(): number {
    return this.applies.messagesSent + this.reads.messagesSent;
  }

  async apply(index: string, records: readonly ReplicaRecord[], timeoutMs: number): Promise<ApplyOutcome[]> {
    const wire = records.map((r) => ({ key: r.key, value: r.value, version: r.version, expiresAtMs: r.expiresAt, tombstone: r.tombstone }));
    const res = await this.applies.send({ index, records: wire }, timeoutMs);
    return res.results.map((r) => {
      const error = fromEntryStatus(r.status);
      return error ? { error, applied: false } : { applied: r.applied };
    });
  }

  async read(index: string, keys: readonly Buffer[], timeoutMs: number): Promise<ReadOutcome[]> {
    const res = await this.reads.send({ index, keys: keys as Buffer[] }, timeoutMs);
    return res.results.map((r) => {
      const error = fromEntryStatus(r.status);
      if (error) return { error };
      if (!r.found || !r.record) return {};
      const rec = r.record;
      return { record: { value: rec.value, version: rec.version, expiresAt: rec.expiresAtMs, tombstone: rec.tombstone } };
    });
  }

  async *scan(options: ReplicaScanOptions, timeoutMs: number): AsyncIterable<ReplicaRecord> {
    const call = this.client.ScanIndex(options, { deadline: Date.now() + timeoutMs });
    try {
      for await (const message of call as AsyncIterable<ScanIndexResponse__Output>) {
        for (const r of message.records) {
          yield { key: r.key, value: r.value, version: r.version, expiresAt: r.expiresAtMs, tombstone: r.tombstone };
        }
      }
    } catch (err) {
      throw fromServiceError(err, this.address);
    } finally {
      call.cancel();
    }
  }

  close(): void {
    this.applies.close();
    this.reads.close();
    this.client.close();
  }
}
