import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { runCli, startCli, type CliProcess } from '../../helpers/cli.js';
import { waitFor } from '../../helpers/wait.js';

interface DevServing {
  nodes: { nodeId: string; address: string }[];
  dataDir: string;
}

describe('cli: dstash dev, data commands and cluster status', function () {
  this.timeout(120_000);
  let dev: CliProcess;
  let serving: DevServing;
  before(async () => {
    dev = startCli(['dev', '--base-port', '0']);
    serving = await dev.event<DevServing>('serving');
  });
  after(async () => {
    if (dev.child.exitCode === null && dev.child.signalCode === null) dev.child.kill('SIGKILL');
    await dev.exited();
  });

  it('starts a 3-node local cluster and says how to reach it', async () => {
    assert.deepEqual(serving.nodes.map((n) => n.nodeId), ['node-1', 'node-2', 'node-3']);
    await waitFor(() => /3 node\(s\) serving/.test(dev.stderr()) && dev.stderr().includes(`dstash put hello world --node ${serving.nodes[0]!.address}`), 'the banner');
  });

  it('puts through one node and gets through another, with --json, --index and --consistency', async () => {
    const [a, b] = serving.nodes;
    const put = await runCli(['put', 'greeting', 'hello, world', '--node', a!.address, '--index', 'cli', '--consistency', 'all', '--json']);
    assert.equal(put.code, 0, put.stderr);
    assert.equal((JSON.parse(put.stdout) as { ok: boolean }).ok, true);
    const get = await runCli(['get', 'greeting', '--node', b!.address, '--index', 'cli', '--json']);
    assert.equal(get.code, 0, get.stderr);
    assert.deepEqual((JSON.parse(get.stdout) as { found: boolean; value: string }).value, 'hello, world');
    const raw = await runCli(['get', 'greeting', '--node', b!.address, '--index', 'cli']);
    assert.equal(raw.stdout, 'hello, world');
  });

  it('says a missing key is missing, with exit code 1, and deletes', async () => {
    const node = serving.nodes[2]!.address;
    assert.equal((await runCli(['put', 'gone', 'soon', '--node', node])).code, 0);
    const del = await runCli(['del', 'gone', '--node', node]);
    assert.equal(del.code, 0, del.stderr);
    const get = await runCli(['get', 'gone', '--node', node, '--json']);
    assert.equal(get.code, 1);
    assert.deepEqual(JSON.parse(get.stdout), { found: false });
  });

  it('scans by prefix', async () => {
    const node = serving.nodes[0]!.address;
    for (const k of ['s:1', 's:2', 't:1']) assert.equal((await runCli(['put', k, `v${k}`, '--node', node, '--index', 'scan'])).code, 0);
    const res = await runCli(['scan', '--prefix', 's:', '--node', node, '--index', 'scan', '--json']);
    assert.equal(res.code, 0, res.stderr);
    const keys = res.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { key: string }).key).sort();
    assert.deepEqual(keys, ['s:1', 's:2']);
  });

  it('answers bad input with the error code and a non-zero exit', async () => {
    const res = await runCli(['put', 'k', 'v', '--node', serving.nodes[0]!.address, '--index', 'bad/index']);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /DSTASH_INVALID_INDEX/);
  });

  it('shows members, health and partitions per node', async () => {
    const res = await runCli(['cluster', 'status', '--node', serving.nodes[0]!.address, '--json']);
    assert.equal(res.code, 0, res.stderr);
    const status = JSON.parse(res.stdout) as { partitions: number; replicas: number; members: { id: string; healthy: boolean; partitions: number }[] };
    assert.equal(status.members.length, 3);
    assert.ok(status.members.every((m) => m.healthy));
    assert.equal(status.members.reduce((s, m) => s + m.partitions, 0), status.partitions * status.replicas);
    const table = await runCli(['cluster', 'status', '--node', serving.nodes[0]!.address]);
    assert.match(table.stdout, /NODE\s+ADDRESS\s+ZONE\s+HEALTH\s+PARTITIONS/);
    assert.equal(table.stdout.split('\n').filter((l) => /^node-\d/.test(l)).length, 3);
  });

  it('stops cleanly on Ctrl-C and removes its temp data', async () => {
    dev.child.kill('SIGINT');
    assert.equal(await dev.exited(), 0);
    assert.equal(existsSync(serving.dataDir), false);
  });
});
