import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import type { Coordinator } from '../../../../src/client/coordinator.js';
import { logger } from '../../../../src/logger.js';
import { ReplicationMetrics } from '../../../../src/node/metrics/replication-metrics.js';
import { HintedHandoff } from '../../../../src/node/self-healing/hinted-handoff.js';
import { RateLimiter } from '../../../../src/node/self-healing/rate-limiter.js';
import { partitionOf } from '../../../../src/placement/index.js';
import { LevelStore } from '../../../../src/storage/level-store.js';
import type { KeyedRecord } from '../../../../src/storage/store.js';
import { HybridClock } from '../../../../src/version.js';
import { FakeMembers, FakeReplica, startCoordinator } from '../../../helpers/fake-replicas.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const INDEX = 'i';
const PARTITIONS = 16;
const KEYS = ['a', 'b', 'c'];

describe('node/self-healing/hinted-handoff: hints go home once their replica is healthy (LevelDB store, fake target)', function () {
  this.timeout(10_000);
  const clock = new HybridClock(5);
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let store: LevelStore;
  let members: FakeMembers;
  let target: FakeReplica;
  let coordinator: Coordinator;
  let handoff: HintedHandoff;

  const record = (key: string, value: string): KeyedRecord => ({
    partition: partitionOf(INDEX, Buffer.from(key), PARTITIONS),
    index: INDEX,
    key: Buffer.from(key),
    value: Buffer.from(value),
    version: clock.now(),
    expiresAt: 0,
    tombstone: false,
  });

  beforeEach(async () => {
    dir = await tempDir();
    store = new LevelStore({ dataDir: dir.path, partitions: PARTITIONS, sweepIntervalMs: 0 });
    await store.open();
    members = new FakeMembers(['self', 'target']);
    target = new FakeReplica('target');
    const self = new FakeReplica('self');
    coordinator = await startCoordinator(members, (id) => (id === 'target' ? target : self), { partitions: PARTITIONS, replicas: 2 });
    handoff = new HintedHandoff(store, coordinator, logger('test'), { intervalMs: 0, timeoutMs: 5000, rate: new RateLimiter(0), metrics: new ReplicationMetrics(new Registry()) });
    // This node stood in for `target`: it holds the records and a hint for each.
    const records = KEYS.map((k) => record(k, `first ${k}`));
    await store.apply(records);
    await store.addHints('target', records);
  });

  afterEach(async () => {
    await handoff.stop();
    await coordinator.close();
    await store.close();
    await dir.cleanup();
  });

  it('keeps the hints while the target is unhealthy, then delivers the newest stored version of each', async () => {
    members.setHealthy('target', false);
    await handoff.deliverNow();
    assert.deepEqual(target.applies, [], 'nothing is sent to an unhealthy replica');
    assert.equal(handoff.pending(), KEYS.length);

    const update = record('b', 'second b');
    await store.apply([update]);
    members.setHealthy('target', true);
    await handoff.deliverNow();
    assert.deepEqual(KEYS.map((k) => target.stored(INDEX, k)?.value.toString()), ['first a', 'second b', 'first c']);
    assert.deepEqual(target.stored(INDEX, 'b')?.version, update.version);
    assert.equal(handoff.pending(), 0, 'delivered hints are dropped');
    assert.equal(handoff.delivered, KEYS.length);
  });

  it('keeps the hints when the target cannot be reached, and delivers them on a later round', async () => {
    target.down = true;
    await handoff.deliverNow();
    assert.equal(handoff.pending(), KEYS.length);
    assert.equal(handoff.delivered, 0);
    target.down = false;
    await handoff.deliverNow();
    assert.equal(handoff.pending(), 0);
    assert.deepEqual(KEYS.map((k) => target.stored(INDEX, k)?.value.toString()), ['first a', 'first b', 'first c']);
  });

  it('keeps the hints when the target answers with an error', async () => {
    target.refuse = 'everything';
    await handoff.deliverNow();
    assert.equal(target.applies.length, 1, 'delivery was tried');
    assert.equal(handoff.pending(), KEYS.length, 'a record the target did not acknowledge keeps its hint');
    assert.equal(handoff.delivered, 0);
  });

  it('drops the hints of a node that left the cluster without sending them', async () => {
    members.remove('target');
    await handoff.deliverNow();
    assert.equal(handoff.pending(), 0);
    assert.deepEqual(target.applies, []);
  });
});
