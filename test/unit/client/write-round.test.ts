import assert from 'node:assert/strict';
import type { Coordinator } from '../../../src/client/coordinator.js';
import type { WriteOutcome } from '../../../src/client/coordinator-types.js';
import { ErrorCode, WriteQuorumError } from '../../../src/errors.js';
import { FakeMembers, FakeReplica, homesOf, readOrderOf, startCoordinator } from '../../helpers/fake-replicas.js';
import { waitFor } from '../../helpers/wait.js';

const INDEX = 'i';

describe('client/write-round: a batched write settled at quorum (fake replicas)', function () {
  this.timeout(10_000);
  let replicas: Map<string, FakeReplica>;
  let coordinator: Coordinator;

  async function cluster(size: number): Promise<void> {
    const ids = Array.from({ length: size }, (_, i) => `n${i + 1}`);
    replicas = new Map(ids.map((id) => [id, new FakeReplica(id)]));
    coordinator = await startCoordinator(new FakeMembers(ids), (id) => replicas.get(id)!, { replicas: 3, writeQuorum: 2, readQuorum: 2 });
  }

  const replica = (id: string): FakeReplica => replicas.get(id)!;
  const put = (keys: string[], consistency?: 'ONE' | 'QUORUM' | 'ALL'): Promise<WriteOutcome[]> =>
    coordinator.putMany(INDEX, keys.map((k) => ({ key: Buffer.from(k), value: Buffer.from(`value of ${k}`), ttlMs: 0 })), consistency);
  /** The keys each replica was asked to keep hints of for `target`. */
  const hintedFor = (holder: string, target: string): string[] =>
    replica(holder).applies.filter((a) => a.hintFor === target).flatMap((a) => a.keys);

  afterEach(async () => {
    for (const r of replicas.values()) r.release();
    await coordinator.close();
  });

  it('answers at W while a slow replica still works, and the slow one gets the write all the same', async () => {
    await cluster(3);
    const [first, second, slow] = homesOf(coordinator, INDEX, 'k');
    replica(slow!).hold();
    const [outcome] = await put(['k']);
    assert.equal(outcome!.error, undefined);
    assert.equal(replica(slow!).parked, 1, 'the caller was answered while the slow replica had not answered');
    for (const id of [first!, second!]) assert.deepEqual(replica(id).stored(INDEX, 'k')?.version, outcome!.version);
    replica(slow!).release();
    await coordinator.close();
    assert.deepEqual(replica(slow!).stored(INDEX, 'k')?.version, outcome!.version);
    assert.equal(coordinator.stats.hintsWritten, 0, 'every home replica acknowledged: no hint');
  });

  it('waits for every home replica at ALL', async () => {
    await cluster(3);
    const homes = homesOf(coordinator, INDEX, 'k');
    replica(homes[2]!).hold();
    let answered = false;
    const writing = put(['k'], 'ALL').then((outcomes) => {
      answered = true;
      return outcomes;
    });
    await waitFor(() => replica(homes[0]!).stored(INDEX, 'k') && replica(homes[1]!).stored(INDEX, 'k') && replica(homes[2]!).parked === 1, 'two acknowledgements');
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(answered, false, 'two of three acknowledgements do not make ALL');
    replica(homes[2]!).release();
    const [outcome] = await writing;
    assert.equal(outcome!.error, undefined);
  });

  it('sends the records of a home replica that fails to a stand-in, which keeps a hint for it', async () => {
    await cluster(4);
    const key = 'k';
    const [, failing] = homesOf(coordinator, INDEX, key);
    const standIn = readOrderOf(coordinator, INDEX, key)[3]!;
    replica(failing!).down = true;
    const [outcome] = await put([key]);
    assert.equal(outcome!.error, undefined);
    await coordinator.close();
    assert.deepEqual(hintedFor(standIn, failing!), [key], 'the stand-in was told whom it keeps the record for');
    assert.ok(replica(standIn).stored(INDEX, key));
    assert.equal(coordinator.stats.hintsWritten, 0, 'the stand-in\'s hint covers the miss: no second hint');
  });

  it('does not count a stand-in towards ALL', async () => {
    await cluster(4);
    const [, failing] = homesOf(coordinator, INDEX, 'k');
    replica(failing!).down = true;
    const [outcome] = await put(['k'], 'ALL');
    assert.equal(outcome!.error?.code, ErrorCode.WriteQuorum);
  });

  it('fails below W with an error naming the replicas that answered and those that failed; the one that wrote keeps it', async () => {
    await cluster(3);
    const [up, ...down] = homesOf(coordinator, INDEX, 'k');
    for (const id of down) replica(id).down = true;
    const [outcome] = await put(['k']);
    const error = outcome!.error as WriteQuorumError;
    assert.equal(error.code, ErrorCode.WriteQuorum);
    assert.equal(error.required, 2);
    const replies = [...error.replies].sort((a, b) => a.nodeId.localeCompare(b.nodeId));
    assert.deepEqual(replies.map((r) => [r.nodeId, r.ok]), [...homesOf(coordinator, INDEX, 'k')].sort().map((id) => [id, id === up]));
    assert.match(error.message, new RegExp(`acknowledged by: ${up}`));
    assert.ok(replica(up!).stored(INDEX, 'k'), 'the replica that wrote keeps the write');
    await coordinator.close();
    assert.deepEqual(down.map((id) => hintedFor(up!, id)), [['k'], ['k']], 'and keeps a hint for each home replica that missed it');
  });

  it('at exactly N members, leaves a hint for every write a home replica missed, on a replica that acknowledged it', async () => {
    await cluster(3);
    replica('n3').down = true;
    const keys = Array.from({ length: 50 }, (_, i) => `key-${i}`);
    const outcomes = await put(keys);
    assert.ok(outcomes.every((o) => !o.error));
    await coordinator.close();
    assert.equal(coordinator.stats.hintsWritten, keys.length);
    assert.deepEqual([...hintedFor('n1', 'n3'), ...hintedFor('n2', 'n3')].sort(), [...keys].sort());
    const hintMessages = ['n1', 'n2'].flatMap((id) => replica(id).applies.filter((a) => a.hintFor !== undefined));
    assert.ok(hintMessages.length <= 2, `hints travel in one message per holder, not ${hintMessages.length}`);
  });

  it('leaves the hint on the next replica that acknowledged when the first cannot keep it', async () => {
    await cluster(3);
    replica('n3').down = true;
    replica('n1').refuse = 'hints';
    const keys = Array.from({ length: 20 }, (_, i) => `key-${i}`);
    // n1 acknowledges first, so it is the first asked to keep each hint.
    replica('n2').hold();
    const writing = put(keys);
    await waitFor(() => replica('n1').applies.length === 1, 'n1 to acknowledge');
    replica('n2').release();
    await writing;
    await coordinator.close();
    assert.deepEqual(hintedFor('n1', 'n3').sort(), [...keys].sort(), 'n1 was asked first');
    assert.deepEqual(hintedFor('n2', 'n3').sort(), [...keys].sort(), 'and n2 kept them');
    assert.equal(coordinator.stats.hintsWritten, keys.length);
    assert.equal(coordinator.stats.hintsFailed, 0);
  });

  it('counts the misses no replica could keep a hint for', async () => {
    await cluster(3);
    replica('n3').down = true;
    replica('n1').refuse = 'hints';
    replica('n2').refuse = 'hints';
    await put(['a', 'b']);
    await coordinator.close();
    assert.equal(coordinator.stats.hintsWritten, 0);
    assert.equal(coordinator.stats.hintsFailed, 2);
  });
});
