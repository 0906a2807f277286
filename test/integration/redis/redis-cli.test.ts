import assert from 'node:assert/strict';
import { ProcessCluster } from '../../helpers/process-cluster.js';
import { requireMachine } from '../../helpers/system-tool.js';
import { hasTool, redisCli, redisPortArgs } from './redis-tools.js';

/** [node (0-2), command, expected redis-cli --no-raw output]: written through one node, read through another. */
const STEPS: [number, string[], string][] = [
  [0, ['PING'], 'PONG'],
  [0, ['ECHO', 'hi'], '"hi"'],
  [0, ['SET', 's', 'v1'], 'OK'],
  [1, ['GET', 's'], '"v1"'],
  [2, ['SET', 's', 'v2', 'NX'], '(nil)'],
  [0, ['SET', 's', 'v2', 'XX', 'GET'], '"v1"'],
  [1, ['SET', 'nx', 'a', 'XX'], '(nil)'],
  [2, ['SETNX', 'nx', 'a'], '(integer) 1'],
  [0, ['SETNX', 'nx', 'b'], '(integer) 0'],
  [1, ['GETSET', 'nx', 'c'], '"a"'],
  [2, ['GETDEL', 'nx'], '"c"'],
  [0, ['EXISTS', 'nx', 's', 's'], '(integer) 2'],
  [0, ['SETEX', 'ex', '100', 'v'], 'OK'],
  [1, ['TTL', 'ex'], '(integer) 100'],
  [2, ['PSETEX', 'px', '100000', 'v'], 'OK'],
  [0, ['PERSIST', 'px'], '(integer) 1'],
  [1, ['TTL', 'px'], '(integer) -1'],
  [1, ['TTL', 'missing'], '(integer) -2'],
  [2, ['EXPIRE', 'px', '50'], '(integer) 1'],
  [0, ['PEXPIRE', 'px', '50000'], '(integer) 1'],
  [1, ['EXPIREAT', 'px', String(Math.floor(Date.now() / 1000) + 3600)], '(integer) 1'],
  [2, ['PEXPIREAT', 'px', String(Date.now() + 3_600_000)], '(integer) 1'],
  [0, ['SET', 'kt', 'v', 'EX', '1000'], 'OK'],
  [1, ['SET', 'kt', 'w', 'KEEPTTL'], 'OK'],
  [2, ['TTL', 'kt'], '(integer) 1000'],
  [0, ['SET', 'pat', 'v', 'PXAT', String(Date.now() + 3_600_000)], 'OK'],
  [1, ['SET', 'eat', 'v', 'EXAT', String(Math.floor(Date.now() / 1000) + 3600)], 'OK'],
  [2, ['SET', 'bad', 'v', 'EX', '0'], "(error) ERR invalid expire time in 'set' command"],
  [2, ['SET', 'bad', 'v', 'NX', 'XX'], '(error) ERR syntax error'],
  [0, ['MSET', 'm1', '1', 'm2', '2'], 'OK'],
  [1, ['MGET', 'm1', 'm2', 'nope'], '1) "1"\n2) "2"\n3) (nil)'],
  [2, ['MSETNX', 'm2', 'x', 'm3', 'y'], '(integer) 0'],
  [0, ['EXISTS', 'm3'], '(integer) 0'],
  [1, ['MSETNX', 'm3', 'y', 'm4', 'z'], '(integer) 1'],
  [2, ['STRLEN', 'm3'], '(integer) 1'],
  [0, ['APPEND', 'm3', 'yy'], '(integer) 3'],
  [1, ['GETRANGE', 'm3', '1', '-1'], '"yy"'],
  [2, ['INCR', 'n'], '(integer) 1'],
  [0, ['INCRBY', 'n', '10'], '(integer) 11'],
  [1, ['DECR', 'n'], '(integer) 10'],
  [2, ['DECRBY', 'n', '4'], '(integer) 6'],
  [0, ['INCR', 'm3'], '(error) ERR value is not an integer or out of range'],
  [1, ['INCRBYFLOAT', 'f', '1.5'], '"1.5"'],
  [2, ['INCRBYFLOAT', 'f', '0.25'], '"1.75"'],
  [0, ['GET', 'n'], '"6"'],
  [0, ['HSET', 'h', 'a', '1', 'b', '2'], '(integer) 2'],
  [1, ['HGET', 'h', 'a'], '"1"'],
  [2, ['HMGET', 'h', 'a', 'zz', 'b'], '1) "1"\n2) (nil)\n3) "2"'],
  [0, ['HGETALL', 'h'], '1) "a"\n2) "1"\n3) "b"\n4) "2"'],
  [1, ['HEXISTS', 'h', 'b'], '(integer) 1'],
  [2, ['HLEN', 'h'], '(integer) 2'],
  [0, ['HKEYS', 'h'], '1) "a"\n2) "b"'],
  [1, ['HVALS', 'h'], '1) "1"\n2) "2"'],
  [2, ['HINCRBY', 'h', 'a', '41'], '(integer) 42'],
  [0, ['HSETNX', 'h', 'a', 'x'], '(integer) 0'],
  [1, ['HSETNX', 'h', 'c', 'x'], '(integer) 1'],
  [2, ['HDEL', 'h', 'c', 'nope'], '(integer) 1'],
  [0, ['HSCAN', 'h', '0', 'MATCH', 'a*'], '1) "0"\n2) 1) "a"\n   2) "42"'],
  [1, ['TYPE', 'h'], 'hash'],
  [2, ['TYPE', 's'], 'string'],
  [0, ['TYPE', 'nothing'], 'none'],
  [1, ['GET', 'h'], '(error) WRONGTYPE Operation against a key holding the wrong kind of value'],
  [2, ['HGET', 's', 'a'], '(error) WRONGTYPE Operation against a key holding the wrong kind of value'],
  [0, ['KEYS', 'm*'], '1) "m1"\n2) "m2"\n3) "m3"\n4) "m4"'],
  [1, ['DEL', 'm1', 'm2', 'missing'], '(integer) 2'],
  [2, ['UNLINK', 'm3'], '(integer) 1'],
  [0, ['DBSIZE'], '(integer) 10'],
  [0, ['NOSUCHCOMMAND', 'x'], "(error) ERR unknown command 'NOSUCHCOMMAND', with args beginning with: 'x'"],
  [0, ['GET'], "(error) ERR wrong number of arguments for 'get' command"],
  [1, ['AUTH', 'secret'], '(error) ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?'],
  [2, ['DSTASH.CONSISTENCY', 'fast'], '(error) ERR consistency must be one, quorum, all or serial'],
];

