import assert from 'node:assert/strict';
import { LocalReplica } from '../../../src/node/local-replica.js';
import { MemoryStore } from '../../../src/storage/memory-store.js';
import { HybridClock } from '../../../src/version.js';

describe('local replica: hints', () => {
  const clock = new HybridClock(3);
  const record = (key: string) => ({ key: Buffer.from(key), value: Buffer.from('v'), version: clock.now(), expiresAt: 0, tombstone: false });

  it('keeps a hint per record written as a stand-in, and reports the ones dropped when the hint store is full', async () => {
    const store = new MemoryStore({ maxHints: 3 });
    await store.open();
    const dropped: [string, number][] = [];
    const replica = new LocalReplica(store, 1024, 1024, () => false, (target, count) => dropped.push([target, count]));
    const outcomes = await replica.apply('default', ['a', 'b'].map(record), 'node-9');
    assert.deepEqual(outcomes.map((o) => o.applied), [true, true], 'the stand-in stores the records too, so it can serve reads');
    assert.equal(store.hintCounts().get('node-9'), 2);
    await replica.apply('default', ['c', 'd', 'e'].map(record), 'node-9');
    assert.equal(store.hintCounts().get('node-9'), 3);
    assert.deepEqual(dropped, [['node-9', 2]]);
    assert.equal(replica.hintsDropped, 2);
    await replica.apply('default', [record('f')]);
    assert.equal(store.hintCounts().get('node-9'), 3, 'a write to a home replica keeps no hint');
  });

  it('says which reads fall in a partition it is still receiving', async () => {
    const store = new MemoryStore();
    await store.open();
    const replica = new LocalReplica(store, 1, 1024, (p) => p === 0);
    const [read] = await replica.read('default', [Buffer.from('k')]);
    assert.equal(read!.syncing, true);
  });
});
