import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { Client, ErrorCode } from '../../../src/index.js';
import { DstashNode } from '../../../src/node/index.js';
import { AdminService } from '../../../src/protocol/definitions.js';
import type { AdminClient } from '../../../src/protocol/generated/dstash/v1/Admin.js';
import { fromServiceError, REASON_METADATA_KEY } from '../../../src/protocol/status.js';
import { withToken } from '../../../src/protocol/bearer-token.js';
import { runCli } from '../../helpers/cli.js';
import { requireTool } from '../../helpers/system-tool.js';
import { redisCli } from '../redis/redis-tools.js';
import { healthStatus, nodeClients, unary } from '../../helpers/grpc-clients.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait.js';
import { call, startLocalCluster, type LocalCluster } from '../http/http-helpers.js';

const TOKENS = { read: 'r-token', write: 'w-token', admin: 'a-token', cluster: 'c-token' } as const;
type Who = keyof typeof TOKENS | 'none' | 'wrong';
const tokenOf = (who: Who): string | undefined => (who === 'none' ? undefined : who === 'wrong' ? 'not-a-token' : TOKENS[who]);
const tokenFileText = (tokens: Record<string, string>): string => `# role token\n${Object.entries(tokens).map(([r, t]) => `${r} ${t}`).join('\n')}\n`;
const b = (s: string): Buffer => Buffer.from(s);

/** The dstash code of a gRPC call's failure, or 'OK'. */
async function outcome(work: Promise<unknown>): Promise<string> {
  try {
    await work;
    return 'OK';
  } catch (err) {
    const e = err as grpc.ServiceError;
    assert.equal(e.metadata?.get(REASON_METADATA_KEY)[0], fromServiceError(e).code, 'the reason travels in the trailers');
    return `${grpc.status[e.code]} ${fromServiceError(e).code}`;
  }
}

