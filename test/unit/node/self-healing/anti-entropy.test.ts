import assert from 'node:assert/strict';
import { Registry } from 'prom-client';
import type { Coordinator } from '../../../../src/client/coordinator.js';
import { logger } from '../../../../src/logger.js';
import { LocalReplica } from '../../../../src/node/local-replica.js';
import { LocalTransport } from '../../../../src/node/local-transport.js';
import { ReplicationMetrics } from '../../../../src/node/metrics/replication-metrics.js';
import { AntiEntropy } from '../../../../src/node/self-healing/anti-entropy.js';
import { bucketOf } from '../../../../src/node/self-healing/partition-digest.js';
import { RateLimiter } from '../../../../src/node/self-healing/rate-limiter.js';
import { partitionOf } from '../../../../src/placement/index.js';
import type { ApplyOutcome, PartitionRecord, ReplicaRecord } from '../../../../src/replica-types.js';
import { LevelStore } from '../../../../src/storage/level-store.js';
import { HybridClock } from '../../../../src/version.js';
import { FakeMembers, startCoordinator } from '../../../helpers/fake-replicas.js';
import { tempDir } from '../../../helpers/temp-dir.js';

const INDEX = 'i';
const PARTITIONS = 4;
const BUCKETS = 16;

/** A replica's transport that records what anti-entropy asked of it. */
class RecordingTransport extends LocalTransport {
  /** Bucket ids asked per partition, from every partitionScan. */
  readonly scanned = new Map<number, number[]>();
  /** Keys applied (UTF-8). */
  readonly applied: string[] = [];

  override partitionScan(partitions: readonly number[], timeoutMs: number, buckets?: { count: number; ids: readonly number[] }): AsyncIterable<PartitionRecord> {
    recordScan(this.scanned, partitions, buckets);
    return super.partitionScan(partitions, timeoutMs, buckets);
  }

  override apply(index: string, records: readonly ReplicaRecord[], timeoutMs?: number, hintFor?: string): Promise<ApplyOutcome[]> {
    this.applied.push(...records.map((r) => r.key.toString()));
    return super.apply(index, records, timeoutMs, hintFor);
  }
}

function recordScan(scanned: Map<number, number[]>, partitions: readonly number[], buckets?: { count: number; ids: readonly number[] }): void {
  assert.equal(buckets?.count, BUCKETS, 'anti-entropy scans buckets, never whole partitions');
  for (const p of partitions) scanned.set(p, [...(scanned.get(p) ?? []), ...buckets!.ids].sort((a, b) => a - b));
}

