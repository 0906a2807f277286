/**
 * Serial operations under faults, with real node processes: kill -9 and
 * restart of one node, SIGSTOP of another. Counters lose no acknowledged
 * increment and count none twice; recorded histories pass the
 * linearizability checker; plain last-writer-wins operations under a frozen
 * replica do not (the negative control, which shows the checker can tell).
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { Client, type Discovery, type Member } from '../../../src/index.js';
import { checkLinearizable, registerModel } from '../../support/linearizability/index.js';
import { ProcessCluster } from '../../helpers/process-cluster.js';
import { faultSchedule, incrementLoop, registerLoop, signalNode, tally, type RegisterOperation } from '../../helpers/serial-history.js';

const CLIENTS = 8;

describe('serial operations under kill -9, restart and SIGSTOP (3 real nodes)', function () {
  this.timeout(240_000);
  let cluster: ProcessCluster;
  let clients: Client[] = [];
  beforeEach(async () => {
    cluster = await ProcessCluster.start(3);
    const peers = cluster.nodes.map((n) => `${n.id}@${n.address}`);
    clients = Array.from({ length: CLIENTS }, () => new Client({ peers, healthIntervalMs: 200, timeoutMs: 4000 }));
    await Promise.all(clients.map((c) => ProcessCluster.until(c, 3, 3)));
  });
  afterEach(async () => {
    if (cluster) for (const n of cluster.nodes) signalNode(cluster, n.id, 'SIGCONT');
    await Promise.all(clients.map((c) => c.close()));
    await cluster?.stop();
  });

  it('concurrent increments: the final counter lies in [acknowledged, acknowledged + timed out]', async () => {
    const t = tally();
    let stop = false;
    const loops = clients.map((c) => incrementLoop(c, 'counter', t, () => stop));
    let schedule: string[];
    try {
      schedule = await faultSchedule(cluster, () => t.acked, 20);
    } finally {
      stop = true;
      await Promise.all(loops);
    }
    const final = Number((await clients[0]!.serialLookup('counter')).value!.toString());
    console.log(`      counter: ${t.acked} acknowledged, ${t.maybe} timed out, ${t.failed} failed ${JSON.stringify(t.codes)}; final ${final}; ${schedule.join('; ')}`);
    assert.ok(t.acked >= 100, `progress under faults: ${t.acked} acknowledged`);
    assert.ok(final >= t.acked && final <= t.acked + t.maybe, `final ${final} outside [${t.acked}, ${t.acked + t.maybe}]`);
    const plain = await clients[1]!.lookup('counter', { consistency: 'QUORUM' });
    assert.equal(Number(plain!.toString()), final, 'the committed counter is what plain QUORUM reads see');
  });

  it('recorded histories of concurrent CAS, deletes and serial reads on 3 keys are linearizable', async () => {
    const t = tally();
    const history: RegisterOperation[] = [];
    let stop = false;
    const keys = ['reg-a', 'reg-b', 'reg-c'];
    const loops = clients.map((c, i) => registerLoop(c, `c${i}`, keys, history, t, () => stop));
    let schedule: string[];
    try {
      schedule = await faultSchedule(cluster, () => t.acked, 40);
    } finally {
      stop = true;
      await Promise.all(loops);
    }
    const applied = history.filter((op) => op.output?.kind === 'cas' && op.output.applied).length;
    const started = performance.now();
    const result = checkLinearizable(registerModel, history);
    console.log(`      history: ${history.length} operations (${applied} CAS applied, ${t.maybe} unknown, ${t.failed} failed ${JSON.stringify(t.codes)}); ` +
      `checker: ${result.verdict} in ${result.steps} steps, ${Math.round(performance.now() - started)} ms; ${schedule.join('; ')}`);
    assert.ok(applied >= 50, `CAS operations applied under faults: ${applied}`);
    assert.equal(result.verdict, 'ok', `not linearizable on key ${result.partition}`);
  });

  it('negative control: plain QUORUM writes read at ONE from a replica that was frozen are not linearizable', async () => {
    // A client that knows only node-3 and always believes it healthy: its ONE reads are served by node-3 alone.
    const node3 = cluster.node('node-3');
    const stale = new Client({ discovery: fixedDiscovery({ id: node3.id, address: node3.address, healthy: true }), timeoutMs: 20_000 });
    try {
      const keys = Array.from({ length: 50 }, (_, i) => `plain-${i}`);
      const history: RegisterOperation[] = [];
      const warm = await stale.batchLookup(keys, { consistency: 'ONE' });
      assert.ok(warm.every((r) => !r.found && !r.error), 'the stale client reaches node-3');
      signalNode(cluster, 'node-3', 'SIGSTOP');
      try {
        for (const key of keys) {
          const call = performance.now();
          await clients[0]!.put(key, Buffer.from(`v-${key}`), { consistency: 'QUORUM' });
          history.push({ input: { kind: 'write', key, value: `v-${key}` }, call, ret: performance.now(), output: { kind: 'write' } });
        }
        // Sent while node-3 is frozen, so that node-3 answers them before anything reaches it after it thaws.
        const call = performance.now();
        const reading = stale.batchLookup(keys, { consistency: 'ONE' });
        signalNode(cluster, 'node-3', 'SIGCONT');
        const reads = await reading;
        const ret = performance.now();
        reads.forEach((r, i) => history.push({ input: { kind: 'read', key: keys[i]! }, call, ret, output: { kind: 'read', value: r.found ? r.value.toString() : null } }));
        const staleReads = reads.filter((r) => !r.found).length;
        const result = checkLinearizable(registerModel, history);
        console.log(`      plain LWW: ${keys.length} QUORUM writes, ${staleReads} stale ONE reads; checker: ${result.verdict} (key ${result.partition})`);
        assert.equal(result.verdict, 'illegal');
      } finally {
        signalNode(cluster, 'node-3', 'SIGCONT');
      }
    } finally {
      await stale.close();
    }
  });
});

/** A discovery that reports a fixed member list and never changes. */
function fixedDiscovery(...members: Member[]): Discovery {
  return {
    start: async () => undefined,
    members: () => members,
    onChange: () => () => undefined,
    close: async () => undefined,
  };
}
