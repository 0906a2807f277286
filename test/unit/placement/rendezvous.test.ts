import assert from 'node:assert/strict';
import { ErrorCode } from '../../../src/errors.js';
import { DEFAULT_PLACEMENT_OPTIONS, PlacementTable, movedPartitions } from '../../../src/placement/index.js';
import { compareRank } from '../../../src/placement/rendezvous-score.js';
import { members, nodeIds, randomUuid, seededRandom, shuffle } from './fixtures.js';
import { referenceScore } from './xxh64-reference.js';

/** `count` random UUID node ids from `seed`. */
function uuids(seed: number, count: number): string[] {
  const next = seededRandom(seed);
  return Array.from({ length: count }, () => randomUuid(next));
}

/** Id sets to check statistical properties on: readable ids, and random UUIDs. */
const ID_SETS: { name: string; ids: (count: number) => string[] }[] = [
  { name: 'node-1…', ids: nodeIds },
  ...[1, 2, 3, 4, 5].map((seed) => ({ name: `random UUIDs #${seed}`, ids: (count: number) => uuids(seed, count) })),
];

/**
 * Asserts that `larger`, the table of `smaller`'s members plus `member`, moved
 * only what `member` takes: in every partition, at most `member` came into the
 * home set and at most one other member left it. Read backwards, the same
 * holds for `member` leaving `larger`.
 */
function assertOnlyMemberMoves(smaller: PlacementTable, larger: PlacementTable, member: string): void {
  for (let p = 0; p < smaller.partitions; p++) {
    const without = smaller.homeReplicas(p);
    const withMember = larger.homeReplicas(p);
    const came = withMember.filter((id) => !without.includes(id));
    const left = without.filter((id) => !withMember.includes(id));
    assert.ok(came.every((id) => id === member), `partition ${p}: ${came.join(', ')} moved in`);
    assert.ok(left.length <= 1, `partition ${p}: ${left.join(', ')} moved out`);
  }
  assert.deepEqual(movedPartitions(smaller, larger), larger.partitionsOwnedBy(member));
}

