import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { requireTool } from '../../helpers/system-tool.js';
import { HybridClock } from '../../../src/version.js';
import { exchange, nodeClients, unary } from '../../helpers/grpc-clients.js';
import { waitFor } from '../../helpers/wait.js';
import { call, callJson, sample, scrape, startLocalCluster, type LocalCluster } from './http-helpers.js';

describe('http: /metrics and /v1/cluster on a 3-node cluster', function () {
  this.timeout(120_000);
  let cluster: LocalCluster;
  beforeEach(async () => {
    cluster = await startLocalCluster(3);
  });
  afterEach(async () => {
    await cluster.stop();
  });

  it('counts requests, batches, quorum work, read repairs and members after traffic', async () => {
    const n1 = cluster.nodes[0]!;
    const n2 = cluster.nodes[1]!;
    const keys = Array.from({ length: 200 }, (_, i) => `m-${i}`);
    const batch = await callJson(n1.httpPort, 'POST', '/v1/kv/default', { put: keys.map((key) => ({ key, value: key })) });
    assert.ok(batch.json.put.every((r: { ok: boolean }) => r.ok));

    const kv = nodeClients(n2.address);
    try {
      await unary(kv.kv, kv.kv.Put, { index: 'default', key: Buffer.from('over-grpc'), value: Buffer.from('v') });
      await assert.rejects(unary(kv.kv, kv.kv.Put, { index: 'default', key: Buffer.alloc(0), value: Buffer.from('v') }));
    } finally {
      kv.close();
    }

    // A newer version that reached node-1 and node-2 only: a read at ALL through node-1 repairs node-3.
    const newer = new HybridClock(7).now();
    for (const node of [n1, n2]) {
      const c = nodeClients(node.address);
      await exchange(c.replica.Apply(), [{ id: 1, index: 'default', records: [{ key: Buffer.from('m-0'), value: Buffer.from('new'), version: newer }] }]);
      c.close();
    }
    assert.equal((await call(n1.httpPort, 'GET', '/v1/kv/default/m-0?consistency=all')).body.toString(), 'new');

    const m1 = await scrape(n1.httpPort);
    assert.ok(sample(m1, 'dstash_coordinator_batch_messages_total')! > 0, 'node-1 coordinated batches');
    assert.ok(sample(m1, 'dstash_read_repairs_total')! >= 1, 'node-1 repaired node-3');
    assert.equal(sample(m1, 'dstash_write_quorum_failures_total'), 0);
    assert.equal(sample(m1, 'dstash_http_requests_total', { method: 'POST', route: '/v1/kv/:index', code: '200' }), 1);
    assert.equal(sample(m1, 'dstash_members', { health: 'healthy' }), 3);
    for (const id of ['node-1', 'node-2', 'node-3']) {
      assert.equal(sample(m1, 'dstash_member_healthy', { member: id }), 1, id);
      assert.equal(sample(m1, 'dstash_member_home_partitions', { member: id }), 1024, id);
    }
    assert.equal(sample(m1, 'dstash_node_ready'), 1);
    assert.equal(sample(m1, 'dstash_node_info', { node_id: 'node-1' }), 1);
    assert.ok(sample(m1, 'dstash_store_size_bytes')! > 0, 'the store holds 200 records');
    // Every node holds every partition (N=3 of 3): the 200 puts were written through node-1's record cache, and the read at ALL found m-0 there.
    assert.ok(sample(m1, 'dstash_record_cache_entries')! >= 200, 'the record cache knows the keys written');
    assert.ok(sample(m1, 'dstash_record_cache_hits_total')! >= 1, 'and answered a read');
    const cached = sample(m1, 'dstash_record_cache_bytes')!;
    assert.ok(cached > 200 * 100 && cached <= 128 * 1024 * 1024, `${cached} bytes cached`);
    assert.notEqual(sample(m1, 'process_cpu_user_seconds_total'), undefined, 'process metrics are served too');

    const m2 = await scrape(n2.httpPort);
    const apply = { service: 'dstash.v1.Replica', method: 'Apply' };
    assert.ok(sample(m2, 'dstash_rpc_batch_entries_sum', apply)! >= 200, 'node-2 received the 200 puts in Apply batches');
    assert.ok(sample(m2, 'dstash_rpc_batch_entries_count', apply)! >= 1);
    assert.ok(sample(m2, 'dstash_rpc_batch_duration_seconds_count', apply)! >= 1);
    assert.equal(sample(m2, 'dstash_rpc_requests_total', { service: 'dstash.v1.KV', method: 'Put', code: 'OK' }), 1);
    assert.equal(sample(m2, 'dstash_rpc_requests_total', { service: 'dstash.v1.KV', method: 'Put', code: 'INVALID_ARGUMENT' }), 1);
    assert.equal(sample(m2, 'dstash_rpc_duration_seconds_count', { service: 'dstash.v1.KV', method: 'Put' }), 2);
    assert.ok(sample(m2, 'dstash_rpc_requests_total', { service: 'grpc.health.v1.Health', method: 'Check', code: 'OK' })! >= 1, 'health probes are counted');
    assert.equal(sample(m2, 'dstash_http_requests_total', { method: 'POST' }), undefined, 'each node serves its own numbers');
  });

  it('serves a scrape that promtool check metrics accepts', async function () {
    const promtool = requireTool(this, 'promtool', 'prometheus');
    await callJson(cluster.nodes[0]!.httpPort, 'POST', '/v1/kv/default', { put: [{ key: 'k', value: 'v' }], get: ['k'] });
    const body = await scrape(cluster.nodes[0]!.httpPort);
    const res = spawnSync(promtool, ['check', 'metrics'], { input: body, encoding: 'utf8' });
    // promtool prints one line per problem, and exits 0 only when there is none.
    assert.equal(`${res.stdout}${res.stderr}`.trim(), '');
    assert.equal(res.status, 0);
  });

  it('shows members, health and partition ownership in /v1/cluster; health never moves ownership', async () => {
    const n2 = cluster.nodes[1]!;
    const n3 = cluster.nodes[2]!;
    const answer = await call(n2.httpPort, 'GET', '/v1/cluster');
    assert.equal(answer.status, 200);
    const view = answer.json;
    assert.deepEqual(
      { nodeId: view.nodeId, ready: view.ready, replicas: view.replicas, partitions: view.partitions, healthy: view.healthy, unhealthy: view.unhealthy },
      { nodeId: 'node-2', ready: true, replicas: 3, partitions: 1024, healthy: 3, unhealthy: 0 },
    );
    assert.deepEqual(view.members, cluster.nodes.map((n) => ({ id: n.nodeId, address: n.address, zone: null, healthy: true, self: n === n2, homePartitions: 1024 })));
    assert.equal(view.homeReplicas, undefined, 'the partition table only on request');

    const table = (await call(n2.httpPort, 'GET', '/v1/cluster?partitions=1')).json.homeReplicas as string[][];
    assert.equal(table.length, 1024);
    table.forEach((home, p) => assert.deepEqual(home, n2.cluster!.view.placement.homeReplicas(p), `partition ${p}`));
    assert.ok(table.every((home) => [...home].sort().join() === 'node-1,node-2,node-3'));

    await n3.stop();
    const after = await waitFor(async () => {
      const json = (await call(n2.httpPort, 'GET', '/v1/cluster')).json;
      return json.unhealthy === 1 ? json : undefined;
    }, 'node-2 to see node-3 unhealthy');
    assert.deepEqual(after.members.map((m: { id: string; healthy: boolean; homePartitions: number }) => [m.id, m.healthy, m.homePartitions]), [
      ['node-1', true, 1024], ['node-2', true, 1024], ['node-3', false, 1024],
    ]);
    const metrics = await scrape(n2.httpPort);
    assert.equal(sample(metrics, 'dstash_member_healthy', { member: 'node-3' }), 0);
    assert.equal(sample(metrics, 'dstash_members', { health: 'unhealthy' }), 1);
  });
});
