/**
 * Truncation as a cluster operation on a 3-node cluster of real processes:
 * the SDK, REST, the CLI and Redis FLUSHDB / FLUSHALL truncate an index on
 * every replica, other indexes stay, later writes are kept, and a node that
 * was down during a truncation (with hints for it pending) brings nothing
 * back when it returns.
 */
import assert from 'node:assert/strict';
import { ErrorCode, hasCode, TruncateIncompleteError, type Client } from '../../../src/index.js';
import { runCli } from '../../helpers/cli.js';
import { info, readOn } from '../../helpers/cluster-checks.js';
import { ProcessCluster } from '../../helpers/process-cluster.js';
import { waitFor } from '../../helpers/wait.js';
import { call } from '../http/http-helpers.js';
import { requireTool } from '../../helpers/system-tool.js';
import { freePort, redisCli, redisPortArgs } from '../redis/redis-tools.js';

const keysOf = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}-${i}`);

describe('truncation: FLUSHDB / FLUSHALL as a cluster operation, 3-node cluster', function () {
  this.timeout(240_000);
  let cluster: ProcessCluster;
  let client: Client;
  let httpPort = 0;

  before(async () => {
    const redisArgs = await redisPortArgs(3);
    httpPort = await freePort();
    // Anti-entropy only on demand: what comes back must come back through hints and reads, not be hidden by a repair.
    cluster = await ProcessCluster.start(3, ['--anti-entropy-interval', '0'], (id) => ({ args: [...redisArgs(id), ...(id === 'node-2' ? ['--http-port', String(httpPort)] : [])] }));
    client = cluster.client();
    await ProcessCluster.until(client, 3, 3);
  });

  after(async () => {
    await client?.close();
    await cluster?.stop();
  });

  /** Writes `keys` of `index` on every replica, each key's value its name. */
  async function writeAll(index: string, keys: readonly string[]): Promise<void> {
    const results = await client.batchPut(keys.map((key) => ({ key, value: Buffer.from(key) })), { index, consistency: 'ALL' });
    assert.deepEqual(results.filter((r) => !r.ok), []);
  }

  /** What every node's own store holds of `keys` of `index`. */
  async function onEveryNode(index: string, keys: readonly string[]): Promise<(string | undefined)[][]> {
    return Promise.all(cluster.nodes.map((n) => readOn(n.address, keys, index)));
  }

  /** The values read at ALL (undefined where missing). */
  async function readAll(index: string, keys: readonly string[]): Promise<(string | undefined)[]> {
    const results = await client.batchLookup(keys, { index, consistency: 'ALL' });
    return results.map((r) => {
      if (r.found) return r.value.toString();
      assert.equal(r.error, undefined);
      return undefined;
    });
  }

  it('the SDK truncates one index on every replica, keeps the other index, and keeps what is written after it', async () => {
    const gone = keysOf('gone', 200);
    const kept = keysOf('kept', 200);
    await writeAll('trunc-a', gone);
    await writeAll('trunc-b', kept);
    await client.truncate('trunc-a');
    for (const [i, values] of (await onEveryNode('trunc-a', gone)).entries()) assert.deepEqual(new Set(values), new Set([undefined]), `${cluster.nodes[i]!.id} holds none of the truncated index`);
    for (const [i, values] of (await onEveryNode('trunc-b', kept)).entries()) assert.deepEqual(values, kept, `${cluster.nodes[i]!.id} holds all of the other index`);
    assert.deepEqual(new Set(await readAll('trunc-a', gone)), new Set([undefined]));
    assert.deepEqual(await client.scan({ index: 'trunc-a' })[Symbol.asyncIterator]().next(), { done: true, value: undefined });

    await client.put(gone[0]!, Buffer.from('after'), { index: 'trunc-a', consistency: 'ALL' });
    assert.deepEqual(await readAll('trunc-a', gone.slice(0, 2)), ['after', undefined], 'a write after the truncation is kept');
    for (const node of cluster.nodes) {
      const truncations = (await info(node.address)).truncations.map((t) => t.index);
      assert.ok(truncations.includes('trunc-a'), `${node.id} keeps the truncation (Info: ${truncations.join(', ')})`);
    }
  });

  it('REST: POST /v1/truncate/:index truncates through any node and answers the truncation\'s version; a DELETE of the index does not', async () => {
    const keys = keysOf('rest', 100);
    await writeAll('trunc-rest', keys);
    assert.equal((await call(httpPort, 'DELETE', '/v1/kv/trunc-rest')).status, 405, 'a DELETE without its key empties nothing');
    assert.equal((await call(httpPort, 'POST', '/v1/truncate')).status, 400, 'every index only with all=true');
    for (const values of await onEveryNode('trunc-rest', keys)) assert.deepEqual(values, keys);
    const answer = await call(httpPort, 'POST', '/v1/truncate/trunc-rest');
    assert.equal(answer.status, 200, answer.body.toString());
    assert.match(answer.json.version as string, /^[0-9a-f]{24}$/);
    for (const values of await onEveryNode('trunc-rest', keys)) assert.deepEqual(new Set(values), new Set([undefined]));
    assert.equal((await call(httpPort, 'POST', '/v1/truncate/bad%20index')).json.error.code, ErrorCode.InvalidIndex);
  });

  it('CLI: dstash truncate INDEX empties it on every member; without an index or --all it refuses', async () => {
    const keys = keysOf('cli', 100);
    await writeAll('trunc-cli', keys);
    const res = await runCli(['truncate', 'trunc-cli', '--node', cluster.node('node-3').address, '--json']);
    assert.equal(res.code, 0, res.stderr);
    assert.deepEqual(JSON.parse(res.stdout), { ok: true, index: 'trunc-cli', members: 3 });
    for (const values of await onEveryNode('trunc-cli', keys)) assert.deepEqual(new Set(values), new Set([undefined]));
    const refused = await runCli(['truncate', '--node', cluster.node('node-3').address]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--all/);
  });

  it('Redis: FLUSHDB empties the SELECTed database only, FLUSHALL ASYNC every one, and the next GET sees it (redis-cli)', async function () {
    requireTool(this, 'redis-cli', 'redis-tools');
    const port = cluster.node('node-1').redisPort!;
    const first = await redisCli(port, [], 'SET a 1\nSELECT 1\nSET b 2\nFLUSHDB\nGET b\nSELECT 0\nGET a\n');
    assert.deepEqual(first.split('\n'), ['OK', 'OK', 'OK', 'OK', '(nil)', 'OK', '"1"']);
    // db0 is the index `default`, db1 `db1`, on every replica.
    assert.deepEqual(await onEveryNode('db1', ['b']), [[undefined], [undefined], [undefined]]);
    assert.deepEqual(await onEveryNode('default', ['a']), [['1'], ['1'], ['1']]);
    const second = await redisCli(port, [], 'SELECT 1\nSET c 3\nFLUSHALL ASYNC\nGET c\nSELECT 0\nGET a\nSET d 4\nGET d\nFLUSHALL SYNC\nGET d\nFLUSHALL NOW\n');
    assert.deepEqual(second.split('\n'), ['OK', 'OK', 'OK', '(nil)', 'OK', '(nil)', 'OK', '"4"', 'OK', '(nil)', '(error) ERR syntax error']);
    for (const values of await onEveryNode('default', ['a', 'd'])) assert.deepEqual(values, [undefined, undefined]);
  });

  it('serial operations see a truncated key absent: an increment after it starts again from 0 (SDK, and INCR through redis-cli)', async function () {
    requireTool(this, 'redis-cli', 'redis-tools');
    // Values that only Paxos wrote: the acceptors hold them as accepted values, besides the stores.
    for (let i = 0; i < 5; i++) await client.increment('counter', 1, { index: 'trunc-serial' });
    await client.truncate('trunc-serial');
    assert.equal(await client.increment('counter', 1, { index: 'trunc-serial' }), 1n, 'the count starts again after the truncation');
    const port = cluster.node('node-2').redisPort!;
    const replies = await redisCli(port, [], 'INCR n\nINCR n\nFLUSHALL\nINCR n\nGET n\nFLUSHALL ASYNC\nINCRBY n 5\n');
    assert.deepEqual(replies.split('\n'), ['(integer) 1', '(integer) 2', 'OK', '(integer) 1', '"1"', 'OK', '(integer) 5']);
  });

  it('a node stopped during a truncation, restarted with hints for it pending, brings none of the old keys back', async () => {
    const before = keysOf('before', 200);
    const missed = keysOf('missed', 200);
    await writeAll('trunc-down', before);
    await cluster.kill('node-3');
    await ProcessCluster.until(client, 3, 2);
    // Writes node-3 misses: each leaves a hint for it on a replica that acknowledged (no stand-in at 3 members).
    const results = await client.batchPut(missed.map((key) => ({ key, value: Buffer.from(key) })), { index: 'trunc-down', consistency: 'QUORUM' });
    assert.deepEqual(results.filter((r) => !r.ok), []);
    const hintsFor3 = async (): Promise<number> => (await Promise.all(['node-1', 'node-2'].map((id) => info(cluster.node(id).address)))).reduce((s, i) => s + i.hintsPending, 0);
    await waitFor(async () => (await hintsFor3()) >= missed.length, 'hints for node-3 to be kept', 30_000);

    await assert.rejects(client.truncate('trunc-down'), (err: unknown) => {
      assert.ok(hasCode(err, ErrorCode.TruncateIncomplete), String(err));
      assert.deepEqual((err as TruncateIncompleteError).missing, ['node-3']);
      return true;
    });
    await client.put('later', Buffer.from('kept'), { index: 'trunc-down', consistency: 'QUORUM' });

    const node3 = await cluster.restart('node-3');
    await ProcessCluster.until(client, 3, 3);
    assert.ok((await info(node3.address)).truncations.some((t) => t.index === 'trunc-down'), 'node-3 learned the truncation from its peers');
    await waitFor(async () => (await hintsFor3()) === 0, 'every hint to be delivered or dropped', 60_000);

    const old = [...before, ...missed];
    assert.deepEqual(new Set(await readOn(node3.address, old, 'trunc-down')), new Set([undefined]), "node-3's own store holds none of the old keys");
    assert.deepEqual(new Set(await readAll('trunc-down', old)), new Set([undefined]), 'a read at ALL finds none of them');
    assert.deepEqual(await readOn(node3.address, ['later'], 'trunc-down'), ['kept'], 'the write after the truncation reached node-3 through its hint');
    assert.deepEqual(await readAll('trunc-down', ['later']), ['kept']);

    // Anti-entropy from node-3 after the fact finds nothing to bring back either.
    const repair = await runCli(['cluster', 'repair', '--node', node3.address, '--json']);
    assert.equal(repair.code, 0, repair.stderr);
    assert.deepEqual(new Set(await readAll('trunc-down', old)), new Set([undefined]));
  });
});
