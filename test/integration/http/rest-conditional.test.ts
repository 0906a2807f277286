import assert from 'node:assert/strict';
import { startTestNode, type TestNode } from '../../helpers/in-process-node.js';
import { call } from './http-helpers.js';

describe('http: conditional requests (ETag, If-Match, If-None-Match) and serial reads', function () {
  this.timeout(60_000);
  let t: TestNode;
  let port: number;
  beforeEach(async () => {
    t = await startTestNode({ httpPort: 0 });
    port = t.node.httpPort;
  });
  afterEach(async () => {
    await t.stop();
  });

  it('creates with If-None-Match: * once; the second answers 412 DSTASH_CONDITION_FAILED with the current ETag', async () => {
    const created = await call(port, 'PUT', '/v1/kv/default/lock', 'me', { 'if-none-match': '*' });
    assert.equal(created.status, 200);
    const etag = created.headers.get('etag');
    assert.equal(etag, `"${created.json.version}"`);
    const again = await call(port, 'PUT', '/v1/kv/default/lock', 'you', { 'if-none-match': '*' });
    assert.equal(again.status, 412);
    assert.equal(again.json.error.code, 'DSTASH_CONDITION_FAILED');
    assert.equal(again.headers.get('etag'), etag);
    assert.equal((await call(port, 'GET', '/v1/kv/default/lock')).body.toString(), 'me');
  });

  it('GET answers an ETag; PUT and DELETE with If-Match apply only at that version', async () => {
    await call(port, 'PUT', '/v1/kv/default/doc', 'v1');
    const got = await call(port, 'GET', '/v1/kv/default/doc');
    const etag = got.headers.get('etag')!;
    assert.equal(etag, `"${got.headers.get('x-dstash-version')}"`);
    const updated = await call(port, 'PUT', '/v1/kv/default/doc', 'v2', { 'if-match': etag });
    assert.equal(updated.status, 200);
    const stale = await call(port, 'PUT', '/v1/kv/default/doc', 'v3', { 'if-match': etag });
    assert.equal(stale.status, 412);
    assert.equal(stale.json.error.code, 'DSTASH_CONDITION_FAILED');
    assert.equal((await call(port, 'DELETE', '/v1/kv/default/doc', undefined, { 'if-match': etag })).status, 412);
    const fresh = (await call(port, 'GET', '/v1/kv/default/doc')).headers.get('etag')!;
    assert.equal(fresh, updated.headers.get('etag'));
    assert.equal((await call(port, 'DELETE', '/v1/kv/default/doc', undefined, { 'if-match': fresh })).status, 200);
    assert.equal((await call(port, 'GET', '/v1/kv/default/doc')).status, 404);
    const absent = await call(port, 'PUT', '/v1/kv/default/doc', 'v4', { 'if-match': fresh });
    assert.equal(absent.status, 412, 'If-Match on an absent key fails');
  });

  it('If-Match: * writes or deletes only a key that exists', async () => {
    const missing = await call(port, 'PUT', '/v1/kv/default/star', 'v1', { 'if-match': '*' });
    assert.equal(missing.status, 412);
    assert.equal(missing.json.error.code, 'DSTASH_CONDITION_FAILED');
    assert.equal((await call(port, 'GET', '/v1/kv/default/star')).status, 404, 'nothing was created');
    await call(port, 'PUT', '/v1/kv/default/star', 'v1');
    const updated = await call(port, 'PUT', '/v1/kv/default/star', 'v2', { 'if-match': '*' });
    assert.equal(updated.status, 200);
    assert.equal((await call(port, 'GET', '/v1/kv/default/star')).body.toString(), 'v2');
    assert.equal((await call(port, 'DELETE', '/v1/kv/default/star', undefined, { 'if-match': '*' })).status, 200);
    assert.equal((await call(port, 'DELETE', '/v1/kv/default/star', undefined, { 'if-match': '*' })).status, 412, 'a deleted key is absent');
  });

  it('?consistency=serial is a linearizable read; bad preconditions are 400', async () => {
    await call(port, 'PUT', '/v1/kv/default/s', 'serial?');
    const read = await call(port, 'GET', '/v1/kv/default/s?consistency=serial');
    assert.equal(read.status, 200);
    assert.equal(read.body.toString(), 'serial?');
    assert.ok(read.headers.get('etag'));
    assert.equal((await call(port, 'GET', '/v1/kv/default/nothing?consistency=SERIAL')).status, 404);
    const bads: Record<string, string>[] = [{ 'if-match': 'abc' }, { 'if-none-match': '"0123"' }, { 'if-match': '* "0123"' }, { 'if-match': '"000000000000000000000000"', 'if-none-match': '*' }];
    for (const headers of bads) {
      const bad = await call(port, 'PUT', '/v1/kv/default/s', 'x', headers);
      assert.equal(bad.status, 400, JSON.stringify(headers));
      assert.equal(bad.json.error.code, 'DSTASH_INVALID_ARGUMENT');
    }
    assert.equal((await call(port, 'GET', '/v1/kv/default/s')).body.toString(), 'serial?', 'nothing was written');
  });
});
