import assert from 'node:assert/strict';
import * as grpc from '@grpc/grpc-js';
import { ClockSkewError, ErrorCode, hasCode } from '../../../src/errors.js';
import { LocalReplica } from '../../../src/node/local-replica.js';
import { ALWAYS_WRITABLE } from '../../../src/node/store-health.js';
import { VersionBound } from '../../../src/node/version-bound.js';
import { fromEntryStatus, fromServiceError, toEntryStatus, toServiceError } from '../../../src/protocol/status.js';
import { MemoryStore } from '../../../src/storage/memory-store.js';
import { encodeVersion } from '../../../src/version.js';

describe('replica: versions ahead of its clock', () => {
  const now = 1_700_000_000_000;
  const record = (key: string, wallMs: number) => ({ key: Buffer.from(key), value: Buffer.from('v'), version: encodeVersion(wallMs, 0, 0x1234), expiresAt: 0, tombstone: false });

  it('refuses a version more than the maximum offset ahead with DSTASH_CLOCK_SKEW naming the writer and the offset, and takes the rest', async () => {
    const store = new MemoryStore();
    await store.open();
    const bound = new VersionBound(500, () => now);
    const replica = new LocalReplica(store, 16, 1024, () => false, () => undefined, ALWAYS_WRITABLE, bound);
    const outcomes = await replica.apply('default', [record('ahead', now + 3_600_000), record('near', now + 400), record('behind', now - 3_600_000)]);
    assert.equal(outcomes[0]!.error?.code, ErrorCode.ClockSkew);
    assert.equal(outcomes[0]!.applied, false);
    assert.match(outcomes[0]!.error!.message, /writer 00001234 is \+3600000 ms off/);
    assert.deepEqual(outcomes.slice(1).map((o) => [o.error, o.applied]), [[undefined, true], [undefined, true]]);
    assert.equal(bound.refused, 1);
    const [read] = await replica.read('default', [Buffer.from('ahead')]);
    assert.equal(read!.record, undefined, 'the refused version was not stored');
  });

  it('travels over gRPC as FAILED_PRECONDITION with its code, both ways', () => {
    const err = new ClockSkewError('writer 00001234', 3_600_000, 500, 'version refused');
    const wire = toServiceError(err);
    assert.equal(wire.code, grpc.status.FAILED_PRECONDITION);
    assert.ok(hasCode(fromServiceError(wire), ErrorCode.ClockSkew));
    const status = toEntryStatus(err);
    assert.equal(status.code, grpc.status.FAILED_PRECONDITION);
    assert.equal(fromEntryStatus(status)?.code, ErrorCode.ClockSkew);
  });
});