/** `redis-cli --json COMMAND INFO get set mget` (RESP3) as redis-server 7.0.15 answers it. */
const INFO_GET_SET_MGET = [
  ['get', 2, ['readonly', 'fast'], 1, 1, 1, ['@read', '@string', '@fast'], [], [keySpec(['RO', 'access'], 0, 1)], []],
  [
    'set', -3, ['write', 'denyoom'], 1, 1, 1, ['@write', '@string', '@slow'], [],
    [{ notes: 'RW and ACCESS due to the optional `GET` argument', ...keySpec(['RW', 'access', 'update', 'variable_flags'], 0, 1) }], [],
  ],
  ['mget', -2, ['readonly', 'fast'], 1, -1, 1, ['@read', '@string', '@fast'], ['request_policy:multi_shard'], [keySpec(['RO', 'access'], -1, 1)], []],
  null,
];

/** `redis-cli COMMAND INFO get` (RESP2) as redis-server 7.0.15 answers it. */
const GET_INFO_RESP2 = `1)  1) "get"
    2) (integer) 2
    3) 1) readonly
       2) fast
    4) (integer) 1
    5) (integer) 1
    6) (integer) 1
    7) 1) @read
       2) @string
       3) @fast
    8) (empty array)
    9) 1) 1) "flags"
          2) 1) RO
             2) access
          3) "begin_search"
          4) 1) "type"
             2) "index"
             3) "spec"
             4) 1) "index"
                2) (integer) 1
          5) "find_keys"
          6) 1) "type"
             2) "range"
             3) "spec"
             4) 1) "lastkey"
                2) (integer) 0
                3) "keystep"
                4) (integer) 1
                5) "limit"
                6) (integer) 0
   10) (empty array)`;

function keySpec(flags: string[], lastkey: number, keystep: number): object {
  return { flags, begin_search: { type: 'index', spec: { index: 1 } }, find_keys: { type: 'range', spec: { lastkey, keystep, limit: 0 } } };
}

