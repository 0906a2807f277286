import assert from 'node:assert/strict';
import { aclCategories, commandDocs, commandInfo } from '../../../../src/node/redis/commands/command-command.js';
import { commandRecords, dispatch, pipelineOverlap } from '../../../../src/node/redis/commands/command-table.js';
import { COMMAND_FLAGS, type CommandContext, type Session } from '../../../../src/node/redis/commands/command.js';
import { ReplyWriter, type Reply } from '../../../../src/node/redis/resp-reply.js';
import { ScanCursors } from '../../../../src/node/redis/scan-cursors.js';

/** What the README lists as served, COMMAND included. */
const SERVED = [
  'ping', 'echo', 'hello', 'auth', 'select', 'quit', 'client', 'info', 'time', 'dstash.consistency', 'command', 'dbsize',
  'get', 'set', 'setnx', 'setex', 'psetex', 'getset', 'getdel', 'mget', 'mset', 'msetnx', 'strlen', 'append', 'incr', 'incrby', 'decr', 'decrby',
  'incrbyfloat', 'getrange', 'del', 'unlink', 'exists', 'type', 'expire', 'pexpire', 'expireat', 'pexpireat', 'ttl', 'pttl', 'persist', 'scan', 'keys',
  'hset', 'hmset', 'hget', 'hmget', 'hgetall', 'hdel', 'hexists', 'hlen', 'hstrlen', 'hkeys', 'hvals', 'hincrby', 'hsetnx', 'hscan',
  'setrange', 'getex', 'touch', 'rename', 'renamenx', 'copy', 'randomkey', 'object', 'rpush', 'lpush', 'lpop', 'rpop', 'llen', 'lrange', 'config', 'wait', 'function', 'expiretime', 'pexpiretime', 'memory', 'flushdb', 'flushall',
];

function serialize(reply: Reply, resp3: boolean): string {
  const w = new ReplyWriter();
  w.write(reply, resp3);
  return w.take().toString('latin1');
}

const crlf = (lines: string[]): string => lines.map((l) => `${l}\r\n`).join('');

/** What redis-server 7.0.15 sends for COMMAND INFO mget, RESP2 then RESP3 (sets where RESP2 has arrays). */
const MGET_INFO_RESP2 = crlf([
  '*10', '$4', 'mget', ':-2', '*2', '+readonly', '+fast', ':1', ':-1', ':1', '*3', '+@read', '+@string', '+@fast',
  '*1', '$26', 'request_policy:multi_shard', '*1', '*6', '$5', 'flags', '*2', '+RO', '+access',
  '$12', 'begin_search', '*4', '$4', 'type', '$5', 'index', '$4', 'spec', '*2', '$5', 'index', ':1',
  '$9', 'find_keys', '*4', '$4', 'type', '$5', 'range', '$4', 'spec', '*6', '$7', 'lastkey', ':-1', '$7', 'keystep', ':1', '$5', 'limit', ':0',
  '*0',
]);
const MGET_INFO_RESP3 = crlf([
  '*10', '$4', 'mget', ':-2', '~2', '+readonly', '+fast', ':1', ':-1', ':1', '~3', '+@read', '+@string', '+@fast',
  '~1', '$26', 'request_policy:multi_shard', '~1', '%3', '$5', 'flags', '~2', '+RO', '+access',
  '$12', 'begin_search', '%2', '$4', 'type', '$5', 'index', '$4', 'spec', '%1', '$5', 'index', ':1',
  '$9', 'find_keys', '%2', '$4', 'type', '$5', 'range', '$4', 'spec', '%3', '$7', 'lastkey', ':-1', '$7', 'keystep', ':1', '$5', 'limit', ':0',
  '~0',
]);

function context(): CommandContext {
  const session: Session = { id: 1, index: 'default', db: 0, consistency: 'QUORUM', resp3: false, name: null, closing: false, cursors: new ScanCursors(),
    addr: '127.0.0.1:1', laddr: '127.0.0.1:2', fd: -1, createdAt: 0, lastActiveAt: 0, lastCommand: 'NULL' };
  // Only what a refused request reaches: the dispatcher answers arity errors before any handler (and the cluster) runs.
  return { session } as CommandContext;
}

const args = (...words: string[]): Buffer[] => words.map((w) => Buffer.from(w));

