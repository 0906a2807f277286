/**
 * The node's bounds on what callers send (DESIGN.md: bad input never costs
 * unbounded memory): entries per batch message, idle connections on the gRPC
 * port, and slow headers on the HTTP port.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import * as grpc from '@grpc/grpc-js';
import { startTestNode, type TestNode } from '../../helpers/in-process-node.js';
import { exchange, healthStatus } from '../../helpers/grpc-clients.js';
import { waitFor } from '../../helpers/wait.js';

const b = (s: string): Buffer => Buffer.from(s);

/** Opens `count` TCP connections to `port` and counts those the server closes. */
async function holdConnections(port: number, count: number, send?: string): Promise<{ sockets: Socket[]; closed: () => number }> {
  let closed = 0;
  const sockets = await Promise.all(Array.from({ length: count }, async () => {
    const s = connect(port, '127.0.0.1');
    s.on('error', () => undefined);
    s.resume(); // read what the server sends, so that its close is seen
    s.on('close', () => {
      closed += 1;
    });
    await once(s, 'connect');
    if (send) s.write(send);
    return s;
  }));
  return { sockets, closed: () => closed };
}

describe('node: limits on what callers send', function () {
  this.timeout(30_000);
  let t: TestNode;
  let held: Socket[] = [];

  afterEach(async () => {
    for (const s of held) s.destroy();
    held = [];
    await t?.stop();
  });

  it('refuses a batch message over maxBatchEntries with INVALID_ARGUMENT naming the limit, and keeps serving', async () => {
    t = await startTestNode({ maxBatchEntries: 100 });
    const entries = Array.from({ length: 101 }, (_, i) => ({ key: b(`k${i}`), value: b('v') }));
    for (const [name, call, batch] of [
      ['PutStream', t.clients.kv.PutStream(), { id: 1, index: 'i', entries }],
      ['LookupStream', t.clients.kv.LookupStream(), { id: 1, index: 'i', keys: entries.map((e) => e.key) }],
      ['Apply', t.clients.replica.Apply(), { id: 1, index: 'i', records: entries.map((e) => ({ ...e, version: Buffer.alloc(12, 1) })) }],
    ] as const) {
      await assert.rejects(exchange(call as grpc.ClientDuplexStream<object, { id: number }>, [batch]), (err: grpc.ServiceError) => {
        assert.equal(err.code, grpc.status.INVALID_ARGUMENT, name);
        assert.match(err.details, /101 entries.*limit of 100.*maxBatchEntries/);
        assert.equal(err.metadata.get('dstash-reason')[0], 'DSTASH_INVALID_ARGUMENT');
        return true;
      });
    }
    const ok = await exchange(t.clients.kv.PutStream(), [{ id: 2, index: 'i', entries: entries.slice(0, 100) }]);
    assert.ok(ok.get(2)!.results.every((r) => r.status!.code === 0), 'a batch at the limit is served');
  });

  it('closes gRPC connections that stay idle past idleConnectionMs', async () => {
    t = await startTestNode({ idleConnectionMs: 300 });
    const { sockets, closed } = await holdConnections(t.node.port, 50);
    held = sockets;
    await waitFor(() => closed() === 50, `all 50 idle connections to be closed (closed ${closed()})`, 10_000);
    assert.equal(await healthStatus(t.clients.health), 'SERVING');
  });

  it('closes HTTP connections whose headers do not arrive within headersTimeoutMs', async () => {
    t = await startTestNode({ httpPort: 0, headersTimeoutMs: 300 });
    const { sockets, closed } = await holdConnections(t.node.httpPort, 50, 'GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ');
    held = sockets;
    await waitFor(() => closed() === 50, `all 50 slow-header connections to be closed (closed ${closed()})`, 10_000);
    const res = await fetch(`http://127.0.0.1:${t.node.httpPort}/healthz`);
    assert.equal(res.status, 200, 'the port still serves');
  });
});
