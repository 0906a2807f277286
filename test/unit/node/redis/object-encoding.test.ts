import assert from 'node:assert/strict';
import { objectEncoding } from '../../../../src/node/redis/commands/key-commands.js';
import { decodeValue, encodeHash, encodeList, encodeString } from '../../../../src/node/redis/redis-value.js';

const string = (text: string): string => objectEncoding({ type: 'string', value: Buffer.from(text) });

describe('Redis OBJECT ENCODING', () => {
  it('derives int, embstr and raw for strings as redis-server 7.0.15 answers after SET', () => {
    for (const text of ['0', '12', '-5', '9223372036854775807', '-9223372036854775808']) assert.equal(string(text), 'int', text);
    // Not a canonical 64-bit integer: leading zeros, a plus, spaces, out of range.
    for (const text of ['012', '+1', ' 1', '9223372036854775808', '', 'a'.repeat(44)]) assert.equal(string(text), 'embstr', JSON.stringify(text));
    assert.equal(string('a'.repeat(45)), 'raw');
  });

  it('gives listpack for hashes within 512 entries of 64 bytes, hashtable past them, quicklist for lists', () => {
    const hash = (n: number, size: number): string => objectEncoding({ type: 'hash', fields: new Map(Array.from({ length: n }, (_, i) => [`f${i}`, Buffer.alloc(size)])) });
    assert.equal(hash(512, 64), 'listpack');
    assert.equal(hash(513, 1), 'hashtable');
    assert.equal(hash(1, 65), 'hashtable');
    assert.equal(objectEncoding({ type: 'list', items: [] }), 'quicklist');
  });

  it('round-trips lists and hashes through their records, and keeps tagged strings apart', () => {
    const items = [Buffer.from('a'), Buffer.alloc(0), Buffer.from([0xff, 0])];
    assert.deepEqual(decodeValue(encodeList(items)), { type: 'list', items });
    const fields = new Map([['f', Buffer.from('v')], ['', Buffer.alloc(0)]]);
    assert.deepEqual(decodeValue(encodeHash(fields)), { type: 'hash', fields });
    const lookalike = encodeList(items);
    assert.deepEqual(decodeValue(encodeString(lookalike)), { type: 'string', value: lookalike });
  });
});
