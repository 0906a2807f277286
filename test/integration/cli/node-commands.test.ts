/**
 * The operator's node commands, run as child processes of the CLI against
 * real node processes: `node stop` (a graceful stop over the Admin service:
 * exit code 0, data intact, no drain mark), `node restart` (the restart exit
 * code, refused without an admin token), and `cluster status --watch` (a new
 * table on every change of health, until SIGINT).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { RESTART_EXIT_CODE } from '../../../src/node/index.js';
import type { Client } from '../../../src/index.js';
import { BIN, followCli, runCli, startCli, type CliProcess } from '../../helpers/cli.js';
import { readOn } from '../../helpers/cluster-checks.js';
import { ProcessCluster } from '../../helpers/process-cluster.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait.js';

/** The rows of the last table in `text` that name `id`, as [id, health]. */
function lastHealth(text: string, id: string): string | undefined {
  const rows = text.split('\n').filter((line) => line.startsWith(`${id} `));
  return rows.at(-1)?.split(/\s+/)[3];
}

describe('cli: node stop, node restart and cluster status --watch', function () {
  this.timeout(120_000);
  let cluster: ProcessCluster | undefined;
  let client: Client | undefined;
  let processes: CliProcess[] = [];
  let cleanup: (() => Promise<void>) | undefined;

  afterEach(async () => {
    for (const p of processes) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await Promise.all(processes.map((p) => p.exited()));
    await client?.close();
    await cluster?.stop();
    await cleanup?.();
    processes = [];
    client = undefined;
    cluster = undefined;
    cleanup = undefined;
  });

  it('node stop: the node answers, exits 0, and starts again on its data, which is intact', async () => {
    ({ cluster, client } = await ProcessCluster.withClient(3));
    const keys = Array.from({ length: 300 }, (_, i) => `stop-${i}`);
    const written = await client.batchPut(keys.map((k) => ({ key: k, value: Buffer.from(`value of ${k}`) })));
    assert.ok(written.every((w) => w.ok));
    const stopped = cluster.node('node-3');

    const stop = await runCli(['node', 'stop', '--node', stopped.address]);
    assert.equal(stop.code, 0, stop.stderr);
    assert.match(stop.stdout, /^node-3 at .* is stopping \(exit code 0\)$/m);
    assert.equal(await stopped.process.exited(), 0);

    // No drain mark: the node starts again on its data dir, and holds every key (N=3: each node holds all).
    const again = await cluster.restart('node-3');
    assert.deepEqual(await readOn(again.address, keys), keys.map((k) => `value of ${k}`));
  });

  it('node restart: refused without a token and with a read token; with an admin token the node exits with the restart code', async () => {
    const dir = await tempDir('dstash-restart-');
    cleanup = dir.cleanup;
    const tokens = join(dir.path, 'tokens');
    await writeFile(tokens, 'read r-token\nadmin a-token\ncluster c-token\n');
    const start = (): CliProcess => {
      const p = startCli(['node', 'start', '--port', '0', '--data-dir', join(dir.path, 'data'), '--node-id', 'restart-1', '--auth-token-file', tokens, '--log-level', 'warn']);
      processes.push(p);
      return p;
    };
    const node = start();
    const { address } = await node.event<{ address: string }>('serving');

    const none = await runCli(['node', 'restart', '--node', address]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /DSTASH_UNAUTHENTICATED/);
    const read = await runCli(['node', 'restart', '--node', address, '--token', 'r-token']);
    assert.equal(read.code, 2);
    assert.match(read.stderr, /DSTASH_PERMISSION_DENIED/);
    assert.equal(node.child.exitCode, null, 'a refused restart leaves the node running');

    const admin = await runCli(['node', 'restart', '--node', address, '--token', 'a-token']);
    assert.equal(admin.code, 0, admin.stderr);
    assert.match(admin.stdout, new RegExp(`restart-1 at .* is stopping to restart \\(exit code ${RESTART_EXIT_CODE}\\)`));
    assert.equal(await node.exited(), RESTART_EXIT_CODE);
    // What a supervisor does on that code: start it again; it comes back on its data dir.
    await start().event('serving');
  });

  it('cluster status --watch: a new table when a node stops; exits 0 on SIGINT', async () => {
    cluster = await ProcessCluster.start(3);
    const child = spawn(process.execPath, [BIN, 'cluster', 'status', '--watch', '--node', cluster.node('node-1').address, '--health-interval', '200'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const watch = followCli(child);
    processes.push(watch);
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { stdout += chunk; });
    const tables = (): number => stdout.split('\n').filter((line) => line.startsWith('cluster seen by')).length;

    await waitFor(() => ['node-1', 'node-2', 'node-3'].every((id) => lastHealth(stdout, id) === 'healthy'), `a table of 3 healthy members; stdout: ${stdout}; stderr: ${watch.stderr()}`, 20_000);
    const before = tables();
    const stop = await runCli(['node', 'stop', '--node', cluster.node('node-3').address]);
    assert.equal(stop.code, 0, stop.stderr);
    await waitFor(() => lastHealth(stdout, 'node-3') === 'UNHEALTHY', `a table with node-3 UNHEALTHY; stdout: ${stdout}`, 20_000);
    assert.ok(tables() > before, 'a new table, not an edit of the old one');
    assert.equal(lastHealth(stdout, 'node-1'), 'healthy');

    assert.equal(child.exitCode, null, 'the watch goes on until it is interrupted');
    child.kill('SIGINT');
    assert.equal(await watch.exited(), 0);
  });
});
