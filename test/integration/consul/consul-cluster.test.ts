import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Client, ErrorCode, type DstashError } from '../../../src/index.js';
import { ConsulDouble } from '../../support/consul-double/consul-double.js';
import { runCli, startCli, type CliProcess } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait.js';

const CHECK_INTERVAL_MS = 200;
/** How long a client may take to see a killed node critical: "within a second" (DESIGN.md, Discovery) when idle, more on a busy machine. */
const NOTICE_LIMIT_MS = 8000;

describe('consul: nodes register through the Consul API double, clients follow them', function () {
  this.timeout(120_000);
  let consul: ConsulDouble;
  let consulAddr: string;
  let dir: { path: string; cleanup: () => Promise<void> };
  const procs: CliProcess[] = [];
  const clients: Client[] = [];

  beforeEach(async () => {
    consul = new ConsulDouble({ aclToken: 'secret-token', reapIntervalMs: 200 });
    consulAddr = await consul.start();
    dir = await tempDir('dstash-consul-');
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    for (const p of procs.splice(0)) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await p.exited();
    }
    await consul.stop();
    await dir.cleanup();
  });

  function nodeArgs(id: string, extra: string[] = []): string[] {
    return ['node', 'start', '--port', '0', '--data-dir', join(dir.path, id), '--node-id', id, '--log-level', 'warn',
      '--discovery', 'consul', '--consul-addr', consulAddr, '--consul-check-interval', `${CHECK_INTERVAL_MS}ms`, '--consul-deregister-after', '1s', ...extra];
  }

  async function startNode(id: string, token = 'secret-token'): Promise<CliProcess> {
    const p = startCli(nodeArgs(id, ['--consul-token', token]));
    procs.push(p);
    await p.event('serving');
    return p;
  }

  function client(options: { token?: string; address?: string } = {}): Client {
    const c = new Client({ consul: { address: options.address ?? consulAddr, token: options.token ?? 'secret-token', wait: '2s' }, timeoutMs: 3000 });
    clients.push(c);
    return c;
  }

  async function healthy(c: Client, total: number, up: number, timeoutMs = 10_000): Promise<void> {
    await c.connect();
    await waitFor(() => c.members().length === total && c.members().filter((m) => m.healthy).length === up,
      `${up}/${total} healthy (seen ${JSON.stringify(c.members().map((m) => [m.id, m.healthy]))})`, timeoutMs);
  }

  it('registers 3 nodes, routes around a killed one, drops it after DeregisterCriticalServiceAfter, and takes it back on restart', async () => {
    const nodes = [await startNode('node-1'), await startNode('node-2'), await startNode('node-3')];
    const c = client();
    await healthy(c, 3, 3);
    assert.deepEqual(c.members().map((m) => m.id), ['node-1', 'node-2', 'node-3']);
    const keys = Array.from({ length: 300 }, (_, i) => `consul-${i}`);
    assert.ok((await c.batchPut(keys.map((k) => ({ key: k, value: Buffer.from(k) })))).every((r) => r.ok));

    const killedAt = Date.now();
    nodes[1]!.child.kill('SIGKILL');
    await nodes[1]!.exited();
    await healthy(c, 3, 2, NOTICE_LIMIT_MS);
    const noticedAfter = Date.now() - killedAt;
    assert.equal(c.members().find((m) => !m.healthy)?.id, 'node-2', 'the killed node is the one marked');
    console.log(`      consul: the client routed around the killed node after ${noticedAfter} ms (check interval ${CHECK_INTERVAL_MS} ms)`);
    const writes = await c.batchPut(keys.map((k) => ({ key: k, value: Buffer.from(`2-${k}`) })));
    assert.equal(writes.filter((r) => !r.ok).length, 0, 'QUORUM writes go on with one node down');

    // DeregisterCriticalServiceAfter = 1s: Consul drops the dead node from the membership.
    await healthy(c, 2, 2, 10_000);

    const again = await startNode('node-2');
    const serving = await again.event<{ nodeId: string }>('serving');
    assert.equal(serving.nodeId, 'node-2', 'same data dir, same node id');
    await healthy(c, 3, 3);
    const reads = await c.batchLookup(keys, { consistency: 'QUORUM' });
    assert.ok(reads.every((r, i) => r.found && r.value.toString() === `2-${keys[i]}`));

    const status = await runCli(['cluster', 'status', '--discovery', 'consul', '--consul-addr', consulAddr, '--consul-token', 'secret-token', '--json']);
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual((JSON.parse(status.stdout) as { members: { id: string }[] }).members.map((m) => m.id), ['node-1', 'node-2', 'node-3']);
  });

  it('refuses a node that registers without the ACL token, with a clear error', async () => {
    const res = await runCli(nodeArgs('node-x', ['--consul-token', 'wrong']));
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /DSTASH_UNAUTHENTICATED|ACL|token/i);
    const none = await runCli(nodeArgs('node-y'), { CONSUL_HTTP_TOKEN: '' });
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /Permission denied|token/i);
  });

  it('gives a clear error when Consul is down as a client starts', async () => {
    await consul.stop();
    const c = client();
    await assert.rejects(c.connect(), (err: DstashError) => {
      assert.equal(err.code, ErrorCode.Discovery);
      assert.match(err.message, new RegExp(consulAddr.replace(/\./g, '\\.')));
      return true;
    });
    consul = new ConsulDouble();
    await consul.start();
  });

  it('keeps serving from its last view while Consul is down', async () => {
    await startNode('node-1');
    await startNode('node-2');
    await startNode('node-3');
    const c = client();
    await healthy(c, 3, 3);
    await consul.pause();
    await c.put('while-consul-is-down', Buffer.from('still works'));
    assert.equal((await c.lookup('while-consul-is-down'))?.toString(), 'still works');
    assert.equal(c.members().length, 3);
    await consul.resume();
    await healthy(c, 3, 3);
  });
});
