import assert from 'node:assert/strict';
import { RespParser, RespProtocolError, splitInline, type RespLimits } from '../../../../src/node/redis/resp-parser.js';
import { ReplyWriter, type Reply } from '../../../../src/node/redis/resp-reply.js';

const LIMITS: RespLimits = { maxBulkBytes: 1024, maxArrayLength: 100, maxCommandBytes: 4096, maxInlineBytes: 256 };

function parseAll(input: Buffer | string, limits = LIMITS): string[][] {
  const parser = new RespParser(limits);
  parser.push(Buffer.from(input));
  const out: string[][] = [];
  for (let c = parser.next(); c; c = parser.next()) out.push(c.map((b) => b.toString('latin1')));
  return out;
}

function protocolError(input: string | Buffer, limits = LIMITS): string {
  try {
    parseAll(input, limits);
  } catch (err) {
    assert.ok(err instanceof RespProtocolError, `not a protocol error: ${String(err)}`);
    return err.reply;
  }
  assert.fail('no protocol error');
}

function serialize(reply: Reply, resp3: boolean): string {
  const w = new ReplyWriter();
  w.write(reply, resp3);
  return w.take().toString('latin1');
}

describe('RESP parser', () => {
  it('parses arrays of bulk strings, pipelined, with binary and empty strings', () => {
    const input = '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$4\r\na\r\nb\r\n*2\r\n$3\r\nGET\r\n$0\r\n\r\n';
    assert.deepEqual(parseAll(input), [['SET', 'k', 'a\r\nb'], ['GET', '']]);
  });

  it('waits for the rest of a command split at every byte', () => {
    const input = Buffer.from('*2\r\n$4\r\nECHO\r\n$5\r\nhello\r\nPING\r\n');
    const parser = new RespParser(LIMITS);
    const out: string[][] = [];
    for (let i = 0; i < input.length; i++) {
      parser.push(input.subarray(i, i + 1));
      for (let c = parser.next(); c; c = parser.next()) out.push(c.map(String));
    }
    assert.deepEqual(out, [['ECHO', 'hello'], ['PING']]);
    assert.equal(parser.pending, 0);
  });

  it('parses inline commands with quotes and escapes, and skips blank lines and empty arrays', () => {
    assert.deepEqual(parseAll('SET k "a b\\x41\\n"\r\n\r\n*0\r\nget \'it\\\'s\'\n'), [['SET', 'k', 'a bA\n'], ['get', "it's"]]);
  });

  it('answers malformed requests with Redis protocol errors', () => {
    assert.equal(protocolError('*2\r\n$3\r\nGET\r\n:1\r\n'), "ERR Protocol error: expected '$', got ':'");
    assert.equal(protocolError('*x\r\n'), 'ERR Protocol error: invalid multibulk length');
    assert.equal(protocolError('*1\r\n$abc\r\n'), 'ERR Protocol error: invalid bulk length');
    assert.equal(protocolError('*1\r\n$-5\r\n'), 'ERR Protocol error: invalid bulk length');
    assert.equal(protocolError('*1\r\n$3\r\nGETXX'), 'ERR Protocol error: expected CRLF after a bulk string');
    assert.equal(protocolError('SET k "open\r\n'), 'ERR Protocol error: unbalanced quotes in request');
  });

  it('rejects huge declared lengths before buffering anything for them', () => {
    assert.equal(protocolError('*1\r\n$1025\r\n'), 'ERR Protocol error: invalid bulk length');
    assert.equal(protocolError('*1\r\n$99999999999999999999\r\n'), 'ERR Protocol error: invalid bulk length');
    assert.equal(protocolError('*101\r\n'), 'ERR Protocol error: invalid multibulk length');
    assert.equal(protocolError('*2147483648\r\n'), 'ERR Protocol error: invalid multibulk length');
    const big = `*5\r\n${'$1000\r\n'.concat('x'.repeat(1000), '\r\n').repeat(5)}`;
    assert.equal(protocolError(big), 'ERR Protocol error: command larger than 4096 bytes');
  });

  it('bounds inline requests and header lines that never end', () => {
    assert.equal(protocolError('x'.repeat(300)), 'ERR Protocol error: too big inline request');
    assert.equal(protocolError(`*1${'1'.repeat(300)}`), 'ERR Protocol error: too big multibulk count string');
  });

  it('keeps only the unparsed tail buffered', () => {
    const parser = new RespParser(LIMITS);
    parser.push(Buffer.from('PING\r\n*1\r\n$4\r\nPI'));
    assert.deepEqual(parser.next()?.map(String), ['PING']);
    assert.equal(parser.next(), undefined);
    assert.equal(parser.pending, 10);
    parser.push(Buffer.from('NG\r\n'));
    assert.deepEqual(parser.next()?.map(String), ['PING']);
  });

  it('splits inline words like redis-cli', () => {
    assert.deepEqual(splitInline(Buffer.from('  a   "b c"  \'d\' ')).map(String), ['a', 'b c', 'd']);
    assert.throws(() => splitInline(Buffer.from('"a"b')), RespProtocolError);
  });
});

describe('RESP replies', () => {
  it('serializes RESP2', () => {
    assert.equal(serialize({ simple: 'OK' }, false), '+OK\r\n');
    assert.equal(serialize({ error: 'ERR bad\r\nthing' }, false), '-ERR bad thing\r\n');
    assert.equal(serialize(42, false), ':42\r\n');
    assert.equal(serialize(-(2n ** 63n), false), ':-9223372036854775808\r\n');
    assert.equal(serialize(Buffer.from('a\r\nb'), false), '$4\r\na\r\nb\r\n');
    assert.equal(serialize(null, false), '$-1\r\n');
    assert.equal(serialize([Buffer.from('x'), null, 1], false), '*3\r\n$1\r\nx\r\n$-1\r\n:1\r\n');
    assert.equal(serialize({ map: [[Buffer.from('f'), Buffer.from('v')]] }, false), '*2\r\n$1\r\nf\r\n$1\r\nv\r\n');
  });

  it('serializes RESP3 nulls and maps', () => {
    assert.equal(serialize(null, true), '_\r\n');
    assert.equal(serialize({ map: [[Buffer.from('f'), 1]] }, true), '%1\r\n$1\r\nf\r\n:1\r\n');
  });

  it('batches several replies into one buffer', () => {
    const w = new ReplyWriter();
    w.write({ simple: 'OK' }, false);
    w.write(Buffer.from('v'), false);
    assert.equal(w.take().toString(), '+OK\r\n$1\r\nv\r\n');
    assert.equal(w.take().length, 0);
  });
});
