import assert from 'node:assert/strict';
import type { ProcessCluster } from '../../helpers/process-cluster.js';
import { requireMachine } from '../../helpers/system-tool.js';
import { hasTool, redisCli, startClusterAndReference, type ClusterAndReference, type RedisServerProcess } from './redis-tools.js';

/**
 * Commands sent in this order to a redis-server 7.0 and to a 3-node cluster
 * (each through the next node): the redis-cli output of both must be the
 * same, errors included. Nothing here depends on timing below a second.
 */
const STEPS: string[][] = [
  ['SET', 'sr', 'hello'],
  ['SETRANGE', 'sr', '6', 'world'],
  ['GET', 'sr'],
  ['SETRANGE', 'sr', '-1', 'x'],
  ['SETRANGE', 'nosr', '0', ''],
  ['EXISTS', 'nosr'],
  ['SETRANGE', 'nosr', '2', 'ab'],
  ['GET', 'nosr'],
  ['GETEX', 'sr', 'EX', '100'],
  ['TTL', 'sr'],
  ['GETEX', 'sr', 'PERSIST'],
  ['TTL', 'sr'],
  ['GETEX', 'sr', 'EX', '0'],
  ['GETEX', 'sr', 'PX', '10', 'EX', '10'],
  ['GETEX', 'missing', 'EX', '0'],
  ['GETEX', 'sr', 'PXAT', '1'],
  ['EXISTS', 'sr'],
  ['TOUCH', 'nosr', 'nosr', 'missing'],
  ['SET', 'e', 'v'],
  ['EXPIRE', 'e', '100', 'XX'],
  ['EXPIRE', 'e', '100', 'NX'],
  ['TTL', 'e'],
  ['EXPIRE', 'e', '50', 'GT'],
  ['EXPIRE', 'e', '200', 'GT'],
  ['EXPIRE', 'e', '300', 'LT'],
  ['TTL', 'e'],
  ['EXPIRE', 'e', '10', 'NX', 'XX'],
  ['EXPIRE', 'e', '10', 'GT', 'LT'],
  ['EXPIRE', 'e', '10', 'foo'],
  ['PEXPIRE', 'e', '150000', 'LT'],
  ['RENAME', 'e', 'e2'],
  ['EXISTS', 'e'],
  ['RENAME', 'e', 'e3'],
  ['RENAME', 'e2', 'e2'],
  ['SET', 'r1', 'a'],
  ['SET', 'r2', 'b'],
  ['RENAMENX', 'r1', 'r2'],
  ['RENAMENX', 'r1', 'r3'],
  ['GET', 'r3'],
  ['COPY', 'r3', 'r2'],
  ['COPY', 'r3', 'r2', 'REPLACE'],
  ['GET', 'r2'],
  ['COPY', 'r3', 'r3'],
  ['COPY', 'r3', 'x', 'DB'],
  ['COPY', 'r3', 'x', 'DB', '1'],
  ['COPY', 'r3', 'x', 'FOO'],
  ['OBJECT', 'ENCODING', 'r3'],
  ['SET', 'big', 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'],
  ['OBJECT', 'ENCODING', 'big'],
  ['SET', 'num', '12345'],
  ['OBJECT', 'ENCODING', 'num'],
  ['OBJECT', 'REFCOUNT', 'num'],
  ['OBJECT', 'ENCODING', 'missing'],
  ['OBJECT', 'FOO', 'r3'],
  ['RPUSH', 'l', 'a', 'b', 'c'],
  ['LPUSH', 'l', 'z', 'y'],
  ['LRANGE', 'l', '0', '-1'],
  ['LRANGE', 'l', '-2', '100'],
  ['LLEN', 'l'],
  ['LPOP', 'l'],
  ['RPOP', 'l', '2'],
  ['LPOP', 'missing', '2'],
  ['TYPE', 'l'],
  ['OBJECT', 'ENCODING', 'l'],
  ['GET', 'l'],
  ['LLEN', 'sr2'],
  ['RPOP', 'l', '5'],
  ['EXISTS', 'l'],
  ['CONFIG', 'GET', 'maxmemory'],
  ['CONFIG', 'GET', 'save'],
  ['CONFIG', 'GET', 'appendonly'],
  ['CONFIG', 'GET', 'timeout'],
  ['CONFIG', 'GET', 'hash-max-ziplist-entries'],
  ['CONFIG', 'GET', 'nosuch*'],
  ['CONFIG', 'SET', 'hash-max-ziplist-entries', 'abc'],
  ['CONFIG', 'SET', 'hash-max-ziplist-entries', '10', 'foo', '1'],
  ['CONFIG', 'SET', 'hash-max-listpack-value', '32', 'hash-max-listpack-value', '16'],
  // CONFIG SET holds for the node it reaches: the GET goes through the same node, three steps on.
  ['CONFIG', 'SET', 'hash-max-ziplist-entries', '10'],
  ['CONFIG', 'GET', 'maxmemory'],
  ['CONFIG', 'GET', 'maxmemory'],
  ['CONFIG', 'GET', 'hash-max-listpack-entries'],
  ['CONFIG', 'SET', 'lazyfree-lazy-user-flush', 'maybe'],
  ['CONFIG', 'SET', 'maxmemory', '0'],
  ['CONFIG', 'RESETSTAT'],
  ['CONFIG', 'REWRITE'],
  ['CONFIG', 'HELP'],
  ['CONFIG', 'FOO'],
  ['CONFIG', 'GET'],
  ['CLIENT', 'KILL', '1.2.3.4:5'],
  ['CLIENT', 'KILL', 'ID', '999999'],
  ['CLIENT', 'KILL', 'ADDR', '1.2.3.4:5'],
  ['CLIENT', 'KILL', 'foo', 'bar'],
  ['CLIENT', 'KILL', 'ID', 'abc'],
  ['CLIENT', 'KILL', 'ID', '0'],
  ['CLIENT', 'KILL', 'SKIPME', 'maybe'],
  ['CLIENT', 'KILL', 'TYPE', 'nosuch'],
  ['CLIENT', 'KILL', 'ID', '1', 'SKIPME'],
  ['CLIENT', 'LIST', 'ID', 'abc'],
  ['CLIENT', 'LIST', 'TYPE', 'foo'],
  ['CLIENT', 'LIST', 'foo'],
  ['CLIENT', 'LIST', 'TYPE', 'master'],
  ['CLIENT', 'LIST', 'ID', '999999'],
  ['WAIT', 'abc', '0'],
  ['WAIT', '1', '-1'],
  ['WAIT', '0', 'abc'],
  ['SET', 'big', 'v', 'EX', '10000000000000000'],
  ['SET', 'big', 'v', 'EX', '-9223372036854775808'],
  ['SET', 'big', 'v', 'PX', '9223372036854775808'],
  ['GETEX', 'big', 'EX', '10000000000000000'],
  ['EXPIRE', 'big', '9223370399119966'],
  ['EXPIRE', 'big', '-9999999999999999'],
  ['PEXPIRE', 'big', '9223372036854770000'],
  // The record's expiry lands a few ms past the time set (see key-commands.ts): PEXPIRETIME is compared after PERSIST only.
  ['EXPIREAT', 'big', '4102444800'],
  ['EXPIRETIME', 'big'],
  ['EXPIRETIME', 'nokey'],
  ['PERSIST', 'big'],
  ['PEXPIRETIME', 'big'],
  ['PEXPIRETIME', 'nokey'],
  ['SET', 'fl', '1'],
  ['INCRBYFLOAT', 'fl', ' 1'],
  ['INCRBYFLOAT', 'fl', '1 '],
  ['INCRBYFLOAT', 'fl', '+inf'],
  ['INCRBYFLOAT', 'fl', 'nan'],
  ['INCRBYFLOAT', 'fl', '1.5e1'],
  ['FUNCTION', 'FLUSH'],
  ['FUNCTION', 'FLUSH', 'async'],
  ['FUNCTION', 'FLUSH', 'now'],
  ['FUNCTION', 'FLUSH', 'a', 'b'],
  ['FUNCTION', 'NOSUCH'],
  ['MEMORY', 'USAGE', 'nokey'],
  ['MEMORY', 'USAGE', 'fl', 'SAMPLES', 'abc'],
  ['MEMORY', 'USAGE', 'fl', 'SAMPLES', '-1'],
  ['MEMORY', 'USAGE', 'fl', 'FOO'],
  ['MEMORY', 'USAGE', 'fl', 'SAMPLES'],
  ['MEMORY', 'FOO'],
  ['MEMORY', 'USAGE'],
];

describe('Redis port against redis-server: strings, keys, expiry, renames, copies, OBJECT, lists', function () {
  this.timeout(120_000);
  let both: ClusterAndReference | undefined;
  let cluster: ProcessCluster | undefined;
  let redis: RedisServerProcess | undefined;

  before(async function () {
    requireMachine(this, hasTool('redis-cli') && hasTool('redis-server'), 'redis-cli or redis-server is not installed (Debian redis-tools, redis-server)');
    both = await startClusterAndReference('dstash-redis-ref-');
    ({ cluster, redis } = both);
  });

  after(async () => {
    await both?.stop();
  });

  it('answers every step as redis-server does, through each node in turn', async () => {
    for (const [i, args] of STEPS.entries()) {
      const expected = await redisCli(redis!.port, args);
      const got = await redisCli(cluster!.nodes[i % 3]!.redisPort!, args);
      assert.equal(got, expected, `${args.join(' ')} on node ${(i % 3) + 1}`);
    }
  });

  it('answers CONFIG GET with what describes the node, and refuses what it cannot honour', async () => {
    const port = cluster!.nodes[0]!.redisPort!;
    assert.equal(await redisCli(port, ['CONFIG', 'GET', 'port']), `1) "port"\n2) "${port}"`);
    assert.equal(await redisCli(port, ['CONFIG', 'GET', 'bind']), '1) "bind"\n2) "127.0.0.1"');
    assert.match(await redisCli(port, ['CONFIG', 'GET', 'proto-max-bulk-len']), /^1\) "proto-max-bulk-len"\n2\) "\d+"$/);
    assert.equal(
      await redisCli(port, ['CONFIG', 'GET', 'hash-max-*']),
      ['hash-max-listpack-entries', '512', 'hash-max-ziplist-entries', '512', 'hash-max-listpack-value', '64', 'hash-max-ziplist-value', '64']
        .map((w, i) => `${i + 1}) "${w}"`).join('\n'),
    );
    assert.equal(
      await redisCli(port, ['CONFIG', 'SET', 'maxmemory', '100mb']),
      "(error) ERR CONFIG SET failed (possibly related to argument 'maxmemory') - dstash keeps it at '0': dstash does not evict: its keys are bounded by disk, not memory",
    );
    assert.equal(await redisCli(port, ['CONFIG', 'SET', 'port', '1']), "(error) ERR CONFIG SET failed (possibly related to argument 'port') - can't set immutable config");
  });

  it('answers MEMORY USAGE with the bytes of the key and its record', async () => {
    const port = cluster!.nodes[2]!.redisPort!;
    assert.equal(await redisCli(port, ['SET', 'sized', 'x'.repeat(100)]), 'OK');
    assert.equal(await redisCli(port, ['MEMORY', 'USAGE', 'sized', 'SAMPLES', '0']), '(integer) 105');
  });

  it('lists, describes and kills connections with CLIENT LIST, INFO and KILL, and answers WAIT', async () => {
    const port = cluster!.nodes[1]!.redisPort!;
    const lines = await redisCli(port, [], 'CLIENT SETNAME lister\nSELECT 2\nCLIENT INFO\nCLIENT LIST\n');
    const [, , info, ...list] = lines.split('\n');
    // redis-cli prints CLIENT INFO and CLIENT LIST as plain lines.
    assert.match(info!, /^id=\d+ addr=127\.0\.0\.1:\d+ laddr=127\.0\.0\.1:\d+ fd=\d+ name=lister age=\d+ idle=0 flags=N db=2 .* cmd=client\|info user=default redir=-1 resp=2$/);
    assert.match(list.join('\n'), /name=lister .*cmd=client\|list/);
    // A second connection, waiting on its own (redis-cli reads stdin until it closes), killed by id from another.
    const { spawn } = await import('node:child_process');
    const victim = spawn('redis-cli', ['-p', String(port)], { stdio: ['pipe', 'pipe', 'ignore'] });
    victim.stdin.write('CLIENT SETNAME victim\n');
    const named = async (): Promise<string | undefined> => /id=(\d+) [^\n]*name=victim/.exec(await redisCli(port, ['CLIENT', 'LIST']))?.[1];
    let id: string | undefined;
    await new Promise<void>((resolve) => victim.stdout.once('data', () => resolve()));
    id = await named();
    assert.ok(id, 'the second connection is listed');
    const closed = new Promise<void>((resolve) => victim.once('exit', () => resolve()));
    assert.equal(await redisCli(port, ['CLIENT', 'KILL', 'ID', id]), '(integer) 1');
    victim.stdin.end();
    await closed;
    id = await named();
    assert.equal(id, undefined);
    // Before a write, every replica of a partition but one; after a QUORUM write, W - 1 (3 replicas, W = 2).
    assert.equal(await redisCli(port, [], 'WAIT 2 0\nSET waited v\nWAIT 2 100\nDSTASH.CONSISTENCY all\nSET waited w\nWAIT 2 0\n'), '(integer) 2\nOK\n(integer) 1\nOK\nOK\n(integer) 2');
    // The old form kills the caller too.
    const self = await redisCli(port, [], 'CLIENT INFO\n');
    const addr = /addr=(\S+)/.exec(self)![1]!;
    assert.equal(await redisCli(port, ['CLIENT', 'KILL', addr]), "(error) ERR No such client");
  });

  it('copies into another database with COPY … DB, and RENAME keeps the TTL', async () => {
    const port = (i: number): number => cluster!.nodes[i]!.redisPort!;
    assert.equal(await redisCli(port(0), ['SET', 'dbsrc', 'v', 'EX', '1000']), 'OK');
    assert.equal(await redisCli(port(1), ['COPY', 'dbsrc', 'dbdst', 'DB', '4']), '(integer) 1');
    assert.equal(await redisCli(port(2), ['-n', '4', 'GET', 'dbdst']), '"v"');
    assert.equal(await redisCli(port(2), ['-n', '4', 'TTL', 'dbdst']), '(integer) 1000');
    assert.equal(await redisCli(port(0), ['RENAME', 'dbsrc', 'moved']), 'OK');
    assert.equal(await redisCli(port(1), ['TTL', 'moved']), '(integer) 1000');
    assert.equal(await redisCli(port(2), ['EXISTS', 'dbsrc']), '(integer) 0');
    assert.equal(await redisCli(port(0), ['-n', '7', 'SET', 'only', 'v']), 'OK');
    assert.equal(await redisCli(port(1), ['-n', '7', 'RANDOMKEY']), '"only"');
    assert.equal(await redisCli(port(0), ['-n', '5', 'RANDOMKEY']), '(nil)');
  });
});
