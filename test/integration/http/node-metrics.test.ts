import assert from 'node:assert/strict';
import { NodeMetrics } from '../../../src/node/metrics/node-metrics.js';
import type { NodeView } from '../../../src/node/metrics/node-view.js';
import { sample } from './http-helpers.js';

/** A node that has not started: no store, no coordinator. */
const idle = (id: string): NodeView => ({
  nodeId: () => id,
  zone: () => 'z1',
  readiness: () => ({ ready: false, reason: 'the store is not open yet' }),
  coordinator: () => undefined,
  store: () => undefined,
  refusedVersions: () => 0,
  storeHealth: () => undefined,
});

describe('http: the NodeMetrics API', () => {
  it('serves what hinted handoff, anti-entropy and rebalancing report, under the documented names, per node', async () => {
    const a = new NodeMetrics(idle('a'));
    const b = new NodeMetrics(idle('b'));
    a.replication.hintsPending(7);
    a.replication.hintsDelivered(3);
    a.replication.hintsDropped();
    a.replication.rebalancePartitionsRemaining(12);
    a.replication.antiEntropyKeysRepaired(5);
    a.replication.antiEntropyKeysRepaired();
    a.replication.storeCorruption();

    const scraped = await a.scrape();
    assert.match(scraped.contentType, /^text\/plain/);
    const expected: Record<string, number> = {
      dstash_hints_pending: 7,
      dstash_hints_delivered_total: 3,
      dstash_hints_dropped_total: 1,
      dstash_rebalance_partitions_remaining: 12,
      dstash_antientropy_keys_repaired_total: 6,
      dstash_store_corruption_total: 1,
    };
    for (const [name, value] of Object.entries(expected)) assert.equal(sample(scraped.body, name), value, name);
    assert.equal(sample(scraped.body, 'dstash_node_info', { node_id: 'a', zone: 'z1' }), 1);
    assert.equal(sample(scraped.body, 'dstash_node_ready'), 0);
    assert.equal(sample(scraped.body, 'dstash_members', { health: 'healthy' }), 0, 'no coordinator yet: no members');

    const other = (await b.scrape()).body;
    for (const name of Object.keys(expected)) assert.equal(sample(other, name), 0, `${name} of another node`);
  });
});