describe('node/self-healing/anti-entropy: replicas exchange exactly the buckets that differ (LevelDB stores)', function () {
  this.timeout(20_000);
  const clock = new HybridClock(9);
  const dirs: Awaited<ReturnType<typeof tempDir>>[] = [];
  let stores: LevelStore[];
  let mine: LocalReplica;
  let theirs: LocalReplica;
  let peer: RecordingTransport;
  let self: RecordingTransport;
  let coordinator: Coordinator;
  let antiEntropy: AntiEntropy;

  const record = (key: string, value: string, tombstone = false): ReplicaRecord => ({
    key: Buffer.from(key),
    value: tombstone ? Buffer.alloc(0) : Buffer.from(value),
    version: clock.now(),
    expiresAt: 0,
    tombstone,
  });

  beforeEach(async () => {
    stores = [];
    for (let i = 0; i < 2; i++) {
      const dir = await tempDir();
      dirs.push(dir);
      const store = new LevelStore({ dataDir: dir.path, partitions: PARTITIONS, sweepIntervalMs: 0 });
      await store.open();
      stores.push(store);
    }
    mine = new LocalReplica(stores[0]!, PARTITIONS, 1024);
    theirs = new LocalReplica(stores[1]!, PARTITIONS, 1024);
    self = new RecordingTransport(mine);
    peer = new RecordingTransport(theirs);
    // Two members, two replicas: both are home replicas of every partition.
    coordinator = await startCoordinator(new FakeMembers(['a', 'b']), (id) => (id === 'a' ? self : peer), { partitions: PARTITIONS, replicas: 2 });
    antiEntropy = new AntiEntropy(() => 'a', mine, coordinator, logger('test'), {
      intervalMs: 0,
      timeoutMs: 5000,
      rate: new RateLimiter(0),
      metrics: new ReplicationMetrics(new Registry()),
      buckets: BUCKETS,
    });
  });

  afterEach(async () => {
    await antiEntropy.stop();
    await coordinator.close();
    for (const store of stores) await store.close();
    for (const dir of dirs.splice(0)) await dir.cleanup();
  });

  it('streams the differing buckets both ways, newest version winning, and nothing once the replicas agree', async () => {
    const same = Array.from({ length: 200 }, (_, i) => record(`same-${i}`, 'v'));
    await mine.apply(INDEX, same);
    await theirs.apply(INDEX, same);
    // Keys whose copies differ, and which side must end up sending each.
    await mine.apply(INDEX, [record('only-mine', 'a')]);
    await theirs.apply(INDEX, [record('only-theirs', 'b')]);
    await theirs.apply(INDEX, [record('newer-mine', 'old')]);
    await mine.apply(INDEX, [record('newer-mine', 'new')]);
    await mine.apply(INDEX, [record('newer-theirs', 'old')]);
    await theirs.apply(INDEX, [record('newer-theirs', 'new')]);
    await mine.apply(INDEX, [record('deleted-there', 'live')]);
    await theirs.apply(INDEX, [record('deleted-there', '', true)]);
    const pushed = ['only-mine', 'newer-mine'];
    const pulled = ['only-theirs', 'newer-theirs', 'deleted-there'];
    self.applied.length = 0;
    peer.applied.length = 0;

    const localScans = new Map<number, number[]>();
    const localScan = mine.partitionScan.bind(mine);
    mine.partitionScan = (partitions, buckets) => {
      recordScan(localScans, partitions, buckets);
      return localScan(partitions, buckets);
    };

    const result = await antiEntropy.runNow();
    assert.deepEqual({ pulled: result.recordsPulled, pushed: result.recordsPushed }, { pulled: pulled.length, pushed: pushed.length });
    assert.deepEqual(peer.applied.sort(), [...pushed].sort(), 'the peer got exactly what it lacked or held older');
    assert.deepEqual(self.applied.sort(), [...pulled].sort(), 'and this node exactly what it lacked or held older');

    const expected = new Map<number, number[]>();
    for (const key of [...pushed, ...pulled]) {
      const p = partitionOf(INDEX, Buffer.from(key), PARTITIONS);
      const bucket = bucketOf(INDEX, Buffer.from(key), BUCKETS);
      expected.set(p, [...new Set([...(expected.get(p) ?? []), bucket])].sort((a, b) => a - b));
    }
    assert.deepEqual(peer.scanned, expected, 'the peer streamed the differing buckets only');
    assert.deepEqual(localScans, expected, 'and so did this node');

    for (let p = 0; p < PARTITIONS; p++) assert.deepEqual(await mine.digest(p, BUCKETS), await theirs.digest(p, BUCKETS), `partition ${p} agrees`);
    const [deleted] = await theirs.read(INDEX, [Buffer.from('deleted-there')]);
    const [mineDeleted] = await mine.read(INDEX, [Buffer.from('deleted-there')]);
    assert.equal(mineDeleted!.record!.tombstone, true, 'the newer tombstone won');
    assert.deepEqual(mineDeleted!.record!.version, deleted!.record!.version);

    peer.scanned.clear();
    const again = await antiEntropy.runNow();
    assert.deepEqual({ pulled: again.recordsPulled, pushed: again.recordsPushed, compared: again.partitionsCompared }, { pulled: 0, pushed: 0, compared: PARTITIONS });
    assert.equal(peer.scanned.size, 0, 'equal digests: nothing streamed');
  });
});
