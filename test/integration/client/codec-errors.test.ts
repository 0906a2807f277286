import assert from 'node:assert/strict';
import { Client, codecs, ErrorCode, ValueDecodeError } from '../../../src/index.js';
import { startTestNode, type TestNode } from '../../helpers/in-process-node.js';

describe('client: a stored value the codec cannot decode', function () {
  this.timeout(30_000);
  let t: TestNode;
  let raw: Client;
  let json: Client<unknown>;
  beforeEach(async () => {
    t = await startTestNode();
    raw = new Client({ peers: [t.node.address], replicas: 1 });
    json = new Client<unknown>({ peers: [t.node.address], replicas: 1, codec: codecs.json() });
    await raw.batchPut([
      { key: 'a', value: Buffer.from('{"n":1}') },
      { key: 'b', value: Buffer.from('not json') },
      { key: 'c', value: Buffer.from('{"n":3}') },
    ]);
  });
  afterEach(async () => {
    await raw.close();
    await json.close();
    await t.stop();
  });

  it('scan: throws a typed DSTASH_DECODE error naming the key, not a raw SyntaxError', async () => {
    const seen: string[] = [];
    await assert.rejects(async () => {
      for await (const r of json.scan()) seen.push(r.key.toString());
    }, (err: unknown) => err instanceof ValueDecodeError && err.code === ErrorCode.Decode && err.key.toString() === 'b' && err.cause instanceof SyntaxError);
    assert.ok(!seen.includes('b'));
  });

  it('scan with onDecodeError: skips the record, reports it, and lists the others', async () => {
    const skipped: string[] = [];
    const keys: string[] = [];
    for await (const r of json.scan({ onDecodeError: (err) => skipped.push(err.key.toString()) })) keys.push(r.key.toString());
    assert.deepEqual(skipped, ['b']);
    assert.deepEqual(keys.sort(), ['a', 'c']);
  });

  it('lookup rejects with DSTASH_DECODE; batchLookup fails only that key', async () => {
    await assert.rejects(json.lookup('b'), (err: unknown) => err instanceof ValueDecodeError && err.code === ErrorCode.Decode);
    const results = await json.batchLookup(['a', 'b', 'c']);
    assert.deepEqual(results.map((r) => [r.key, r.found, r.found ? undefined : r.error?.code]), [['a', true, undefined], ['b', false, ErrorCode.Decode], ['c', true, undefined]]);
  });
});
