import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { BIN, runCli, startCli, type CliProcess } from '../../helpers/cli.js';
import { requireMachine } from '../../helpers/system-tool.js';
import { tempDir } from '../../helpers/temp-dir.js';

interface DevServing {
  nodes: { nodeId: string; address: string }[];
}

/** A port nothing listens on: one the system handed out and took back. */
async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  await once(server, 'close');
  return port;
}

describe('cli: what a new user runs into first', function () {
  this.timeout(120_000);
  let dev: CliProcess;
  let node: string;
  let dir: { path: string; cleanup: () => Promise<void> };
  before(async () => {
    dir = await tempDir('dstash-cli-first-');
    dev = startCli(['dev', '--base-port', '0']);
    node = (await dev.event<DevServing>('serving')).nodes[0]!.address;
  });
  after(async () => {
    if (dev.child.exitCode === null && dev.child.signalCode === null) dev.child.kill('SIGINT');
    await dev.exited();
    await dir.cleanup();
  });

  it('cluster status shows the bytes each node stores, write-ahead log included', async () => {
    const file = join(dir.path, 'half-mib');
    await writeFile(file, Buffer.alloc(512 * 1024, 7));
    for (const key of ['size-1', 'size-2']) assert.equal((await runCli(['put', key, '--file', file, '--node', node])).code, 0);
    const res = await runCli(['cluster', 'status', '--node', node, '--json']);
    assert.equal(res.code, 0, res.stderr);
    const members = (JSON.parse(res.stdout) as { members: { id: string; sizeBytes: number }[] }).members;
    // N=3 on 3 nodes: every node holds both values.
    for (const m of members) assert.ok(m.sizeBytes >= 1024 * 1024, `${m.id} reports ${m.sizeBytes} bytes`);
  });

  it('runs under a uid with no passwd entry and no SHELL, as a container with an arbitrary uid does', function () {
    requireMachine(this, process.getuid?.() === 0, 'changing uid (setpriv) needs root');
    const uid = 4243;
    assert.notEqual(spawnSync('getent', ['passwd', String(uid)]).status, 0, `uid ${uid} must have no passwd entry for this test`);
    const env = { ...process.env };
    delete env.SHELL;
    const res = spawnSync('setpriv', ['--euid', String(uid), '--egid', String(uid), '--clear-groups', '--inh-caps', '+dac_override', '--ambient-caps', '+dac_override', process.execPath, BIN, 'get', 'no-such-key', '--node', node], { env, encoding: 'utf8' });
    assert.equal(res.error, undefined);
    assert.equal(res.status, 1, res.stderr);
    assert.match(res.stderr, /not found/);
  });

  it('--help describes the cluster and node topics in their own words', async () => {
    const res = await runCli(['--help']);
    assert.equal(res.code, 0, res.stderr);
    const topics = res.stdout.split('TOPICS')[1]?.split('COMMANDS')[0] ?? '';
    assert.match(topics, /^ {2}cluster +Inspect and repair a cluster/m, res.stdout);
    assert.match(topics, /^ {2}node +Run a node; stop, restart, drain or rebuild one/m, res.stdout);
  });

  it('put refuses a VALUE together with --file, and an unreadable --file, with exit 2 and a code', async () => {
    const file = join(dir.path, 'value');
    await writeFile(file, 'from the file');
    const both = await runCli(['put', 'both', 'from the argument', '--file', file, '--node', node]);
    assert.equal(both.code, 2, both.stderr);
    assert.match(both.stderr, /DSTASH_INVALID_ARGUMENT/);
    assert.equal((await runCli(['get', 'both', '--node', node])).code, 1, 'nothing was stored');
    const missing = await runCli(['put', 'k', '--file', join(dir.path, 'no-such-file'), '--node', node]);
    assert.equal(missing.code, 2, missing.stderr);
    assert.match(missing.stderr, /DSTASH_INVALID_ARGUMENT/);
  });

  it('get --json and scan --json keep binary values intact: base64 when asked, or marked base64 when not UTF-8', async () => {
    const bytes = Buffer.from([0xff, 0xfe, 0x00, 0x61, 0x80]);
    const file = join(dir.path, 'binary');
    await writeFile(file, bytes);
    assert.equal((await runCli(['put', 'bin', '--file', file, '--node', node, '--index', 'bin'])).code, 0);
    const got = JSON.parse((await runCli(['get', 'bin', '--json', '--node', node, '--index', 'bin'])).stdout) as { value: string; valueEncoding?: string };
    assert.deepEqual([Buffer.from(got.value, 'base64'), got.valueEncoding], [bytes, 'base64']);
    const scanned = JSON.parse((await runCli(['scan', '--json', '--node', node, '--index', 'bin'])).stdout) as { key: string; value: string; valueEncoding?: string };
    assert.deepEqual([scanned.key, Buffer.from(scanned.value, 'base64'), scanned.valueEncoding], ['bin', bytes, 'base64']);

    // --encoding base64: binary keys and values both ways.
    const key = Buffer.from([0x00, 0xc3]).toString('base64');
    assert.equal((await runCli(['put', key, bytes.toString('base64'), '--encoding', 'base64', '--node', node, '--index', 'bin'])).code, 0);
    const back = JSON.parse((await runCli(['get', key, '--encoding', 'base64', '--json', '--node', node, '--index', 'bin'])).stdout) as { value: string };
    assert.equal(back.value, bytes.toString('base64'));
    const bad = await runCli(['get', 'not base64!', '--encoding', 'base64', '--node', node]);
    assert.deepEqual([bad.code, /DSTASH_INVALID_ARGUMENT/.test(bad.stderr)], [2, true]);
  });

  it('a value over the node\'s message limit is DSTASH_INVALID_VALUE, as one over --max-value-bytes is', async () => {
    const file = join(dir.path, 'seventy-mb');
    await writeFile(file, Buffer.alloc(70 * 1024 * 1024));
    const res = await runCli(['put', 'huge', '--file', file, '--node', node]);
    assert.equal(res.code, 2, res.stderr);
    assert.match(res.stderr, /DSTASH_INVALID_VALUE/);
  });

  it('--node without a port dials 7420, and a bad --node is refused before dialling', async () => {
    const res = await runCli(['get', 'k', '--node', '127.0.0.1', '--timeout', '2000']);
    assert.doesNotMatch(res.stderr, /:443\b/);
    // Something may serve 127.0.0.1:7420 on this machine; if not, the error names that address.
    if (res.code === 2) assert.match(res.stderr, /127\.0\.0\.1:7420/);
    for (const bad of ['127.0.0.1:http', 'http://127.0.0.1:7420', '127.0.0.1:70000']) {
      const refused = await runCli(['get', 'k', '--node', bad]);
      assert.equal(refused.code, 2, `${bad}: ${refused.stderr}`);
      assert.match(refused.stderr, /DSTASH_INVALID_ARGUMENT/, bad);
    }
  });

  it('an unreachable node is DSTASH_UNAVAILABLE without grpc-js\'s resolution notes, and an HTTP port is named as such', async () => {
    const port = await closedPort();
    const down = await runCli(['get', 'k', '--node', `127.0.0.1:${port}`, '--timeout', '3000']);
    assert.equal(down.code, 2);
    assert.match(down.stderr, /DSTASH_UNAVAILABLE/);
    assert.doesNotMatch(down.stderr, /Resolution note|No connection established/);

    const http: Server = createServer((_req, res) => res.end('not gRPC')).listen(0, '127.0.0.1');
    await once(http, 'listening');
    try {
      const wrong = await runCli(['get', 'k', '--node', `127.0.0.1:${(http.address() as AddressInfo).port}`, '--timeout', '3000']);
      assert.equal(wrong.code, 2);
      assert.match(wrong.stderr, /DSTASH_UNAVAILABLE/);
      assert.doesNotMatch(wrong.stderr, /Resolution note/);
      assert.match(wrong.stderr, /HTTP port/);
    } finally {
      http.close();
    }
  });

  it('an unknown command exits 2 and suggests the closest one', async () => {
    const res = await runCli(['getx', 'k']);
    assert.equal(res.code, 2);
    assert.match(res.stderr, /DSTASH_INVALID_ARGUMENT/);
    assert.match(res.stderr, /"get"/);
    assert.doesNotMatch(res.stderr, /getx:k/);
    const topic = await runCli(['cluster', 'stauts']);
    assert.equal(topic.code, 2);
    assert.match(topic.stderr, /"cluster status"/);
  });

  it('refuses the index names . and .., which URLs cannot reach', async () => {
    for (const index of ['.', '..']) {
      const res = await runCli(['put', 'k', 'v', '--index', index, '--node', node]);
      assert.equal(res.code, 2, `${index}: ${res.stderr}`);
      assert.match(res.stderr, /DSTASH_INVALID_INDEX/);
    }
  });
});