describe('Redis command records', () => {
  const records = commandRecords();

  it('has one record for every command served, under its own lower-case name', () => {
    assert.deepEqual([...records.keys()].sort(), [...SERVED].sort());
    for (const [name, c] of records) {
      assert.equal(c.name, name);
      assert.ok(c.arity !== 0, `${name} has an arity`);
      assert.ok(c.docs.summary.length > 0 && /^\d+\.\d+\.\d+$/.test(c.docs.since), `${name} has docs`);
      assert.ok(c.flags.every((f) => COMMAND_FLAGS.includes(f)), `${name} has Redis flags`);
      assert.ok(!(c.flags.includes('write') && c.flags.includes('readonly')), `${name} is not both write and readonly`);
      for (const sub of c.subcommands ?? []) assert.ok(sub.name.startsWith(`${name}|`), `${sub.name} is named for its container`);
    }
  });

  it('gives every command that overlaps in a pipeline a key to keep apart', () => {
    for (const c of records.values()) if (c.overlap) assert.ok(c.keys && c.keys.first >= 1 && c.keys.first < Math.abs(c.arity), c.name);
    assert.deepEqual(pipelineOverlap(args('SET', 'k', 'v')), { kind: 'set', key: Buffer.from('k') });
    assert.deepEqual(pipelineOverlap(args('get', 'k')), { kind: 'read', key: Buffer.from('k') });
    assert.deepEqual(pipelineOverlap(args('EXISTS', 'k')), { kind: 'read', key: Buffer.from('k') });
    assert.deepEqual(pipelineOverlap(args('HGET', 'h', 'f')), { kind: 'read', key: Buffer.from('h') });
    assert.deepEqual(pipelineOverlap(args('INCRBY', 'n', '2')), { kind: 'inc', key: Buffer.from('n') });
    assert.deepEqual(pipelineOverlap(args('DECR', 'n')), { kind: 'inc', key: Buffer.from('n') });
    // Options, several keys, commands that do not overlap, unknown ones, and wrong arities run alone.
    for (const request of [['SET', 'k', 'v', 'NX'], ['EXISTS', 'a', 'b'], ['MGET', 'a'], ['HSET', 'h', 'f', 'v'], ['NOPE', 'k'], ['GET'], ['INCRBY', 'n']]) {
      assert.equal(pipelineOverlap(args(...request)), undefined, request.join(' '));
    }
  });

  it('checks every arity from the record: one argument short, and one too many for a fixed arity', async () => {
    for (const c of records.values()) {
      const n = Math.abs(c.arity);
      const wrong = [...(n > 1 ? [n - 1] : []), ...(c.arity > 0 ? [n + 1] : [])];
      for (const count of wrong) {
        const request = [Buffer.from(c.name.toUpperCase()), ...Array.from({ length: count - 1 }, () => Buffer.from('x'))];
        assert.deepEqual(await dispatch(context(), request), { error: `ERR wrong number of arguments for '${c.name}' command` }, `${c.name} with ${count}`);
      }
    }
  });

  it('answers COMMAND INFO in the shape redis-server 7.0 sends, in RESP2 and RESP3', () => {
    const mget = records.get('mget')!;
    assert.equal(serialize(commandInfo(mget), false), MGET_INFO_RESP2);
    assert.equal(serialize(commandInfo(mget), true), MGET_INFO_RESP3);
    const set = commandInfo(records.get('set')!) as Reply[];
    assert.equal(set.length, 10);
    assert.deepEqual(set.slice(1, 6), [-3, { set: [{ simple: 'write' }, { simple: 'denyoom' }] }, 1, 1, 1]);
    assert.deepEqual((records.get('mset')!.keys), { first: 1, last: -1, step: 2, flags: ['OW', 'update'] });
    // No key: positions 0 0 0, no key specification; subcommands listed under their container.
    const client = commandInfo(records.get('client')!) as Reply[];
    assert.deepEqual(client.slice(3, 9), [0, 0, 0, { set: [{ simple: '@slow' }] }, { set: [] }, { set: [] }]);
    assert.deepEqual((client[9] as Reply[][]).map((s) => s[0]!.toString()), ['client|id', 'client|getname', 'client|setname', 'client|setinfo', 'client|list', 'client|info', 'client|kill']);
  });

  it('answers COMMAND INFO of two-key and subcommand records as redis-server 7.0.15 does', () => {
    // redis-cli --json COMMAND INFO rename, as redis-server 7.0.15 sends it (RESP3).
    const spec = (flags: string[], index: number): Reply => ({
      map: [
        [Buffer.from('flags'), { set: flags.map((simple) => ({ simple })) }],
        [Buffer.from('begin_search'), { map: [[Buffer.from('type'), Buffer.from('index')], [Buffer.from('spec'), { map: [[Buffer.from('index'), index]] }]] }],
        [Buffer.from('find_keys'), { map: [[Buffer.from('type'), Buffer.from('range')], [Buffer.from('spec'), { map: [[Buffer.from('lastkey'), 0], [Buffer.from('keystep'), 1], [Buffer.from('limit'), 0]] }]] }],
      ],
    });
    const rename = commandInfo(records.get('rename')!) as Reply[];
    assert.deepEqual(rename.slice(1, 6), [3, { set: [{ simple: 'write' }] }, 1, 2, 1]);
    assert.deepEqual(rename[8], { set: [spec(['RW', 'access', 'delete'], 1), spec(['OW', 'update'], 2)] });
    const encoding = (commandInfo(records.get('object')!) as Reply[][])[9]!.find((s) => (s as Reply[])[0]!.toString() === 'object|encoding') as Reply[];
    assert.deepEqual(encoding.slice(1, 6), [3, { set: [{ simple: 'readonly' }] }, 2, 2, 1]);
    assert.deepEqual(encoding[8], { set: [spec(['RO'], 2)] });
  });

  it('answers COMMAND INFO flushall and flushdb byte for byte as redis-server 7.0.15', () => {
    for (const name of ['flushall', 'flushdb']) {
      const expected = crlf([
        '*10', `$${name.length}`, name, ':-1', '*1', '+write', ':0', ':0', ':0', '*4', '+@keyspace', '+@write', '+@slow', '+@dangerous',
        '*2', '$25', 'request_policy:all_shards', '$29', 'response_policy:all_succeeded', '*0', '*0',
      ]);
      assert.equal(serialize(commandInfo(records.get(name)!), false), expected, name);
    }
  });

  it('asks the admin role of FLUSHDB and FLUSHALL under tokens (a write token is refused before anything runs), and checks their arguments', async () => {
    const withRole = (role: 'write' | 'admin'): CommandContext => ({ ...context(), session: { ...context().session, role }, auth: {} } as CommandContext);
    for (const name of ['FLUSHDB', 'FLUSHALL']) {
      assert.deepEqual(await dispatch(withRole('write'), args(name)), { error: `NOPERM User write has no permissions to run the '${name.toLowerCase()}' command` });
      assert.deepEqual(await dispatch(withRole('admin'), args(name, 'LATER')), { error: 'ERR syntax error' });
      assert.deepEqual(await dispatch(withRole('admin'), args(name, 'ASYNC', 'SYNC')), { error: 'ERR syntax error' });
    }
  });

  it('derives ACL categories from the flags as Redis does, in its order', () => {
    assert.deepEqual(aclCategories(records.get('get')!), ['read', 'string', 'fast']);
    assert.deepEqual(aclCategories(records.get('del')!), ['keyspace', 'write', 'slow']);
    assert.deepEqual(aclCategories(records.get('keys')!), ['keyspace', 'read', 'slow', 'dangerous']);
    assert.deepEqual(aclCategories(records.get('hello')!), ['fast', 'connection']);
  });

  it('answers COMMAND DOCS with summary, since, group, complexity and deprecation, as redis-server 7.0 sends them (arguments left out)', () => {
    const docs = serialize(commandDocs(records.get('getset')!), false);
    assert.equal(
      docs,
      crlf([
        '*14', '$7', 'summary', '$54', 'Set the string value of a key and return its old value', '$5', 'since', '$5', '1.0.0', '$5', 'group', '$6', 'string',
        '$10', 'complexity', '$4', 'O(1)', '$9', 'doc_flags', '*1', '+deprecated', '$16', 'deprecated_since', '$5', '6.2.0',
        '$11', 'replaced_by', '$30', '`SET` with the `!GET` argument',
      ]),
    );
  });

  it('answers COMMAND COUNT, INFO of unknown and sub commands, and DOCS of the names it knows', async () => {
    const command = records.get('command')!;
    assert.equal(await command.run(context(), args('COMMAND', 'COUNT')), records.size);
    const info = (await command.run(context(), args('COMMAND', 'INFO', 'GET', 'nosuch', 'CLIENT|ID'))) as Reply[];
    assert.equal((info[0] as Reply[])[0]!.toString(), 'get');
    assert.equal(info[1], null);
    assert.deepEqual((info[2] as Reply[]).slice(0, 2), [Buffer.from('client|id'), 2]);
    assert.equal(((await command.run(context(), args('COMMAND', 'INFO'))) as Reply[]).length, records.size);
    const docs = (await command.run(context(), args('COMMAND', 'DOCS', 'nosuch', 'get'))) as { map: [Buffer, Reply][] };
    assert.deepEqual(docs.map.map(([name]) => name.toString()), ['get']);
    assert.deepEqual(await dispatch(context(), args('COMMAND', 'FOO')), { error: "ERR unknown subcommand 'FOO'. Try COMMAND HELP." });
  });
});
