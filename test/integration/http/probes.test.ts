import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { once } from 'node:events';
import { join } from 'node:path';
import type { Discovery, Member } from '../../../src/discovery/discovery.js';
import { DstashNode } from '../../../src/node/index.js';
import { startTestNode, type TestNode } from '../../helpers/in-process-node.js';
import { skipBecause } from '../../helpers/system-tool.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait.js';
import { call } from './http-helpers.js';

/** A discovery that knows no member until the test opens its gate. */
class GatedDiscovery implements Discovery {
  open!: () => void;
  private readonly gate = new Promise<void>((resolve) => (this.open = resolve));

  constructor(private readonly self: () => Member) {}

  start(): Promise<void> {
    return this.gate;
  }

  members(): readonly Member[] {
    return [this.self()];
  }

  onChange(): () => void {
    return () => undefined;
  }

  async close(): Promise<void> {
    this.open();
  }
}

describe('http: health and readiness', function () {
  this.timeout(60_000);
  const cleanups: (() => Promise<unknown>)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('answers /healthz and /readyz with 200 once the node serves', async () => {
    const t: TestNode = await startTestNode({ httpPort: 0 });
    cleanups.push(() => t.stop());
    const health = await call(t.node.httpPort, 'GET', '/healthz');
    assert.equal(health.status, 200);
    assert.deepEqual(health.json, { status: 'ok', nodeId: t.node.nodeId });
    const ready = await call(t.node.httpPort, 'GET', '/readyz');
    assert.equal(ready.status, 200);
    assert.deepEqual(ready.json, { ready: true });
  });

  it('says /readyz 503 "the store is not open yet" while the store is not open, 200 once it is', async function () {
    if (process.platform === 'win32') skipBecause(this, 'a FIFO in place of node.json needs mkfifo, which Windows does not have');
    const dir = await tempDir('dstash-http-fifo-');
    // The node reads its identity (node.json) just before it opens its store. A FIFO in
    // its place holds the node there, HTTP port open, until the test writes the identity.
    const identity = join(dir.path, 'node.json');
    execFileSync('mkfifo', [identity]);
    const node = new DstashNode({ dataDir: dir.path, port: 0, httpPort: 0, sweepIntervalMs: 0 });
    let released = false;
    const release = async (): Promise<void> => {
      if (released) return;
      released = true;
      await writeFile(identity, JSON.stringify({ nodeId: 'fifo-node', partitions: 1024 }));
    };
    const started = node.start();
    cleanups.push(() => dir.cleanup(), async () => {
      await release();
      await started.catch(() => undefined);
      await node.stop();
    });

    const port = await waitFor(() => node.httpPort, 'the HTTP port to open');
    const notReady = await call(port, 'GET', '/readyz');
    assert.equal(notReady.status, 503);
    assert.deepEqual(notReady.json, { ready: false, reason: 'the store is not open yet' });
    assert.equal(node.status, 'starting');
    assert.equal((await call(port, 'GET', '/healthz')).status, 200, 'alive while starting');
    const early = await call(port, 'GET', '/v1/kv/default/k');
    assert.equal(early.status, 503);
    assert.equal(early.json.error.code, 'DSTASH_UNAVAILABLE');
    assert.match(early.json.error.message, /store is not open/);
    assert.equal((await call(port, 'GET', '/v1/cluster')).json.ready, false);

    await release();
    await started;
    const ready = await call(port, 'GET', '/readyz');
    assert.equal(ready.status, 200);
    assert.equal(node.nodeId, 'fifo-node');
  });

  it('says /readyz 503 "the membership is not known yet" until discovery has started', async () => {
    // Read once discovery has started, when the node knows its id and address.
    const discovery = new GatedDiscovery((): Member => ({ id: node.nodeId, address: node.address, healthy: true }));
    const dir = await tempDir('dstash-http-gate-');
    const node: DstashNode = new DstashNode({ dataDir: dir.path, port: 0, httpPort: 0, sweepIntervalMs: 0, discovery });
    const started = node.start();
    cleanups.push(() => dir.cleanup(), async () => {
      discovery.open();
      await started.catch(() => undefined);
      await node.stop();
    });

    const port = await waitFor(() => node.httpPort, 'the HTTP port to open');
    const notReady = await waitFor(async () => {
      const answer = await call(port, 'GET', '/readyz');
      return answer.json.reason === 'the membership is not known yet' ? answer : undefined;
    }, 'the store to open');
    assert.equal(notReady.status, 503);
    discovery.open();
    await started;
    assert.equal((await call(port, 'GET', '/readyz')).status, 200);
  });

  it('fails start with DSTASH_INVALID_OPTIONS when the HTTP port is taken', async () => {
    const taken: Server = createServer();
    taken.listen(0, '127.0.0.1');
    await once(taken, 'listening');
    cleanups.push(() => new Promise((resolve) => taken.close(resolve)));
    const port = (taken.address() as { port: number }).port;
    const dir = await tempDir('dstash-http-taken-');
    const node = new DstashNode({ dataDir: dir.path, port: 0, httpPort: port });
    cleanups.push(() => dir.cleanup(), () => node.stop());
    await assert.rejects(node.start(), (err: { code: string; message: string }) => {
      assert.equal(err.code, 'DSTASH_INVALID_OPTIONS');
      assert.match(err.message, /--http-port/);
      return true;
    });
    assert.equal(node.status, 'stopped');
  });

  it('rejects an httpPort that is not a port number', () => {
    assert.throws(() => new DstashNode({ dataDir: '/nonexistent', httpPort: 70_000 }), { code: 'DSTASH_INVALID_OPTIONS' });
    assert.throws(() => new DstashNode({ dataDir: '/nonexistent', maxHttpBodyBytes: 0 }), { code: 'DSTASH_INVALID_OPTIONS' });
  });
});
