import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from '../../../src/index.js';
import { runCli, startCli, type CliProcess } from '../../helpers/cli.js';
import { info } from '../../helpers/cluster-checks.js';
import { ProcessCluster } from '../../helpers/process-cluster.js';
import { waitFor } from '../../helpers/wait.js';

describe('join: static clusters share their member list', function () {
  this.timeout(120_000);
  let cluster: ProcessCluster | undefined;
  let client: Client | undefined;
  let joiner: CliProcess | undefined;

  afterEach(async () => {
    await client?.close();
    if (joiner && joiner.child.exitCode === null && joiner.child.signalCode === null) joiner.child.kill('SIGTERM');
    await joiner?.exited();
    await cluster?.stop();
    client = undefined;
    joiner = undefined;
    cluster = undefined;
  });

  /** The member ids `address` lists, sorted. */
  const idsOn = async (address: string): Promise<string> => (await info(address)).members.map((m) => m.id).sort().join(',');

  it('a 4th node started with --join alone is listed by every member and a client within 10 s; drain removes it', async () => {
    ({ cluster, client } = await ProcessCluster.withClient(3));
    joiner = startCli(['node', 'start', '--port', '0', '--data-dir', join(cluster.root, 'node-4'), '--node-id', 'node-4',
      '--join', cluster.node('node-2').address, '--health-interval', '200', '--log-level', 'warn']);
    const serving = await joiner.event<{ address: string }>('serving');
    const started = Date.now();
    const four = 'node-1,node-2,node-3,node-4';
    const addresses = [...cluster.nodes.map((n) => n.address), serving.address];
    await waitFor(async () => {
      for (const a of addresses) if ((await idsOn(a)) !== four) return false;
      return client!.members().map((m) => m.id).sort().join(',') === four;
    }, 'every member and the client to list 4 members', 10_000);
    const converged = Date.now() - started;
    console.log(`      join: every member and the client list 4 members ${converged} ms after node-4 served`);
    assert.ok(!(await readFile(cluster.peersFile, 'utf8')).includes(serving.address), 'the joiner is not in the peers file: the list spread by exchange');

    const drain = await runCli(['node', 'drain', '--node', serving.address]);
    assert.equal(drain.code, 0, drain.stderr);
    assert.equal(await joiner.exited(), 0);
    const drained = Date.now();
    await waitFor(async () => {
      for (const n of cluster!.nodes) if ((await idsOn(n.address)) !== 'node-1,node-2,node-3') return false;
      return client!.members().length === 3;
    }, 'every member and the client to drop the drained node', 10_000);
    console.log(`      join: after the drain, every member and the client list 3 members within ${Date.now() - drained} ms`);
  });

  it('a node that counts members another member does not warns loudly', async () => {
    cluster = await ProcessCluster.start(3);
    // node-3 is removed from the shared peers file while it runs: the others drop it, it still counts itself.
    const third = cluster.node('node-3');
    const kept = (await readFile(cluster.peersFile, 'utf8')).split('\n').filter((line) => !line.startsWith('node-3@'));
    await writeFile(cluster.peersFile, kept.join('\n'));
    await waitFor(async () => (await idsOn(cluster!.node('node-1').address)) === 'node-1,node-2', 'node-1 to drop node-3');
    await waitFor(() => third.process.stderr().includes('SPLIT VIEW'), 'node-3 to warn of a split view');
    const warning = third.process.stderr().split('\n').find((line) => line.includes('SPLIT VIEW'))!;
    const entry = JSON.parse(warning) as { level: number; unknownToPeer: string[] };
    assert.equal(entry.level, 40, 'logged at warn level');
    assert.ok(entry.unknownToPeer.some((m) => m.startsWith('node-3@')), warning);
  });
});