describe('placement/rendezvous: PlacementTable', () => {
  it('ranks members by XXH64(utf8(id) ++ u32be(partition)), highest first', () => {
    const ids = ['node-a', 'node-b', 'node-c', 'nœud-ü'];
    const table = new PlacementTable(members(ids), { partitions: 300 });
    // 258 is 0x0102: a wrong byte order would rank it like another partition.
    for (const partition of [0, 1, 258, 299]) {
      const expected = [...ids].sort((a, b) => {
        const d = referenceScore(b, partition) - referenceScore(a, partition);
        return d > 0n ? 1 : d < 0n ? -1 : 0;
      });
      assert.deepEqual(table.ranking(partition), expected, `partition ${partition}`);
    }
  });

  it('breaks equal scores by id, the smaller id first', () => {
    assert.ok(compareRank(5, 7, 'node-a', 5, 7, 'node-b') < 0);
    assert.ok(compareRank(5, 7, 'node-b', 5, 7, 'node-a') > 0);
    assert.ok(compareRank(5, 8, 'node-b', 5, 7, 'node-a') < 0, 'a higher low word wins over the id');
    assert.ok(compareRank(0xffffffff, 0, 'node-b', 0x7fffffff, 0xffffffff, 'node-a') < 0, 'the high word compares unsigned, first');
  });

  it('uses the defaults: 1024 partitions, 3 replicas', () => {
    const table = new PlacementTable(members(nodeIds(4)));
    assert.deepEqual(DEFAULT_PLACEMENT_OPTIONS, { partitions: 1024, replicas: 3 });
    assert.equal(table.partitions, 1024);
    assert.equal(table.replicas, 3);
  });

  it('makes the first N of the ranking the home replicas when no member has a zone', () => {
    const table = new PlacementTable(members(nodeIds(7)), { partitions: 64, replicas: 3 });
    for (let p = 0; p < table.partitions; p++) assert.deepEqual(table.homeReplicas(p), table.ranking(p).slice(0, 3));
  });

  it('keeps one copy on every member when there are fewer members than replicas', () => {
    const table = new PlacementTable(members(nodeIds(2)), { partitions: 16, replicas: 3 });
    for (let p = 0; p < 16; p++) assert.deepEqual([...table.homeReplicas(p)].sort(), ['node-1', 'node-2']);
  });

  it('gives an empty cluster empty rankings', () => {
    const table = new PlacementTable([], { partitions: 4 });
    assert.deepEqual(table.ranking(3), []);
    assert.deepEqual(table.homeReplicas(3), []);
    assert.deepEqual(table.preferenceList(3, () => true), []);
    assert.deepEqual(table.ownership(), new Map());
  });

  for (const { name, ids } of ID_SETS) {
    it(`balances home ownership within ±10% over 5 nodes (${name})`, () => {
      const table = new PlacementTable(members(ids(5)), { partitions: 1024, replicas: 3 });
      const expected = (1024 * 3) / 5;
      const ownership = table.ownership();
      assert.equal(ownership.size, 5);
      for (const [id, owned] of ownership) {
        assert.ok(Math.abs(owned - expected) <= expected * 0.1, `${id} owns ${owned}, expected ${expected} ±10%`);
        assert.equal(table.partitionsOwnedBy(id).length, owned);
      }
    });

    it(`moves only the new node's partitions when a node joins (${name})`, () => {
      for (const [count, replicas] of [[3, 3], [5, 3], [4, 2]] as const) {
        const all = ids(count + 1);
        const before = new PlacementTable(members(all.slice(0, count)), { replicas });
        const after = new PlacementTable(members(all), { replicas });
        assertOnlyMemberMoves(before, after, all[count]!);
      }
    });

    it(`moves only the leaving node's partitions when a node leaves (${name})`, () => {
      const all = ids(5);
      const leaver = all[2]!;
      const before = new PlacementTable(members(all));
      const after = new PlacementTable(members(all.filter((id) => id !== leaver)));
      assertOnlyMemberMoves(after, before, leaver);
    });
  }

  it('depends on the member list only, not on its order', () => {
    const ids = uuids(42, 8);
    const table = new PlacementTable(members(ids));
    const reordered = shuffle(seededRandom(43), ids);
    assert.notDeepEqual(reordered, ids);
    const shuffled = new PlacementTable(members(reordered));
    assert.deepEqual(table.members, shuffled.members);
    assert.deepEqual(table.members.map((m) => m.id), [...ids].sort());
    for (let p = 0; p < table.partitions; p++) {
      assert.deepEqual(shuffled.ranking(p), table.ranking(p));
      assert.deepEqual(shuffled.homeReplicas(p), table.homeReplicas(p));
    }
    assert.deepEqual(movedPartitions(table, shuffled), []);
  });

  it('reports ownership for every member and no partitions for a non-member', () => {
    const table = new PlacementTable(members(nodeIds(4)), { partitions: 128, replicas: 2 });
    const ownership = table.ownership();
    assert.deepEqual([...ownership.keys()], nodeIds(4));
    assert.equal([...ownership.values()].reduce((a, b) => a + b), 128 * 2);
    const owned = table.partitionsOwnedBy('node-3');
    assert.deepEqual(owned, [...owned].sort((a, b) => a - b));
    for (const p of owned) assert.ok(table.homeReplicas(p).includes('node-3'));
    assert.deepEqual(table.partitionsOwnedBy('node-9'), []);
  });

  it('rejects bad members, options and partitions', () => {
    assert.throws(() => new PlacementTable(members(['a', 'b', 'a'])), { code: ErrorCode.InvalidArgument });
    assert.throws(() => new PlacementTable(members(['a', ''])), { code: ErrorCode.InvalidArgument });
    assert.throws(() => new PlacementTable(members(['a']), { replicas: 0 }), { code: ErrorCode.InvalidOptions });
    assert.throws(() => new PlacementTable(members(['a']), { replicas: 1.5 }), { code: ErrorCode.InvalidOptions });
    assert.throws(() => new PlacementTable(members(['a']), { partitions: 0 }), { code: ErrorCode.InvalidOptions });
    const table = new PlacementTable(members(['a']), { partitions: 8 });
    for (const p of [-1, 8, 0.5]) {
      assert.throws(() => table.ranking(p), { code: ErrorCode.InvalidArgument });
      assert.throws(() => table.homeReplicas(p), { code: ErrorCode.InvalidArgument });
      assert.throws(() => table.preferenceList(p, () => true), { code: ErrorCode.InvalidArgument });
    }
    assert.throws(() => movedPartitions(table, new PlacementTable(members(['a']), { partitions: 16 })), { code: ErrorCode.InvalidArgument });
  });
});
