/**
 * This node as seen by its own coordinator: the local replica, in-process,
 * behind the same transport interface as a remote replica over gRPC.
 */
import type { ApplyOutcome, PartitionRecord, ReadOutcome, ReplicaRecord, ReplicaScanOptions, ReplicaTransport } from '../replica-types.js';
import type { LocalReplica } from './local-replica.js';

/** A {@link ReplicaTransport} over the local replica. */
export class LocalTransport implements ReplicaTransport {
  constructor(private readonly replica: LocalReplica) {}

  apply(index: string, records: readonly ReplicaRecord[], _timeoutMs?: number, hintFor?: string): Promise<ApplyOutcome[]> {
    return this.replica.apply(index, records, hintFor);
  }

  read(index: string, keys: readonly Buffer[]): Promise<ReadOutcome[]> {
    return this.replica.read(index, keys);
  }

  scan(options: ReplicaScanOptions): AsyncIterable<ReplicaRecord> {
    return this.replica.scan({ ...options, includeDead: true });
  }

  partitionScan(partitions: readonly number[], _timeoutMs: number, buckets?: { count: number; ids: readonly number[] }): AsyncIterable<PartitionRecord> {
    return this.replica.partitionScan(partitions, buckets);
  }

  digest(partition: number, buckets: number): Promise<Buffer[]> {
    return this.replica.digest(partition, buckets);
  }

  truncate(index: string, version: Buffer): Promise<boolean> {
    return this.replica.truncate(index, version);
  }

  clock(): Promise<number> {
    return Promise.resolve(Date.now());
  }

  close(): void {
    // The node owns the store; nothing to release here.
  }
}
