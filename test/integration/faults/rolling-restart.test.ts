/**
 * A node's transitions under load, with real node processes: a SIGTERM'd
 * node answers what it has in flight, ends the streams its callers keep open
 * and exits within seconds; a node that says it is ready is usable at once,
 * so a rolling restart that moves on the moment a node is ready fails no
 * QUORUM write and loses no acknowledged one.
 */
import assert from 'node:assert/strict';
import type { Client } from '../../../src/index.js';
import { CallerLoad } from '../../helpers/caller-load.js';
import { untilOnHomeReplicas } from '../../helpers/cluster-checks.js';
import { healthStatus, nodeClients } from '../../helpers/grpc-clients.js';
import { ProcessCluster, type ClusterNode } from '../../helpers/process-cluster.js';
import { waitFor } from '../../helpers/wait.js';

/**
 * The most a SIGTERM'd node may live after it answered its last request: far
 * below the 10 s a forced shutdown takes, with room for a loaded machine.
 */
const EXIT_AFTER_LAST_ANSWER_MS = 5000;

/**
 * A peer that keeps one Read stream open, as coordinators do, and reads on it
 * in a loop while the node reports SERVING (it watches the node's health),
 * then sends nothing more and leaves the stream open: when it last had an
 * answer, and how the node ended the stream.
 */
function streamingReader(address: string): { lastAnswerAt: () => number; ended: Promise<string>; close: () => void } {
  const clients = nodeClients(address);
  const call = clients.replica.Read();
  const watch = clients.health.Watch({ service: '' });
  let serving = true;
  watch.on('data', (res: { status: string }) => {
    serving = res.status === 'SERVING';
  });
  watch.on('error', () => undefined);
  let lastAnswerAt = 0;
  let id = 0;
  const send = (): void => {
    if (serving) call.write({ id: ++id, index: 'default', keys: [Buffer.from(`probe-${id % 100}`)] });
  };
  call.on('data', () => {
    lastAnswerAt = Date.now();
    send();
  });
  const ended = new Promise<string>((resolve) => {
    call.on('error', (err: { code?: number; details?: string }) => resolve(`status ${err.code}: ${err.details}`));
    call.on('end', () => resolve('end'));
  });
  send();
  return { lastAnswerAt: () => lastAnswerAt, ended, close: () => clients.close() };
}

/** Waits until `node` says it is ready over gRPC health, polling as a readiness probe does. */
async function untilReady(node: ClusterNode): Promise<void> {
  const { health, close } = nodeClients(node.address);
  try {
    await waitFor(async () => (await healthStatus(health)) === 'SERVING', `${node.id} to report SERVING`, 30_000);
  } finally {
    close();
  }
}

describe('faults: a node stops and starts under load', function () {
  this.timeout(180_000);
  let cluster: ProcessCluster | undefined;
  let client: Client | undefined;

  afterEach(async () => {
    await client?.close();
    await cluster?.stop();
    client = undefined;
    cluster = undefined;
  });

  it('SIGTERM under load: the node exits within seconds of its last answer, its open streams ended with UNAVAILABLE, and no write fails', async () => {
    ({ cluster, client } = await ProcessCluster.withClient(3));
    const load = new CallerLoad(client, { prefix: 'sigterm', callers: 32, kind: 'put', maxCalls: 400_000 });
    load.start();
    await load.untilMore(2000);
    const node = cluster.node('node-3');
    const reader = streamingReader(node.address);
    try {
      await waitFor(() => reader.lastAnswerAt() > 0, 'the open Read stream to be answered');
      const signalledAt = Date.now();
      node.process.child.kill('SIGTERM');
      const code = await node.process.exited();
      const exitedAt = Date.now();
      const ended = await reader.ended;
      const afterLast = exitedAt - reader.lastAnswerAt();
      await load.untilMore(2000);
      const figures = await load.stop();
      console.log(`      SIGTERM: exit ${code} ${exitedAt - signalledAt} ms after the signal, ${afterLast} ms after the last answer on the open stream (${ended}); ${figures.requests} requests, ${figures.failed} failed`);
      assert.equal(code, 0, node.process.stderr());
      assert.match(ended, /^status 14: /, 'the node ends an open stream with UNAVAILABLE');
      assert.ok(afterLast < EXIT_AFTER_LAST_ANSWER_MS, `exited ${afterLast} ms after its last answer`);
      assert.equal(figures.failed, 0, figures.errors.join('\n'));
    } finally {
      reader.close();
    }
  });

  it('a rolling restart of 3 nodes under 32 QUORUM callers, moving on the moment a node is ready: no write fails or is lost', async () => {
    ({ cluster, client } = await ProcessCluster.withClient(3));
    const load = new CallerLoad(client, { prefix: 'rolling', callers: 32, kind: 'put', maxCalls: 1_000_000 });
    load.start();
    await load.untilMore(2000);
    const stops: number[] = [];
    for (const id of ['node-1', 'node-2', 'node-3']) {
      const node = cluster.node(id);
      const signalledAt = Date.now();
      node.process.child.kill('SIGTERM');
      assert.equal(await node.process.exited(), 0, node.process.stderr());
      stops.push(Date.now() - signalledAt);
      await untilReady(await cluster.restart(id));
    }
    const restartedAt = Date.now();
    await load.untilMore(2000);
    const figures = await load.stop();
    await untilOnHomeReplicas(load.acked, cluster.addresses(), restartedAt + 20_000);
    console.log(`      rolling restart: stops took ${stops.join(', ')} ms; ${figures.requests} requests, ${figures.failed} failed, max ${figures.maxLatencyMs.toFixed(0)} ms; every acknowledged write on every home replica`);
    assert.equal(figures.failed, 0, figures.errors.join('\n'));
  });
});
