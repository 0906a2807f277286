import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { readFile } from 'node:fs/promises';
import { Redis } from 'ioredis';
import { ProcessCluster } from '../../helpers/process-cluster.js';
import { waitFor } from '../../helpers/wait.js';
import { redisPortArgs } from './redis-tools.js';

/** Resident memory of a process, in bytes. */
async function rss(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) * 1024;
}

/** Sends `head`, then `bytes` of filler while the node accepts them; everything the node answered before it closed. */
async function abuse(port: number, head: string, bytes: number): Promise<string> {
  const socket: Socket = connect(port, '127.0.0.1');
  const received: Buffer[] = [];
  socket.on('data', (d: Buffer) => received.push(d));
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('error', () => undefined);
  socket.write(head);
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  for (let sent = 0; sent < bytes && !socket.destroyed; sent += chunk.length) {
    if (!socket.write(chunk)) await new Promise<void>((resolve) => { socket.once('drain', resolve); socket.once('close', resolve); });
  }
  socket.end();
  await closed;
  return Buffer.concat(received).toString('latin1');
}

describe('Redis port with ioredis and raw sockets, 3-node cluster', function () {
  this.timeout(180_000);
  let cluster: ProcessCluster;
  const clients: Redis[] = [];
  const client = (i: number): Redis => {
    const c = new Redis({ port: cluster.nodes[i]!.redisPort!, host: '127.0.0.1', lazyConnect: false, maxRetriesPerRequest: 0 });
    clients.push(c);
    return c;
  };

  before(async () => {
    const redisArgs = await redisPortArgs(3);
    cluster = await ProcessCluster.start(3, [], (id) => ({ args: redisArgs(id) }));
  });

  afterEach(() => {
    for (const c of clients.splice(0)) c.disconnect();
  });

  after(async () => {
    await cluster.stop();
  });

  it('answers a pipeline of 10,000 commands in order, and another node reads what it wrote', async () => {
    const writer = client(0);
    const pipeline = writer.pipeline();
    for (let i = 0; i < 5000; i++) pipeline.set(`p:${i}`, `v${i}`);
    for (let i = 0; i < 5000; i++) pipeline.incr('p:counter');
    const results = await pipeline.exec();
    assert.equal(results!.length, 10_000);
    assert.ok(results!.every(([err]) => err === null), 'no command failed');
    assert.deepEqual(results!.slice(5000).map(([, n]) => n), Array.from({ length: 5000 }, (_, i) => i + 1), 'increments answer in order');
    const reader = client(1);
    const values = await reader.mget(...Array.from({ length: 5000 }, (_, i) => `p:${i}`));
    assert.deepEqual(values, Array.from({ length: 5000 }, (_, i) => `v${i}`));
    assert.equal(await reader.get('p:counter'), '5000');
  });

  it('pages through SCAN cursors with COUNT, and answers HGETALL as a map', async () => {
    const c = client(2);
    await c.mset(...Array.from({ length: 25 }, (_, i) => [`sc:${i}`, 'v']).flat());
    const keys: string[] = [];
    let pages = 0;
    let cursor = '0';
    do {
      const [next, page] = await c.scan(cursor, 'MATCH', 'sc:*', 'COUNT', 7);
      keys.push(...page);
      cursor = next;
      pages += 1;
    } while (cursor !== '0');
    assert.equal(keys.length, 25);
    assert.ok(pages > 1, 'more than one page');
    await c.hset('ih', { a: '1', b: '2' });
    assert.deepEqual(await client(0).hgetall('ih'), { a: '1', b: '2' });
  });

  it('answers malformed RESP and huge declared lengths with a protocol error, closes only that connection, and keeps memory bounded', async () => {
    const port = cluster.nodes[0]!.redisPort!;
    const pid = cluster.nodes[0]!.process.child.pid!;
    const watcher = client(0);
    await watcher.set('still', 'here');
    const before = await rss(pid);
    for (let i = 0; i < 5; i++) {
      assert.match(await abuse(port, '*1\r\n$99999999999\r\n', 32 * 1024 * 1024), /^-ERR Protocol error: invalid bulk length\r\n$/);
      assert.match(await abuse(port, '*9999999999\r\n', 8 * 1024 * 1024), /^-ERR Protocol error: invalid multibulk length\r\n$/);
      assert.match(await abuse(port, '*2\r\n$3\r\nGET\r\n!oops\r\n', 1024), /^-ERR Protocol error: expected '\$', got '!'\r\n$/);
      // A header line that never ends, and an inline request that never ends.
      assert.match(await abuse(port, '*1', 8 * 1024 * 1024), /^-ERR Protocol error: too big multibulk count string\r\n$/);
      assert.match(await abuse(port, 'GET ', 8 * 1024 * 1024), /^-ERR Protocol error: too big inline request\r\n$/);
    }
    // Replies before the error are sent, in order.
    assert.equal(await abuse(port, 'PING\r\n*1\r\n$4\r\nPING\r\n*1\r\n$-7\r\n', 0), '+PONG\r\n+PONG\r\n-ERR Protocol error: invalid bulk length\r\n');
    assert.equal(await watcher.get('still'), 'here', 'the other connection still works');
    const growth = (await rss(pid)) - before;
    console.log(`      node RSS growth after ${5 * 56} MiB of abusive input: ${(growth / 1048576).toFixed(1)} MiB`);
    assert.ok(growth < 64 * 1024 * 1024, `RSS grew by ${growth} bytes`);
  });

  it('answers every command of a pipeline when another node is killed in the middle of it', async () => {
    const c = client(0);
    const pipeline = c.pipeline();
    for (let i = 0; i < 20_000; i++) pipeline.set(`k:${i}`, `v${i}`);
    const done = pipeline.exec();
    // Kill node-3 once the first writes are in.
    await waitFor(async () => (await client(1).exists('k:0')) === 1, 'the pipeline to start', 30_000);
    await cluster.kill('node-3');
    const results = (await done)!;
    assert.equal(results.length, 20_000);
    const failed = results.filter(([err]) => err !== null);
    for (const [err] of failed) assert.match(err!.message, /^DSTASH_[A-Z_]+ /, 'a failure carries a dstash error code');
    const ok = results.map(([err], i) => (err === null ? i : -1)).filter((i) => i >= 0);
    console.log(`      ${ok.length} of 20000 SETs acknowledged with node-3 killed mid-pipeline; ${failed.length} failed`);
    assert.ok(ok.length > 0);
    const reader = client(1);
    const values = await reader.mget(...ok.map((i) => `k:${i}`));
    assert.deepEqual(values, ok.map((i) => `v${i}`), 'every acknowledged SET reads back through another node');
    assert.equal(await c.ping(), 'PONG');
  });
});
