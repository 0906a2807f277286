import assert from 'node:assert/strict';
import { startTestNode, type TestNode } from '../../helpers/in-process-node.js';
import { call, callJson, rawCall, type Answer } from './http-helpers.js';

const MAX_VALUE = 1024;
const MAX_BODY = 64 * 1024;
const b64 = (bytes: number[] | string): string => Buffer.from(bytes as never).toString('base64');

describe('http: the REST key/value API', function () {
  this.timeout(60_000);
  let t: TestNode;
  let port: number;
  beforeEach(async () => {
    t = await startTestNode({ httpPort: 0, maxValueBytes: MAX_VALUE, maxMessageBytes: 1024 * 1024, maxHttpBodyBytes: MAX_BODY });
    port = t.node.httpPort;
  });
  afterEach(async () => {
    await t.stop();
  });

  it('puts, gets, lists and deletes a key', async () => {
    const put = await call(port, 'PUT', '/v1/kv/default/greeting', 'hello, world', { 'content-type': 'text/plain' });
    assert.equal(put.status, 200);
    assert.match(put.json.version, /^[0-9a-f]{24}$/);

    const got = await call(port, 'GET', '/v1/kv/default/greeting');
    assert.equal(got.status, 200);
    assert.equal(got.headers.get('content-type'), 'application/octet-stream');
    assert.equal(got.body.toString(), 'hello, world');
    assert.equal(got.headers.get('x-dstash-version'), put.json.version);
    assert.equal(got.headers.get('x-dstash-expires-at'), null, 'no TTL, no expiry');

    const listed = await call(port, 'GET', '/v1/kv/default');
    assert.deepEqual(listed.json, { items: [{ key: 'greeting', value: 'hello, world', version: put.json.version, expiresAt: 0 }], next: null });

    const deleted = await call(port, 'DELETE', '/v1/kv/default/greeting');
    assert.equal(deleted.status, 200);
    assert.ok(deleted.json.version > put.json.version, 'the delete is a newer version');
    const missing = await call(port, 'GET', '/v1/kv/default/greeting');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.error.code, 'DSTASH_NOT_FOUND');
  });

  it('stores raw bytes of any content type, keeps an empty value apart from a missing key, and honours ?ttl= and ?consistency=', async () => {
    const binary = Buffer.from([0, 255, 1, 254, 10, 13]);
    assert.equal((await call(port, 'PUT', '/v1/kv/blobs/bin', binary, { 'content-type': 'application/json' })).status, 200, 'a JSON content type is not parsed');
    assert.deepEqual((await call(port, 'GET', '/v1/kv/blobs/bin?consistency=ALL')).body, binary);

    assert.equal((await call(port, 'PUT', '/v1/kv/blobs/empty?consistency=one')).status, 200);
    const empty = await call(port, 'GET', '/v1/kv/blobs/empty');
    assert.equal(empty.status, 200);
    assert.equal(empty.body.length, 0);
    assert.equal((await call(port, 'GET', '/v1/kv/blobs/never')).status, 404);

    const before = Date.now();
    await call(port, 'PUT', '/v1/kv/blobs/ttl?ttl=60000', 'soon gone');
    const expires = Number((await call(port, 'GET', '/v1/kv/blobs/ttl')).headers.get('x-dstash-expires-at'));
    assert.ok(expires >= before + 60_000 && expires <= Date.now() + 60_000, `expiry ${expires}`);
  });

  it('takes keys as URL-encoded UTF-8 (slashes allowed) or base64', async () => {
    const keys = ['a/b/c', 'ünïcødé €', 'with space', '100%', 'q?x=1#frag'];
    for (const key of keys) {
      assert.equal((await call(port, 'PUT', `/v1/kv/default/${encodeURIComponent(key)}`, `v:${key}`)).status, 200, key);
    }
    for (const key of keys) assert.equal((await call(port, 'GET', `/v1/kv/default/${encodeURIComponent(key)}`)).body.toString(), `v:${key}`, key);
    assert.equal((await call(port, 'GET', '/v1/kv/default/a/b/c')).body.toString(), 'v:a/b/c', 'slashes need no encoding');

    const binaryKey = Buffer.from([0xff, 0x00, 0x2f]);
    const path = `/v1/kv/default/${encodeURIComponent(binaryKey.toString('base64'))}?encoding=base64`;
    assert.equal((await call(port, 'PUT', path, 'binary key')).status, 200);
    assert.equal((await call(port, 'GET', path)).body.toString(), 'binary key');
    const listed = await call(port, 'GET', `/v1/kv/default?encoding=base64&prefix=${encodeURIComponent(b64([0xff]))}`);
    assert.deepEqual(listed.json.items.map((i: { key: string; value: string }) => [i.key, i.value]), [[binaryKey.toString('base64'), b64('binary key')]]);
  });

  it('lists by prefix, one page at a time', async () => {
    for (let i = 0; i < 25; i++) await call(port, 'PUT', `/v1/kv/pages/user:${i}`, String(i));
    await call(port, 'PUT', '/v1/kv/pages/other', 'x');
    const seen: string[] = [];
    let startAfter = '';
    for (let page = 0; page < 10; page++) {
      const answer = await call(port, 'GET', `/v1/kv/pages?prefix=user:&limit=10&startAfter=${encodeURIComponent(startAfter)}`);
      assert.equal(answer.status, 200);
      seen.push(...answer.json.items.map((i: { key: string }) => i.key));
      if (answer.json.next === null) break;
      assert.equal(answer.json.items.length, 10);
      startAfter = answer.json.next;
    }
    assert.deepEqual(seen.sort(), Array.from({ length: 25 }, (_, i) => `user:${i}`).sort());
  });

  it('runs a batch of puts, deletes and gets with one result per key', async () => {
    await call(port, 'PUT', '/v1/kv/batch/old', 'gone soon');
    const answer = await callJson(port, 'POST', '/v1/kv/batch', {
      put: [{ key: 'a', value: 'A' }, { key: 'b', value: 'B', ttl: 60_000 }, { key: '', value: 'no key' }, { key: 'big', value: 'x'.repeat(MAX_VALUE + 1) }],
      delete: ['old'],
      get: ['a', 'b', 'old', 'missing', ''],
    });
    assert.equal(answer.status, 200);
    const { put, delete: deleted, get } = answer.json;
    assert.deepEqual(put.map((r: { key: string; ok: boolean }) => [r.key, r.ok]), [['a', true], ['b', true], ['', false], ['big', false]]);
    assert.deepEqual(put[2].error.code, 'DSTASH_INVALID_KEY');
    assert.equal(put[2].status, 400);
    assert.deepEqual([put[3].status, put[3].error.code], [413, 'DSTASH_INVALID_VALUE']);
    assert.equal(deleted[0].ok, true);
    assert.deepEqual(get.map((r: { key: string; found: boolean; value?: string }) => [r.key, r.found, r.value]), [
      ['a', true, 'A'], ['b', true, 'B'], ['old', false, undefined], ['missing', false, undefined], ['', false, undefined],
    ]);
    assert.ok(get[1].expiresAt > Date.now(), 'the TTL was applied');
    assert.equal(get[4].error.code, 'DSTASH_INVALID_KEY');

    const binary = await callJson(port, 'POST', '/v1/kv/batch?encoding=base64', { put: [{ key: b64([1, 2]), value: b64([3, 4]) }], get: [b64([1, 2])] });
    assert.equal(binary.json.get[0].value, b64([3, 4]));
  });

  it('treats every path below an index as a key: a key named _batch is stored, read and deleted like any other', async () => {
    assert.equal((await call(port, 'PUT', '/v1/kv/default/_batch', 'a key, not a batch')).status, 200);
    assert.equal((await call(port, 'GET', '/v1/kv/default/_batch')).body.toString(), 'a key, not a batch');
    const batch = await callJson(port, 'POST', '/v1/kv/default', { put: [{ key: '_batch', value: 'by batch' }], get: ['_batch'] });
    assert.equal(batch.status, 200);
    assert.equal(batch.json.get[0].value, 'by batch');
    assert.equal((await call(port, 'DELETE', '/v1/kv/default/_batch')).status, 200);
    assert.equal((await call(port, 'GET', '/v1/kv/default/_batch')).status, 404);
  });

  it('tells a wrong URL (404 DSTASH_NO_ROUTE) and a wrong method (405, with Allow) from a missing key', async () => {
    const unknown = await call(port, 'GET', '/v2/nothing');
    assert.deepEqual([unknown.status, unknown.json.error.code], [404, 'DSTASH_NO_ROUTE']);
    const wrongMethods: [string, string, string[]][] = [
      ['POST', '/v1/kv/default/k', ['GET', 'PUT', 'DELETE']],
      ['POST', '/v1/kv/default/_batch', ['GET', 'PUT', 'DELETE']],
      ['DELETE', '/v1/kv/default', ['GET', 'POST']],
      ['PATCH', '/healthz', ['GET']],
      ['POST', '/metrics', ['GET']],
    ];
    for (const [method, path, allowed] of wrongMethods) {
      const answer = await call(port, method, path, method === 'POST' || method === 'PATCH' ? 'x' : undefined);
      assert.equal(answer.status, 405, `${method} ${path}: ${JSON.stringify(answer.json)}`);
      assert.equal(answer.json.error.code, 'DSTASH_METHOD_NOT_ALLOWED');
      const allow = (answer.headers.get('allow') ?? '').split(', ');
      for (const m of allowed) assert.ok(allow.includes(m), `${method} ${path}: Allow ${allow.join(', ')} lacks ${m}`);
    }
  });

  it('lists keys without their values with ?keysOnly=true', async () => {
    await call(port, 'PUT', '/v1/kv/keys/a', 'x'.repeat(MAX_VALUE));
    await call(port, 'PUT', '/v1/kv/keys/b', 'y');
    const listed = await call(port, 'GET', '/v1/kv/keys?keysOnly=true');
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.json.items.map((i: { key: string }) => i.key).sort(), ['a', 'b']);
    for (const item of listed.json.items) {
      assert.equal('value' in item, false, 'no value');
      assert.match(item.version, /^[0-9a-f]{24}$/);
    }
    const full = (await call(port, 'GET', '/v1/kv/keys?keysOnly=false')).json.items;
    assert.equal(full.find((i: { key: string }) => i.key === 'a').value.length, MAX_VALUE);
    assert.equal((await call(port, 'GET', '/v1/kv/keys?keysOnly=maybe')).json.error.code, 'DSTASH_INVALID_ARGUMENT');
  });

  it('refuses a JSON batch whose keys are not valid UTF-8, and stores nothing under replacement characters', async () => {
    const invalid = Buffer.concat([Buffer.from('{"put":[{"key":"bad'), Buffer.from([0xff, 0xfe]), Buffer.from('","value":"v"}]}')]);
    const answer = await call(port, 'POST', '/v1/kv/utf', invalid, { 'content-type': 'application/json' });
    assert.deepEqual([answer.status, answer.json.error.code], [400, 'DSTASH_INVALID_ARGUMENT']);
    const surrogate = await call(port, 'POST', '/v1/kv/utf', '{"put":[{"key":"bad\\ud800","value":"v"}]}', { 'content-type': 'application/json' });
    assert.deepEqual([surrogate.status, surrogate.json.error.code], [400, 'DSTASH_INVALID_KEY']);
    assert.deepEqual((await call(port, 'GET', '/v1/kv/utf')).json.items, [], 'nothing was stored');
  });

  /** Every kind of bad request, and the status and code it must be answered with. */
  const BAD: { name: string; request: () => Promise<Answer>; status: number; code: string }[] = [
    { name: 'an index with a bad character', request: () => call(port, 'GET', '/v1/kv/bad!index/k'), status: 400, code: 'DSTASH_INVALID_INDEX' },
    { name: 'an index of 65 characters', request: () => call(port, 'PUT', `/v1/kv/${'i'.repeat(65)}/k`, 'v'), status: 400, code: 'DSTASH_INVALID_INDEX' },
    { name: 'an index of 500 characters', request: () => call(port, 'GET', `/v1/kv/${'i'.repeat(500)}/k`), status: 400, code: 'DSTASH_INVALID_INDEX' },
    { name: 'a bad index in a listing', request: () => call(port, 'GET', '/v1/kv/a%20b'), status: 400, code: 'DSTASH_INVALID_INDEX' },
    { name: 'an empty key', request: () => call(port, 'PUT', '/v1/kv/default/', 'v'), status: 400, code: 'DSTASH_INVALID_KEY' },
    { name: 'a key of 4 KiB + 1', request: () => call(port, 'GET', `/v1/kv/default/${'k'.repeat(4097)}`), status: 400, code: 'DSTASH_INVALID_KEY' },
    { name: 'a key that is not percent-encoded UTF-8', request: () => call(port, 'GET', '/v1/kv/default/%FF%FE'), status: 400, code: 'DSTASH_INVALID_KEY' },
    { name: 'a key that is not base64', request: () => call(port, 'DELETE', '/v1/kv/default/no*base64?encoding=base64'), status: 400, code: 'DSTASH_INVALID_KEY' },
    { name: 'a TTL that is not a number', request: () => call(port, 'PUT', '/v1/kv/default/k?ttl=soon', 'v'), status: 400, code: 'DSTASH_INVALID_ARGUMENT' },
    { name: 'a TTL of 200 years', request: () => call(port, 'PUT', `/v1/kv/default/k?ttl=${200 * 365 * 24 * 3600 * 1000}`, 'v'), status: 400, code: 'DSTASH_INVALID_ARGUMENT' },
    { name: 'a repeated parameter', request: () => call(port, 'PUT', '/v1/kv/default/k?ttl=1&ttl=2', 'v'), status: 400, code: 'DSTASH_INVALID_ARGUMENT' },
    { name: 'an unknown consistency', request: () => call(port, 'GET', '/v1/kv/default/k?consistency=most'), status: 400, code: 'DSTASH_INVALID_ARGUMENT' },
    { name: 'a limit of 0', request: () => call(port, 'GET', '/v1/kv/default?limit=0'), status: 400, code: 'DSTASH_INVALID_ARGUMENT' },
    { name: 'a limit over the maximum', request: () => call(port, 'GET', '/v1/kv/default?limit=10001'), status: 400, code: 'DSTASH_INVALID_ARGUMENT' },
    { name: 'an unknown encoding', request: () => call(port, 'GET', '/v1/kv/default?encoding=hex'), status: 400, code: 'DSTASH_INVALID_ARGUMENT' },
    { name: 'a batch that is not JSON', request: () => call(port, 'POST', '/v1/kv/default', '{put:', { 'content-type': 'application/json' }), status: 400, code: 'DSTASH_INVALID_ARGUMENT' },
    { name: 'a batch that is not an object', request: () => callJson(port, 'POST', '/v1/kv/default', [1, 2]), status: 400, code: 'DSTASH_INVALID_ARGUMENT' },
    { name: 'a batch with an unknown field', request: () => callJson(port, 'POST', '/v1/kv/default', { puts: [] }), status: 400, code: 'DSTASH_INVALID_ARGUMENT' },
    { name: 'a batch put without a value', request: () => callJson(port, 'POST', '/v1/kv/default', { put: [{ key: 'k' }] }), status: 400, code: 'DSTASH_INVALID_ARGUMENT' },
    { name: 'a batch put with a TTL that is not a number', request: () => callJson(port, 'POST', '/v1/kv/default', { put: [{ key: 'k', value: 'v', ttl: '1s' }] }), status: 400, code: 'DSTASH_INVALID_ARGUMENT' },
    { name: 'a batch get of a number', request: () => callJson(port, 'POST', '/v1/kv/default', { get: [42] }), status: 400, code: 'DSTASH_INVALID_KEY' },
    { name: 'a batch in XML', request: () => call(port, 'POST', '/v1/kv/default', '<put/>', { 'content-type': 'application/xml' }), status: 415, code: 'DSTASH_INVALID_ARGUMENT' },
    { name: 'a bad ?partitions= on /v1/cluster', request: () => call(port, 'GET', '/v1/cluster?partitions=maybe'), status: 400, code: 'DSTASH_INVALID_ARGUMENT' },
    { name: 'a missing key', request: () => call(port, 'GET', '/v1/kv/default/nobody-wrote-this'), status: 404, code: 'DSTASH_NOT_FOUND' },
    { name: 'an unknown route', request: () => call(port, 'GET', '/v2/nothing'), status: 404, code: 'DSTASH_NO_ROUTE' },
    // fetch() would resolve the dot segments: these go out as written.
    { name: 'the index .', request: () => rawCall(port, 'PUT', '/v1/kv/./k', 'v'), status: 400, code: 'DSTASH_INVALID_INDEX' },
    { name: 'the index ..', request: () => rawCall(port, 'GET', '/v1/kv/../k'), status: 400, code: 'DSTASH_INVALID_INDEX' },
    { name: 'a value over maxValueBytes', request: () => call(port, 'PUT', '/v1/kv/default/k', Buffer.alloc(MAX_VALUE + 1)), status: 413, code: 'DSTASH_INVALID_VALUE' },
    { name: 'a batch body over maxHttpBodyBytes', request: () => callJson(port, 'POST', '/v1/kv/default', { get: ['k'.repeat(MAX_BODY)] }), status: 413, code: 'DSTASH_INVALID_ARGUMENT' },
    { name: 'a batch of 10,001 entries', request: () => callJson(port, 'POST', '/v1/kv/default', { get: Array.from({ length: 10_001 }, () => 'k') }), status: 413, code: 'DSTASH_INVALID_ARGUMENT' },
  ];

  for (const bad of BAD) {
    it(`answers ${bad.status} ${bad.code} to ${bad.name}, and keeps serving`, async () => {
      await call(port, 'PUT', '/v1/kv/default/keep', 'kept');
      const answer = await bad.request();
      assert.equal(answer.status, bad.status, JSON.stringify(answer.json));
      assert.equal(answer.json.error.code, bad.code);
      assert.equal(typeof answer.json.error.message, 'string');
      assert.equal((await call(port, 'GET', '/v1/kv/default/keep')).body.toString(), 'kept', 'stored data is unchanged');
      assert.equal((await call(port, 'GET', '/readyz')).status, 200);
    });
  }
});
