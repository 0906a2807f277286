import assert from 'node:assert/strict';
import type { CoordinatorOptions } from '../../../src/client/client-options.js';
import type { Coordinator } from '../../../src/client/coordinator.js';
import { ErrorCode, ReadQuorumError } from '../../../src/errors.js';
import type { ReplicaValue } from '../../../src/replica-types.js';
import { HybridClock } from '../../../src/version.js';
import { FakeMembers, FakeReplica, readOrderOf, startCoordinator } from '../../helpers/fake-replicas.js';

const INDEX = 'i';

describe('client/read-round: a batched read settled at quorum, with read repair (fake replicas)', function () {
  this.timeout(10_000);
  const clock = new HybridClock(7);
  let replicas: Map<string, FakeReplica>;
  let coordinator: Coordinator;

  async function cluster(options: Partial<CoordinatorOptions> = {}): Promise<void> {
    const ids = ['n1', 'n2', 'n3'];
    replicas = new Map(ids.map((id) => [id, new FakeReplica(id)]));
    coordinator = await startCoordinator(new FakeMembers(ids), (id) => replicas.get(id)!, { replicas: 3, writeQuorum: 2, readQuorum: 2, ...options });
  }

  const replica = (id: string): FakeReplica => replicas.get(id)!;
  const value = (text: string): ReplicaValue => ({ value: Buffer.from(text), version: clock.now(), expiresAt: 0, tombstone: false });
  const tombstone = (): ReplicaValue => ({ value: Buffer.alloc(0), version: clock.now(), expiresAt: 0, tombstone: true });
  const lookup = (keys: string[]) => coordinator.lookupMany(INDEX, keys.map((k) => Buffer.from(k)));
  /** Whom a read of `key` asks first, second, and only when one of them fails or is slow. */
  const order = (key: string): [string, string, string] => readOrderOf(coordinator, INDEX, key) as [string, string, string];

  afterEach(async () => {
    for (const r of replicas.values()) r.release();
    await coordinator.close();
  });

  it('answers at R while a slow replica has not answered, by asking the next one', async () => {
    await cluster();
    const [first, slow, next] = order('k');
    const v = value('v');
    for (const id of [first, slow, next]) replica(id).seed(INDEX, 'k', v);
    replica(slow).hold();
    const [outcome] = await lookup(['k']);
    assert.equal(outcome!.found, true);
    assert.equal(outcome!.value!.toString(), 'v');
    assert.equal(replica(slow).parked, 1, 'answered while the slow replica still works');
    assert.deepEqual(replica(next).reads, [['k']], 'the next replica was asked in its place');
    assert.equal(coordinator.stats.speculativeReads, 1);
  });

  it('asks the next replica in read order in place of one that fails', async () => {
    await cluster({ speculativeRetry: false });
    const [failing, second, next] = order('k');
    for (const id of [second, next]) replica(id).seed(INDEX, 'k', value('v'));
    replica(failing).down = true;
    const [outcome] = await lookup(['k']);
    assert.equal(outcome!.error, undefined);
    assert.equal(outcome!.found, true);
    assert.deepEqual(replica(next).reads, [['k']]);
  });

  it('asks only R replicas when they answer', async () => {
    await cluster({ speculativeRetry: false });
    const [, , third] = order('k');
    const [outcome] = await lookup(['k']);
    assert.equal(outcome!.found, false);
    assert.equal(outcome!.error, undefined, 'a missing key is an answer, not an error');
    assert.deepEqual(replica(third).reads, []);
  });

  it('fails below R with an error naming the replica that answered and those that failed', async () => {
    await cluster({ speculativeRetry: false });
    const [a, b, answering] = order('k');
    replica(a).down = true;
    replica(b).down = true;
    const [outcome] = await lookup(['k']);
    const error = outcome!.error as ReadQuorumError;
    assert.equal(error.code, ErrorCode.ReadQuorum);
    assert.equal(error.required, 2);
    const replies = Object.fromEntries(error.replies.map((r) => [r.nodeId, r.ok]));
    assert.deepEqual(replies, { [a]: false, [b]: false, [answering]: true });
    assert.match(error.message, new RegExp(`answered: ${answering};`));
    assert.equal(coordinator.stats.readQuorumFailures, 1);
  });

  it('answers the newest version and repairs the replicas that answered an older one or none', async () => {
    await cluster({ speculativeRetry: false });
    const [stale, fresh, unasked] = order('k');
    replica(stale).seed(INDEX, 'k', value('old'));
    const newest = value('new');
    replica(fresh).seed(INDEX, 'k', newest);
    replica(unasked).seed(INDEX, 'k', value('newer, but not asked'));
    // Another key in the same batch, missing on the stale replica: read order is per partition, so find one with the same order.
    const other = Array.from({ length: 100 }, (_, i) => `other-${i}`).find((k) => order(k).join() === [stale, fresh, unasked].join())!;
    replica(fresh).seed(INDEX, other, value('only here'));

    const outcomes = await lookup(['k', other]);
    assert.equal(outcomes[0]!.value!.toString(), 'new');
    assert.deepEqual(outcomes[0]!.version, newest.version);
    assert.equal(outcomes[1]!.value!.toString(), 'only here');
    await coordinator.close();
    assert.deepEqual(replica(stale).stored(INDEX, 'k')?.version, newest.version, 'the stale replica was repaired');
    assert.equal(replica(stale).stored(INDEX, other)?.value.toString(), 'only here', 'and so was the one that had nothing');
    assert.equal(coordinator.stats.readRepairs, 2);
    assert.deepEqual(replica(fresh).applies, [], 'the replica with the newest version is left alone');
    assert.deepEqual(replica(unasked).applies, [], 'a replica that was not asked is not repaired by the read');
  });

  it('lets a newer tombstone hide an older value, and repairs it like a value', async () => {
    await cluster({ speculativeRetry: false });
    const [holder, deleter] = order('k');
    replica(holder).seed(INDEX, 'k', value('deleted later'));
    const deletion = tombstone();
    replica(deleter).seed(INDEX, 'k', deletion);
    const [outcome] = await lookup(['k']);
    assert.equal(outcome!.found, false);
    assert.equal(outcome!.error, undefined);
    await coordinator.close();
    assert.equal(replica(holder).stored(INDEX, 'k')?.tombstone, true);
    assert.deepEqual(replica(holder).stored(INDEX, 'k')?.version, deletion.version);
  });

  it('lets a newer value win over an older tombstone', async () => {
    await cluster({ speculativeRetry: false });
    const [deleter, writer] = order('k');
    replica(deleter).seed(INDEX, 'k', tombstone());
    replica(writer).seed(INDEX, 'k', value('written again'));
    const [outcome] = await lookup(['k']);
    assert.equal(outcome!.found, true);
    assert.equal(outcome!.value!.toString(), 'written again');
  });
});