describe('Redis port through redis-cli, 3-node cluster', function () {
  this.timeout(120_000);
  let cluster: ProcessCluster | undefined;
  const port = (i: number): number => cluster!.nodes[i]!.redisPort!;

  before(async function () {
    requireMachine(this, hasTool('redis-cli'), 'redis-cli is not installed (Debian redis-tools)');
    const redisArgs = await redisPortArgs(3);
    cluster = await ProcessCluster.start(3, [], (id) => ({ args: redisArgs(id) }));
  });

  after(async () => {
    await cluster?.stop();
  });

  it('serves every command with Redis replies, writing through one node and reading through another', async () => {
    for (const [node, args, expected] of STEPS) {
      const out = await redisCli(port(node), args);
      // KEYS lists in token order, not in the order written.
      const sorted = (text: string): string => (args[0] === 'KEYS' ? text.split('\n').map((l) => l.replace(/^\d+\) /, '')).sort().join('\n') : text);
      assert.equal(sorted(out), sorted(expected), `${args.join(' ')} on node ${node + 1}`);
    }
  });

  it('walks an index with SCAN (MATCH, COUNT, TYPE) as redis-cli --scan does', async () => {
    await redisCli(port(0), ['MSET', ...Array.from({ length: 30 }, (_, i) => [`scan:${i}`, 'v']).flat()]);
    await redisCli(port(0), ['HSET', 'scan:h', 'f', 'v']);
    // Pages of 10 (SCAN's default COUNT) on one connection.
    const keys = (await redisCli(port(1), ['--scan', '--pattern', 'scan:*'])).split('\n').sort();
    assert.equal(keys.length, 31);
    assert.deepEqual(await redisCli(port(2), ['SCAN', '0', 'MATCH', 'scan:*', 'TYPE', 'hash', 'COUNT', '1000']), '1) "0"\n2) 1) "scan:h"');
  });

  it('answers COMMAND INFO get set mget with the arity, flags, key positions and key specifications of redis-server 7.0', async () => {
    assert.deepEqual(JSON.parse(await redisCli(port(1), ['--json', 'COMMAND', 'INFO', 'get', 'set', 'mget', 'nosuch'])), INFO_GET_SET_MGET);
    // RESP2, as redis-server 7.0.15 prints through redis-cli.
    assert.equal(await redisCli(port(2), ['COMMAND', 'INFO', 'get']), GET_INFO_RESP2);
    const docs = JSON.parse(await redisCli(port(0), ['--json', 'COMMAND', 'DOCS', 'get'])) as Record<string, unknown>;
    assert.deepEqual(docs, { get: { summary: 'Get the value of a key', since: '1.0.0', group: 'string', complexity: 'O(1)' } });
  });

  it('keeps databases apart with SELECT, speaks RESP3 after HELLO 3, and answers CLIENT, INFO, TIME, COMMAND', async () => {
    assert.equal(await redisCli(port(0), ['-n', '3', 'SET', 'only3', 'v']), 'OK');
    assert.equal(await redisCli(port(1), ['-n', '3', 'GET', 'only3']), '"v"');
    assert.equal(await redisCli(port(1), ['GET', 'only3']), '(nil)');
    assert.equal(await redisCli(port(2), ['-3', 'HGETALL', 'h']), '1# "a" => "42"\n2# "b" => "2"');
    assert.equal(await redisCli(port(2), ['-3', 'GET', 'nothing']), '(nil)');
    assert.match(await redisCli(port(0), ['INFO', 'cluster']), /dstash_members:3/);
    assert.match(await redisCli(port(0), ['TIME']), /^1\) "\d{10}"\n2\) "\d+"$/);
    assert.match(await redisCli(port(0), ['COMMAND', 'COUNT']), /^\(integer\) \d+$/);
    // One connection, several commands (redis-cli reads them from stdin).
    const session = await redisCli(port(0), [], 'CLIENT SETNAME tester\nCLIENT GETNAME\nDSTASH.CONSISTENCY serial\nDSTASH.CONSISTENCY\nSET ser 1\nGET ser\n');
    assert.deepEqual(session.split('\n'), ['OK', '"tester"', 'OK', '"serial"', 'OK', '"1"']);
  });
});