describe('auth: bearer tokens with roles on every port', function () {
  this.timeout(60_000);
  let cluster: LocalCluster;
  let root: { path: string; cleanup: () => Promise<void> };
  let tokenFile: string;

  before(async () => {
    root = await tempDir('dstash-auth-');
    tokenFile = join(root.path, 'tokens');
    await writeFile(tokenFile, tokenFileText(TOKENS));
    cluster = await startLocalCluster(2, { authTokenFile: tokenFile, coordinator: { replicas: 2 }, redisPort: 0, redisBind: '127.0.0.1' });
  });
  after(async () => {
    await cluster?.stop();
    await root?.cleanup();
  });

  const node = (): DstashNode => cluster.nodes[0]!;

  function kvCalls(who: Who): { put: Promise<unknown>; lookup: Promise<unknown>; clients: ReturnType<typeof nodeClients> } {
    const clients = nodeClients(node().address, grpc.credentials.createInsecure(), withToken({}, tokenOf(who)));
    // At ALL over two nodes: the put succeeds only when the coordinating node's cluster token opens its peer's Replica service.
    const put = unary(clients.kv, clients.kv.Put, { index: 'auth', key: b(`k-${who}`), value: b('v'), consistency: 'CONSISTENCY_ALL' });
    const lookup = unary(clients.kv, clients.kv.Lookup, { index: 'auth', key: b('k-write'), consistency: 'CONSISTENCY_ALL' });
    return { put, lookup, clients };
  }

  it('KV service: no token or an unknown one is UNAUTHENTICATED; read reads; write and above write', async () => {
    const expected: Record<Who, [string, string]> = {
      none: ['UNAUTHENTICATED DSTASH_UNAUTHENTICATED', 'UNAUTHENTICATED DSTASH_UNAUTHENTICATED'],
      wrong: ['UNAUTHENTICATED DSTASH_UNAUTHENTICATED', 'UNAUTHENTICATED DSTASH_UNAUTHENTICATED'],
      read: ['PERMISSION_DENIED DSTASH_PERMISSION_DENIED', 'OK'],
      write: ['OK', 'OK'],
      admin: ['OK', 'OK'],
      cluster: ['OK', 'OK'],
    };
    for (const who of ['write', 'none', 'wrong', 'read', 'admin', 'cluster'] as Who[]) {
      const c = kvCalls(who);
      try {
        assert.deepEqual([await outcome(c.put), await outcome(c.lookup)], expected[who], who);
      } finally {
        c.clients.close();
      }
    }
  });

  it('Replica service: refuses every client token and takes the cluster token; Info is open to read tokens', async () => {
    for (const who of ['none', 'read', 'write', 'admin', 'cluster'] as Who[]) {
      const c = nodeClients(node().address, grpc.credentials.createInsecure(), withToken({}, tokenOf(who)));
      try {
        const digest = await outcome(unary(c.replica, c.replica.Digest, { partition: 0, buckets: 4 }));
        const info = await outcome(unary(c.replica, c.replica.Info, {}));
        const want = who === 'none' ? 'UNAUTHENTICATED DSTASH_UNAUTHENTICATED' : who === 'cluster' ? 'OK' : 'PERMISSION_DENIED DSTASH_PERMISSION_DENIED';
        assert.equal(digest, want, `Digest with ${who}`);
        assert.equal(info, who === 'none' ? 'UNAUTHENTICATED DSTASH_UNAUTHENTICATED' : 'OK', `Info with ${who}`);
      } finally {
        c.close();
      }
    }
  });

  it('Admin service needs admin; the health service stays open', async () => {
    for (const who of ['none', 'write', 'admin'] as Who[]) {
      const admin = new AdminService(node().address, grpc.credentials.createInsecure(), withToken({}, tokenOf(who))) as unknown as AdminClient;
      try {
        const repair = await outcome(unary(admin as unknown as grpc.Client, admin.Repair as never, {}, 30_000));
        const want = { none: 'UNAUTHENTICATED DSTASH_UNAUTHENTICATED', write: 'PERMISSION_DENIED DSTASH_PERMISSION_DENIED', admin: 'OK' }[who as 'none'];
        assert.equal(repair, want, `Repair with ${who}`);
      } finally {
        admin.close();
      }
    }
    const c = nodeClients(node().address);
    assert.equal(await healthStatus(c.health), 'SERVING');
    c.close();
  });

  it('the SDK passes its token; a client token cannot reach the Replica service through it', async () => {
    const sdk = (token: string): Client => new Client({ peers: cluster.nodes.map((n) => n.address), token, replicas: 2, healthIntervalMs: 100, timeoutMs: 5000 });
    const trusted = sdk(TOKENS.cluster);
    const outsider = sdk(TOKENS.write);
    try {
      await trusted.connect();
      await waitFor(() => trusted.members().filter((m) => m.healthy).length === 2, 'the SDK to see both nodes (Info with its token)');
      await trusted.put('sdk', b('v'), { consistency: 'ALL' });
      assert.equal((await trusted.lookup('sdk', { consistency: 'ALL' }))?.toString(), 'v');
      await outsider.connect();
      await waitFor(() => outsider.members().filter((m) => m.healthy).length === 2, 'a write-token SDK to see both nodes');
      await assert.rejects(outsider.put('sdk', b('x')), (err: { code?: string }) => err.code === ErrorCode.WriteQuorum || err.code === ErrorCode.PermissionDenied);
      const [result] = await outsider.batchLookup(['sdk']);
      assert.equal(result!.found, false);
      assert.ok(result!.error, 'the lookup failed');
    } finally {
      await trusted.close();
      await outsider.close();
    }
  });

  it('REST: 401 without a token, 403 below the role, probes and /metrics open', async () => {
    const port = node().httpPort;
    const bearer = (who: Who): Record<string, string> => (tokenOf(who) ? { authorization: `Bearer ${tokenOf(who)!}` } : {});
    const none = await call(port, 'GET', '/v1/kv/auth/k-write');
    assert.equal(none.status, 401);
    assert.equal(none.json.error.code, ErrorCode.Unauthenticated);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
    assert.equal((await call(port, 'GET', '/v1/kv/auth/k-write', undefined, bearer('wrong'))).status, 401);
    assert.equal((await call(port, 'GET', '/v1/kv/auth/k-write', undefined, bearer('read'))).status, 200);
    const denied = await call(port, 'PUT', '/v1/kv/auth/rest', 'v', bearer('read'));
    assert.equal(denied.status, 403);
    assert.equal(denied.json.error.code, ErrorCode.PermissionDenied);
    assert.ok([200, 204].includes((await call(port, 'PUT', '/v1/kv/auth/rest', 'v', bearer('write'))).status));
    const batch = (who: Who, body: unknown): Promise<number> => call(port, 'POST', '/v1/kv/auth', JSON.stringify(body), { 'content-type': 'application/json', ...bearer(who) }).then((a) => a.status);
    assert.equal(await batch('read', { get: ['rest'] }), 200, 'a batch of gets only reads');
    assert.equal(await batch('read', { put: [{ key: 'x', value: 'y' }] }), 403);
    assert.equal(await batch('write', { put: [{ key: 'x', value: 'y' }] }), 200);
    assert.equal((await call(port, 'GET', '/v1/cluster')).status, 401);
    assert.equal((await call(port, 'GET', '/v1/cluster', undefined, bearer('read'))).status, 200);
    assert.equal((await call(port, 'GET', '/healthz')).status, 200);
    assert.equal((await call(port, 'GET', '/readyz')).status, 200);
    assert.equal((await call(port, 'GET', '/metrics')).status, 200);
  });

  it('truncation needs admin: the SDK (Admin service), REST and Redis FLUSHDB / FLUSHALL refuse read and write tokens', async function () {
    requireTool(this, 'redis-cli', 'redis-tools');
    const sdk = (who: Who): Client => new Client({ peers: cluster.nodes.map((n) => n.address), index: 'auth-trunc', token: tokenOf(who), replicas: 2, healthIntervalMs: 100, timeoutMs: 5000 });
    // The SDK writes through the Replica service, which takes the cluster token only.
    const writer = sdk('cluster');
    try {
      await writer.connect();
      await waitFor(() => writer.members().filter((m) => m.healthy).length === 2, 'the SDK to see both nodes');
      await writer.put('t', b('v'), { consistency: 'ALL' });
      for (const who of ['read', 'write'] as Who[]) {
        const client = sdk(who);
        try {
          await assert.rejects(client.truncate(), (err: { code?: string }) => err.code === ErrorCode.PermissionDenied, `client.truncate with ${who}`);
        } finally {
          await client.close();
        }
      }
      const port = node().httpPort;
      for (const who of ['read', 'write'] as Who[]) {
        const denied = await call(port, 'POST', '/v1/truncate/auth-trunc', undefined, { authorization: `Bearer ${tokenOf(who)!}` });
        assert.equal(denied.status, 403, `POST /v1/truncate/auth-trunc with ${who}`);
        assert.equal(denied.json.error.code, ErrorCode.PermissionDenied);
      }
      const redis = await redisCli(node().redisPort, [], `AUTH ${TOKENS.write}\nFLUSHDB\nFLUSHALL ASYNC\n`);
      assert.deepEqual(redis.split('\n'), [
        'OK',
        "(error) NOPERM User write has no permissions to run the 'flushdb' command",
        "(error) NOPERM User write has no permissions to run the 'flushall' command",
      ]);
      assert.equal((await writer.lookup('t', { consistency: 'ALL' }))?.toString(), 'v', 'nothing was truncated');
      assert.equal((await call(port, 'POST', '/v1/truncate?all=true', undefined, { authorization: `Bearer ${TOKENS.write}` })).status, 403);
      const admitted = await call(port, 'POST', '/v1/truncate/auth-trunc', undefined, { authorization: `Bearer ${TOKENS.admin}` });
      assert.equal(admitted.status, 200, admitted.body.toString());
      assert.equal(await writer.lookup('t', { consistency: 'ALL' }), undefined);
      const admin = sdk('admin');
      try {
        await admin.truncate();
      } finally {
        await admin.close();
      }
      // Database 5 (index db5): the other tests' keys stay.
      assert.equal(await redisCli(node().redisPort, ['--no-auth-warning', '-a', TOKENS.admin, '-n', '5', 'FLUSHDB']), 'OK');
    } finally {
      await writer.close();
    }
  });

  it('Serial service: a serial read needs read; compare-and-set, increment and append need write', async () => {
    const serial = async (who: Who, op: string, extra: Record<string, unknown> = {}): Promise<string> => {
      const c = nodeClients(node().address, grpc.credentials.createInsecure(), withToken({}, tokenOf(who)));
      try {
        return await outcome(unary(c.serial, c.serial.Execute, { index: 'auth', key: b('counter'), op, ...extra }));
      } finally {
        c.close();
      }
    };
    assert.equal(await serial('none', 'SERIAL_OP_READ'), 'UNAUTHENTICATED DSTASH_UNAUTHENTICATED');
    assert.equal(await serial('read', 'SERIAL_OP_READ'), 'OK');
    assert.equal(await serial('read', 'SERIAL_OP_INCREMENT', { by: '1' }), 'PERMISSION_DENIED DSTASH_PERMISSION_DENIED');
    assert.equal(await serial('read', 'SERIAL_OP_SET', { value: b('x'), expectAbsent: true }), 'PERMISSION_DENIED DSTASH_PERMISSION_DENIED');
    assert.equal(await serial('read', 'SERIAL_OP_APPEND', { value: b('x') }), 'PERMISSION_DENIED DSTASH_PERMISSION_DENIED');
    // The node's proposer reaches the other node's acceptor with the cluster token.
    assert.equal(await serial('write', 'SERIAL_OP_INCREMENT', { by: '5' }), 'OK');
    const incr = await runCli(['incr', 'counter', '--index', 'auth', '--by', '2', '--node', node().address, '--token', TOKENS.write]);
    assert.equal(incr.code, 0, incr.stderr);
    assert.equal(incr.stdout.trim(), '7');
    const refused = await runCli(['incr', 'counter', '--index', 'auth', '--node', node().address, '--token', TOKENS.read]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /DSTASH_PERMISSION_DENIED/);
    const read = await runCli(['get', 'counter', '--index', 'auth', '--consistency', 'serial', '--node', node().address, '--token', TOKENS.read]);
    assert.equal(read.code, 0, read.stderr);
    assert.equal(read.stdout.trim(), '7');
  });

  it('Redis port: NOAUTH before AUTH, WRONGPASS for a wrong token, NOPERM above the role (redis-cli)', async function () {
    requireTool(this, 'redis-cli', 'redis-tools');
    const port = node().redisPort;
    assert.ok(port > 0);
    assert.match(await redisCli(port, ['GET', 'r']), /NOAUTH Authentication required/);
    assert.match(await redisCli(port, ['PING']), /NOAUTH/);
    const wrong = await redisCli(port, [], `AUTH not-a-token\nAUTH admin ${TOKENS.write}\nAUTH default\nPING\n`);
    assert.deepEqual(wrong.split('\n'), [
      '(error) WRONGPASS invalid username-password pair or user is disabled.',
      // The user name must be default or the token's role.
      '(error) WRONGPASS invalid username-password pair or user is disabled.',
      '(error) WRONGPASS invalid username-password pair or user is disabled.',
      '(error) NOAUTH Authentication required.',
    ]);
    assert.equal(await redisCli(port, ['--no-auth-warning', '-a', TOKENS.write, 'SET', 'r', '1']), 'OK');
    // One connection, commands from stdin: AUTH first, then what the role allows.
    const asRead = await redisCli(port, [], `AUTH ${TOKENS.read}\nGET r\nSET r 2\nINCR r\nEXPIRE r 0\nEXISTS r\n`);
    assert.deepEqual(asRead.split('\n'), [
      'OK',
      '"1"',
      "(error) NOPERM User read has no permissions to run the 'set' command",
      "(error) NOPERM User read has no permissions to run the 'incr' command",
      "(error) NOPERM User read has no permissions to run the 'expire' command",
      '(integer) 1',
    ]);
    assert.equal(await redisCli(port, ['--no-auth-warning', '--user', 'write', '--pass', TOKENS.write, 'INCR', 'r']), '(integer) 2');
    const hello = await redisCli(port, [], `HELLO 3 AUTH default ${TOKENS.read}\nGET r\n`);
    assert.match(hello, /"2"$/);
  });

  it('dashboard: /ui opens without a token, /v1/stats needs one and reaches every member with the cluster token', async () => {
    const port = node().httpPort;
    assert.equal((await call(port, 'GET', '/ui')).status, 200);
    assert.equal((await call(port, 'GET', '/ui/dashboard.js')).status, 200);
    assert.equal((await call(port, 'GET', '/v1/stats')).status, 401);
    const stats = await call(port, 'GET', '/v1/stats', undefined, { authorization: `Bearer ${TOKENS.read}` });
    assert.equal(stats.status, 200);
    const members = stats.json.members as { id: string; stats: unknown; error: unknown }[];
    assert.equal(members.length, 2);
    for (const m of members) assert.ok(m.stats && m.error === null, `${m.id}: ${JSON.stringify(m.error)}`);
  });

  it('the CLI passes --token and DSTASH_TOKEN', async () => {
    const addr = node().address;
    const denied = await runCli(['put', '--node', addr, 'cli', 'v']);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /DSTASH_UNAUTHENTICATED/);
    const put = await runCli(['put', '--node', addr, '--token', TOKENS.write, 'cli', 'v']);
    assert.equal(put.code, 0, put.stderr);
    const get = await runCli(['get', '--node', addr, 'cli'], { DSTASH_TOKEN: TOKENS.read });
    assert.equal(get.code, 0, get.stderr);
    assert.match(get.stdout, /v/);
    const status = await runCli(['cluster', 'status', '--node', addr, '--json'], { DSTASH_TOKEN: TOKENS.read });
    assert.equal(status.code, 0, status.stderr);
    const drain = await runCli(['node', 'drain', '--node', addr, '--token', TOKENS.read]);
    assert.notEqual(drain.code, 0);
    assert.match(drain.stderr, /DSTASH_PERMISSION_DENIED/);
  });

  it('re-reads the token file when it changes', async () => {
    await writeFile(tokenFile, tokenFileText({ ...TOKENS, read: 'rotated' }));
    const lookupWith = async (token: string): Promise<string> => {
      const c = nodeClients(node().address, grpc.credentials.createInsecure(), withToken({}, token));
      try {
        return await outcome(unary(c.kv, c.kv.Lookup, { index: 'auth', key: b('k') }));
      } finally {
        c.close();
      }
    };
    await waitFor(async () => (await lookupWith('rotated')) === 'OK', 'the new token to be accepted');
    assert.equal(await lookupWith(TOKENS.read), 'UNAUTHENTICATED DSTASH_UNAUTHENTICATED');
    await writeFile(tokenFile, tokenFileText(TOKENS));
    await waitFor(async () => (await lookupWith(TOKENS.read)) === 'OK', 'the old token to be accepted again');
  });
});

describe('auth: token file', function () {
  it('a node refuses to start with a token file that has no cluster token, or a bad line', async () => {
    const dir = await tempDir('dstash-auth-file-');
    try {
      const file = join(dir.path, 'tokens');
      for (const text of ['read r\n', 'root secret\ncluster c\n', 'write\ncluster c\n']) {
        await writeFile(file, text);
        const n = new DstashNode({ dataDir: join(dir.path, 'data'), port: 0, authTokenFile: file });
        await assert.rejects(n.start(), (err: { code?: string }) => err.code === ErrorCode.InvalidOptions, text);
      }
    } finally {
      await dir.cleanup();
    }
  });
});
