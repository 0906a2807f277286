// From Consul's health answer to members, and the blocking-query index rules.
import assert from 'node:assert/strict';
import { membersFromEntries, type ConsulServiceEntry } from '../../../src/discovery/consul-health.js';
import { nextIndex, parseIndex } from '../../../src/discovery/consul-index.js';

function entry(id: string, statuses: string[], service: Partial<ConsulServiceEntry['Service']> = {}, nodeAddress = '10.0.0.9'): ConsulServiceEntry {
  return {
    Node: { Node: 'agent', Address: nodeAddress },
    Service: { ID: id, Service: 'dstash', Address: '10.0.0.1', Port: 7000, Meta: { zone: 'a' }, ...service },
    Checks: statuses.map((Status, i) => ({ CheckID: i === 0 ? 'serfHealth' : `service:${id}`, Status })),
  };
}

describe('Consul health answers', () => {
  it('maps instances to members sorted by id, healthy only when every check passes', () => {
    assert.deepEqual(membersFromEntries([entry('b', ['passing', 'critical']), entry('a', ['passing', 'passing']), entry('c', ['critical', 'passing'])]), [
      { id: 'a', address: '10.0.0.1:7000', zone: 'a', healthy: true },
      { id: 'b', address: '10.0.0.1:7000', zone: 'a', healthy: false },
      { id: 'c', address: '10.0.0.1:7000', zone: 'a', healthy: false },
    ]);
    assert.equal(membersFromEntries([entry('w', ['passing', 'warning'])])[0]!.healthy, false, 'warning is not passing');
  });

  it("uses the node's address when the service has none, brackets IPv6, and leaves zone out when unset", () => {
    assert.deepEqual(membersFromEntries([entry('a', ['passing'], { Address: '', Meta: null })]), [{ id: 'a', address: '10.0.0.9:7000', healthy: true }]);
    assert.equal(membersFromEntries([entry('a', ['passing'], { Address: '::1' })])[0]!.address, '[::1]:7000');
  });

  it('keeps the healthy copy when one id shows up on two nodes', () => {
    const members = membersFromEntries([entry('a', ['passing', 'passing'], {}, '10.0.0.2'), entry('a', ['critical'], { Address: '10.0.0.3' })]);
    assert.deepEqual(members, [{ id: 'a', address: '10.0.0.1:7000', zone: 'a', healthy: true }]);
    assert.equal(membersFromEntries([entry('a', ['critical'], { Address: '10.0.0.3' }), entry('a', ['passing'])])[0]!.address, '10.0.0.1:7000');
  });

  it('resets an index that went backwards to 0 and never blocks on less than 1', () => {
    assert.equal(nextIndex(0n, 42n), 42n);
    assert.equal(nextIndex(42n, 42n), 42n);
    assert.equal(nextIndex(42n, 50n), 50n);
    assert.equal(nextIndex(42n, 7n), 0n);
    assert.equal(nextIndex(0n, 0n), 1n);
    assert.equal(parseIndex('123'), 123n);
    assert.equal(parseIndex(undefined), 0n);
    assert.equal(parseIndex('x1'), 0n);
  });
});
