import assert from 'node:assert/strict';
import { requiredReplicas, resolveCoordinatorOptions } from '../../../src/client/index.js';
import { Client, ErrorCode, type DstashError } from '../../../src/index.js';

const invalidOptions = (err: DstashError): boolean => err.code === ErrorCode.InvalidOptions;

describe('client options', () => {
  it('defaults to N=3, W=2, R=2 at QUORUM', () => {
    const o = resolveCoordinatorOptions();
    assert.deepEqual([o.replicas, o.writeQuorum, o.readQuorum, o.consistency], [3, 2, 2, 'QUORUM']);
  });

  it('takes a majority of a given N as the default quorums', () => {
    const o = resolveCoordinatorOptions({ replicas: 5 });
    assert.deepEqual([o.writeQuorum, o.readQuorum], [3, 3]);
  });

  it('rejects R or W larger than N, and nonsense values', () => {
    assert.throws(() => resolveCoordinatorOptions({ replicas: 3, writeQuorum: 4 }), invalidOptions);
    assert.throws(() => resolveCoordinatorOptions({ replicas: 3, readQuorum: 4 }), invalidOptions);
    assert.throws(() => resolveCoordinatorOptions({ replicas: 0 }), invalidOptions);
    assert.throws(() => resolveCoordinatorOptions({ timeoutMs: -1 }), invalidOptions);
    assert.throws(() => resolveCoordinatorOptions({ consistency: 'MOST' as never }), invalidOptions);
    assert.throws(() => resolveCoordinatorOptions({ partitions: 0 }), invalidOptions);
  });

  it('validates at construction, and asks for exactly one source of members', () => {
    assert.throws(() => new Client({ peers: ['127.0.0.1:1'], writeQuorum: 9 }), invalidOptions);
    assert.throws(() => new Client({}), invalidOptions);
    assert.throws(() => new Client({ peers: ['not a peer'] }), invalidOptions);
  });

  it('counts required replicas per consistency, capped by the replicas that exist', () => {
    assert.equal(requiredReplicas('ONE', 2, 3), 1);
    assert.equal(requiredReplicas('QUORUM', 2, 3), 2);
    assert.equal(requiredReplicas('ALL', 2, 3), 3);
    assert.equal(requiredReplicas('QUORUM', 2, 1), 1, 'a one-member cluster keeps one copy');
  });
});
