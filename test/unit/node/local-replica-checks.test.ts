import assert from 'node:assert/strict';
import { ErrorCode, type DstashError } from '../../../src/errors.js';
import { LocalReplica } from '../../../src/node/local-replica.js';
import type { ReplicaRecord } from '../../../src/replica-types.js';
import { MAX_TIME_MS } from '../../../src/storage/key-layout.js';
import { MemoryStore } from '../../../src/storage/memory-store.js';
import { HybridClock } from '../../../src/version.js';

describe('local replica: the checks of what a peer sends', () => {
  const clock = new HybridClock(4);
  const record = (key: string, changes: Partial<ReplicaRecord> = {}): ReplicaRecord => ({
    key: Buffer.from(key), value: Buffer.from('v'), version: clock.now(), expiresAt: 0, tombstone: false, ...changes,
  });
  let replica: LocalReplica;

  beforeEach(async () => {
    const store = new MemoryStore({ partitions: 16 });
    await store.open();
    replica = new LocalReplica(store, 16, 8);
  });

  it('fails each bad record alone, with the code a front door would answer, and writes the good ones', async () => {
    const outcomes = await replica.apply('i', [
      record('ok'),
      record(''),
      record('k'.repeat(4097)),
      record('big', { value: Buffer.alloc(9) }),
      record('short-version', { version: Buffer.from('short') }),
      record('negative-expiry', { expiresAt: -1 }),
      // Past the store's 6-byte expiry field: the record codec would refuse it and fail the whole message.
      record('far-expiry', { expiresAt: MAX_TIME_MS + 1 }),
      record('also-ok', { expiresAt: MAX_TIME_MS }),
    ]);
    assert.deepEqual(outcomes.map((o) => o.error?.code ?? (o.applied ? 'applied' : 'not applied')), [
      'applied',
      ErrorCode.InvalidKey,
      ErrorCode.InvalidKey,
      ErrorCode.InvalidValue,
      ErrorCode.InvalidArgument,
      ErrorCode.InvalidArgument,
      ErrorCode.InvalidArgument,
      'applied',
    ]);
    const reads = await replica.read('i', [Buffer.from('ok'), Buffer.from('far-expiry'), Buffer.from('also-ok')]);
    assert.deepEqual(reads.map((r) => r.record !== undefined), [true, false, true]);
  });

  it('fails every record of a message with a bad index', async () => {
    const outcomes = await replica.apply('bad index', [record('a'), record('b')]);
    assert.deepEqual(outcomes.map((o) => o.error?.code), [ErrorCode.InvalidIndex, ErrorCode.InvalidIndex]);
  });

  it('refuses partitions outside the cluster\'s in digests and partition scans', async () => {
    const isInvalid = (err: DstashError): boolean => err.code === ErrorCode.InvalidArgument;
    await assert.rejects(replica.digest(16, 8), isInvalid);
    await assert.rejects(replica.digest(1.5, 8), isInvalid);
    const scan = async (): Promise<void> => {
      for await (const _ of replica.partitionScan([0, -1])) void _;
    };
    await assert.rejects(scan(), isInvalid);
  });
});
