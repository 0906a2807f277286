import assert from 'node:assert/strict';
import { PlacementTable, type PlacementMember } from '../../../src/placement/index.js';

/** The zones of `ids` in `members`. */
function zonesOf(members: readonly PlacementMember[], ids: readonly string[]): (string | undefined)[] {
  return ids.map((id) => members.find((m) => m.id === id)!.zone);
}

const SIX_IN_THREE_ZONES: PlacementMember[] = [
  { id: 'node-1', zone: 'a' },
  { id: 'node-2', zone: 'a' },
  { id: 'node-3', zone: 'b' },
  { id: 'node-4', zone: 'b' },
  { id: 'node-5', zone: 'c' },
  { id: 'node-6', zone: 'c' },
];

describe('placement/rendezvous: zones', () => {
  it('spreads home replicas over 3 distinct zones when there are 3', () => {
    const table = new PlacementTable(SIX_IN_THREE_ZONES, { replicas: 3 });
    for (let p = 0; p < table.partitions; p++) {
      const home = table.homeReplicas(p);
      assert.equal(new Set(zonesOf(SIX_IN_THREE_ZONES, home)).size, 3, `partition ${p}: ${home.join(', ')}`);
      // One per zone: each zone's best-ranked member, in rank order.
      const ranking = table.ranking(p);
      const bestOfZones = ranking.filter((id, i) => !zonesOf(SIX_IN_THREE_ZONES, ranking.slice(0, i)).includes(zonesOf(SIX_IN_THREE_ZONES, [id])[0]));
      assert.deepEqual(home, bestOfZones);
    }
  });

  it('uses both zones, then fills by rank, when 2 zones hold 3 replicas', () => {
    const twoZones: PlacementMember[] = [
      { id: 'node-1', zone: 'a' },
      { id: 'node-2', zone: 'a' },
      { id: 'node-3', zone: 'a' },
      { id: 'node-4', zone: 'b' },
      { id: 'node-5', zone: 'b' },
    ];
    const table = new PlacementTable(twoZones, { replicas: 3 });
    for (let p = 0; p < table.partitions; p++) {
      const home = table.homeReplicas(p);
      assert.equal(home.length, 3);
      assert.deepEqual(new Set(zonesOf(twoZones, home)), new Set(['a', 'b']), `partition ${p}`);
      const third = table.ranking(p).find((id) => !home.slice(0, 2).includes(id));
      assert.equal(home[2], third, 'the third replica is the best-ranked member left');
    }
  });

  it('treats each member without a zone as a zone of its own', () => {
    const mixed: PlacementMember[] = [{ id: 'node-1', zone: 'a' }, { id: 'node-2', zone: 'a' }, { id: 'node-3' }, { id: 'node-4', zone: '' }];
    const table = new PlacementTable(mixed, { replicas: 3 });
    assert.deepEqual(table.members[3], { id: 'node-4' }, "'' is no zone");
    for (let p = 0; p < table.partitions; p++) {
      const home = table.homeReplicas(p);
      assert.deepEqual([...home].sort().slice(-2), ['node-3', 'node-4'], `partition ${p}: both zone-less members`);
      assert.equal(home.filter((id) => id === 'node-1' || id === 'node-2').length, 1, `partition ${p}: one member of zone a`);
    }
  });

  it('prefers a stand-in from a zone the preference list does not use yet', () => {
    const table = new PlacementTable(SIX_IN_THREE_ZONES, { replicas: 3 });
    for (let p = 0; p < table.partitions; p++) {
      const home = table.homeReplicas(p);
      const down = home[1]!;
      const list = table.preferenceList(p, (id) => id !== down);
      const zones = zonesOf(SIX_IN_THREE_ZONES, list.map((r) => r.id));
      assert.equal(new Set(zones).size, 3, `partition ${p}: ${JSON.stringify(list)}`);
      assert.equal(list[1]!.hintFor, down);
      assert.deepEqual(home, table.homeReplicas(p));
    }
  });
});
