import assert from 'node:assert/strict';
import { PlacementTable } from '../../../src/placement/index.js';
import { members, nodeIds } from './fixtures.js';

const healthyExcept =
  (...down: string[]) =>
  (id: string): boolean =>
    !down.includes(id);

describe('placement/rendezvous: preference lists', () => {
  const table = new PlacementTable(members(nodeIds(6)), { partitions: 256, replicas: 3 });

  it('is the home replicas, without hints, while all of them are healthy', () => {
    for (let p = 0; p < table.partitions; p++) {
      assert.deepEqual(table.preferenceList(p, healthyExcept(table.ranking(p)[5]!)), table.homeReplicas(p).map((id) => ({ id })));
    }
  });

  it('replaces an unhealthy home replica in place by the next healthy member of the ranking, with a hint', () => {
    for (let p = 0; p < table.partitions; p++) {
      const ranking = table.ranking(p);
      const [first, second, third] = table.homeReplicas(p);
      assert.deepEqual(table.preferenceList(p, healthyExcept(second!)), [{ id: first }, { id: ranking[3], hintFor: second }, { id: third }]);
      // The next member down is unhealthy too: the one after it stands in.
      assert.deepEqual(table.preferenceList(p, healthyExcept(first!, ranking[3]!)), [{ id: ranking[4], hintFor: first }, { id: second }, { id: third }]);
    }
  });

  it('gives every unhealthy home replica its own stand-in', () => {
    for (let p = 0; p < table.partitions; p++) {
      const ranking = table.ranking(p);
      const [first, second, third] = table.homeReplicas(p);
      assert.deepEqual(table.preferenceList(p, healthyExcept(first!, third!)), [
        { id: ranking[3], hintFor: first },
        { id: second },
        { id: ranking[4], hintFor: third },
      ]);
    }
  });

  it('is shorter when too few members are healthy', () => {
    const small = new PlacementTable(members(nodeIds(3)), { partitions: 32 });
    for (let p = 0; p < small.partitions; p++) {
      const [first, second, third] = small.homeReplicas(p);
      assert.deepEqual(small.preferenceList(p, healthyExcept(second!)), [{ id: first }, { id: third }]);
      assert.deepEqual(small.preferenceList(p, () => false), []);
    }
    const list = table.preferenceList(7, healthyExcept('node-1', 'node-2', 'node-3', 'node-4'));
    assert.equal(list.length, 2);
  });

  it('never moves home replicas, however health flaps', () => {
    const homes = Array.from({ length: table.partitions }, (_, p) => [...table.homeReplicas(p)]);
    for (const down of nodeIds(6)) {
      for (let p = 0; p < table.partitions; p++) table.preferenceList(p, healthyExcept(down));
    }
    assert.deepEqual(
      Array.from({ length: table.partitions }, (_, p) => [...table.homeReplicas(p)]),
      homes,
    );
  });
});
