import assert from 'node:assert/strict';
import { waitFor } from '../../helpers/wait.js';
import { freePort as closedPort } from '../../helpers/ports.js';
import { startTestNode, type TestNode } from '../../helpers/in-process-node.js';
import { call, callJson, sample, scrape } from './http-helpers.js';

describe('http: 503 when a quorum cannot be reached', function () {
  this.timeout(60_000);
  let t: TestNode;
  let port: number;
  beforeEach(async () => {
    // Two of the three members never answer: QUORUM (2 of 3) cannot be met, ONE can.
    const peers = [`ghost-1@127.0.0.1:${await closedPort()}`, `ghost-2@127.0.0.1:${await closedPort()}`];
    t = await startTestNode({ httpPort: 0, peers, healthIntervalMs: 100, coordinator: { replicas: 3, timeoutMs: 2000 } });
    port = t.node.httpPort;
  });
  afterEach(async () => {
    await t.stop();
  });

  it('answers 503 DSTASH_WRITE_QUORUM / DSTASH_READ_QUORUM, per key in batches, and ONE still works', async () => {
    const put = await call(port, 'PUT', '/v1/kv/default/k', 'v');
    assert.equal(put.status, 503);
    assert.equal(put.json.error.code, 'DSTASH_WRITE_QUORUM');
    assert.match(put.json.error.message, /1\/2 acknowledgements/);
    const del = await call(port, 'DELETE', '/v1/kv/default/k');
    assert.deepEqual([del.status, del.json.error.code], [503, 'DSTASH_WRITE_QUORUM']);
    const get = await call(port, 'GET', '/v1/kv/default/k');
    assert.deepEqual([get.status, get.json.error.code], [503, 'DSTASH_READ_QUORUM']);

    const batch = await callJson(port, 'POST', '/v1/kv/default', { put: [{ key: 'b', value: 'v' }], get: ['b'] });
    assert.equal(batch.status, 200, 'a batch answers per key');
    assert.deepEqual([batch.json.put[0].status, batch.json.put[0].error.code], [503, 'DSTASH_WRITE_QUORUM']);
    assert.deepEqual([batch.json.get[0].status, batch.json.get[0].error.code], [503, 'DSTASH_READ_QUORUM']);

    assert.equal((await call(port, 'PUT', '/v1/kv/default/k?consistency=one', 'v')).status, 200);
    assert.equal((await call(port, 'GET', '/v1/kv/default/k?consistency=one')).body.toString(), 'v');

    // The requests fail at once (refused connections); the health probes mark the ghosts within two intervals.
    await waitFor(async () => sample(await scrape(port), 'dstash_members', { health: 'unhealthy' }) === 2, 'both ghosts unhealthy');
    const metrics = await scrape(port);
    assert.ok(sample(metrics, 'dstash_write_quorum_failures_total')! >= 3, 'write quorum failures are counted');
    assert.ok(sample(metrics, 'dstash_read_quorum_failures_total')! >= 2, 'read quorum failures are counted');
    assert.equal(sample(metrics, 'dstash_members', { health: 'unhealthy' }), 2);
    assert.equal(sample(metrics, 'dstash_member_healthy', { member: 'ghost-1' }), 0);
    assert.equal(sample(metrics, 'dstash_http_requests_total', { route: '/v1/kv/:index/*', code: '503' }), 3);
  });

  it('shows the unreachable members as unhealthy in /v1/cluster, and stays ready', async () => {
    const cluster = await call(port, 'GET', '/v1/cluster');
    assert.equal(cluster.status, 200);
    assert.deepEqual(cluster.json.members.map((m: { id: string; healthy: boolean; self: boolean }) => [m.id, m.healthy, m.self]), [
      ['ghost-1', false, false], ['ghost-2', false, false], [t.node.nodeId, true, true],
    ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
    assert.deepEqual([cluster.json.healthy, cluster.json.unhealthy], [1, 2]);
    assert.equal((await call(port, 'GET', '/readyz')).status, 200, 'the membership is known, even if unhealthy');
  });
});
