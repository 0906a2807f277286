import assert from 'node:assert/strict';
import { startTestNode, type TestNode } from '../../helpers/in-process-node.js';
import { call, rawCall, type Answer } from './http-helpers.js';

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

  it('?consistency=serial is a linearizable read', async () => {
    await call(port, 'PUT', '/v1/kv/default/s', 'serial?');
    const read = await call(port, 'GET', '/v1/kv/default/s?consistency=serial');
    assert.equal(read.status, 200);
    assert.equal(read.body.toString(), 'serial?');
    assert.ok(read.headers.get('etag'));
    assert.equal((await call(port, 'GET', '/v1/kv/default/nothing?consistency=SERIAL')).status, 404);
  });

  it('If-Match takes a list of entity-tags, also over repeated header lines; a tag that is no dstash version does not match (412, not 400)', async () => {
    const first = await put('doc', 'v1');
    const unknown = await call(port, 'PUT', '/v1/kv/default/doc', 'x', { 'if-match': '"0000"' });
    assertFailed(unknown, first);
    const second = await call(port, 'PUT', '/v1/kv/default/doc', 'v2', { 'if-match': `"xyzzy", ${first}` });
    assert.equal(second.status, 200);
    const lines = await rawCall(port, 'PUT', '/v1/kv/default/doc', 'v3', { 'if-match': ['"nope"', second.headers.get('etag')!] });
    assert.equal(lines.status, 200, 'the tags of several If-Match lines form one list');
    const current = lines.headers.get('etag')!;
    // A comma inside the quotes belongs to the tag: this is one tag, not the current version.
    assertFailed(await call(port, 'DELETE', '/v1/kv/default/doc', undefined, { 'if-match': `"${current.slice(1, -1)},"` }), current);
    assertFailed(await call(port, 'GET', '/v1/kv/default/doc', undefined, { 'if-match': `"a", ${first}` }), current);
    assert.equal((await call(port, 'GET', '/v1/kv/default/doc', undefined, { 'if-match': `"a", ${current}` })).body.toString(), 'v3');
    assertFailed(await call(port, 'PUT', '/v1/kv/default/absent', 'x', { 'if-match': '"0000", "1111"' }), undefined);
    assert.equal((await call(port, 'GET', '/v1/kv/default/absent')).status, 404, 'nothing was created');
  });

  it('If-Match compares strongly: a weak tag never matches, on a write or a read', async () => {
    const etag = await put('weak', 'v1');
    assertFailed(await call(port, 'PUT', '/v1/kv/default/weak', 'v2', { 'if-match': `W/${etag}` }), etag);
    assertFailed(await call(port, 'PUT', '/v1/kv/default/weak', 'v2', { 'if-match': `W/${etag}, W/"x"` }), etag);
    assertFailed(await call(port, 'DELETE', '/v1/kv/default/weak', undefined, { 'if-match': `W/${etag}` }), etag);
    assertFailed(await call(port, 'GET', '/v1/kv/default/weak', undefined, { 'if-match': `W/${etag}` }), etag);
    assert.equal((await call(port, 'PUT', '/v1/kv/default/weak', 'v2', { 'if-match': `W/${etag}, ${etag}` })).status, 200, 'the strong tag in the list matches');
    assert.equal((await call(port, 'GET', '/v1/kv/default/weak')).body.toString(), 'v2');
  });

  it('If-None-Match with a list on GET and HEAD answers 304 with the ETag and no body when a tag matches (weak comparison)', async () => {
    const etag = await put('cached', 'v1');
    for (const [method, ifNoneMatch] of [['GET', `"other", ${etag}`], ['GET', `W/${etag}`], ['HEAD', etag], ['GET', '*']] as const) {
      const cached = await call(port, method, '/v1/kv/default/cached', undefined, { 'if-none-match': ifNoneMatch });
      assert.equal(cached.status, 304, `${method} If-None-Match: ${ifNoneMatch}`);
      assert.equal(cached.headers.get('etag'), etag);
      assert.equal(cached.body.length, 0);
    }
    const changed = await call(port, 'GET', '/v1/kv/default/cached', undefined, { 'if-none-match': '"other", W/"x"' });
    assert.equal(changed.status, 200);
    assert.equal(changed.body.toString(), 'v1');
    assert.equal(changed.headers.get('etag'), etag);
    const newer = await put('cached', 'v2');
    const stale = await call(port, 'GET', '/v1/kv/default/cached', undefined, { 'if-none-match': etag });
    assert.equal(stale.status, 200, 'an older ETag does not match');
    assert.equal(stale.body.toString(), 'v2');
    assert.equal(stale.headers.get('etag'), newer);
    assert.equal((await call(port, 'GET', '/v1/kv/default/nothing', undefined, { 'if-none-match': '*' })).status, 404);
  });

  it('If-None-Match with a list on a write fails with 412 when a tag matches (weak comparison) and applies otherwise', async () => {
    const etag = await put('inm', 'v1');
    assertFailed(await call(port, 'PUT', '/v1/kv/default/inm', 'v2', { 'if-none-match': `"x", W/${etag}` }), etag);
    assertFailed(await call(port, 'DELETE', '/v1/kv/default/inm', undefined, { 'if-none-match': etag }), etag);
    const applied = await call(port, 'PUT', '/v1/kv/default/inm', 'v2', { 'if-none-match': `"x", "${'0'.repeat(24)}"` });
    assert.equal(applied.status, 200);
    assert.equal((await call(port, 'GET', '/v1/kv/default/inm')).body.toString(), 'v2');
    assert.equal((await call(port, 'DELETE', '/v1/kv/default/inm', undefined, { 'if-none-match': etag })).status, 200, 'the old version does not match');
    const created = await call(port, 'PUT', '/v1/kv/default/inm', 'v3', { 'if-none-match': applied.headers.get('etag')! });
    assert.equal(created.status, 200, 'an absent key matches no tag');
    assert.equal((await call(port, 'GET', '/v1/kv/default/inm')).body.toString(), 'v3');
  });

  it('If-Match is evaluated before If-None-Match, and a write needs both to hold', async () => {
    const etag = await put('both', 'v1');
    assertFailed(await call(port, 'PUT', '/v1/kv/default/both', 'v2', { 'if-match': etag, 'if-none-match': etag }), etag);
    assertFailed(await call(port, 'PUT', '/v1/kv/default/both', 'v2', { 'if-match': '*', 'if-none-match': '*' }), etag);
    assertFailed(await call(port, 'GET', '/v1/kv/default/both', undefined, { 'if-match': '"nope"', 'if-none-match': etag }), etag);
    assert.equal((await call(port, 'GET', '/v1/kv/default/both', undefined, { 'if-match': etag, 'if-none-match': etag })).status, 304);
    const applied = await call(port, 'PUT', '/v1/kv/default/both', 'v2', { 'if-match': `${etag}`, 'if-none-match': '"other"' });
    assert.equal(applied.status, 200);
    assert.equal((await call(port, 'GET', '/v1/kv/default/both')).body.toString(), 'v2');
  });

  it('a header that is not * or an entity-tag list is 400 on GET, PUT and DELETE, and nothing is written', async () => {
    const etag = await put('s', 'serial?');
    const bads = ['abc', '* "0123"', '*, "a"', '"unterminated', 'w/"x"', '"a" "b"', `${etag} x`, '"sp ace"'];
    for (const header of ['if-match', 'if-none-match']) {
      for (const value of bads) {
        for (const method of ['GET', 'PUT', 'DELETE']) {
          const bad = await call(port, method, '/v1/kv/default/s', method === 'PUT' ? 'x' : undefined, { [header]: value });
          assert.equal(bad.status, 400, `${method} ${header}: ${value}`);
          assert.equal(bad.json.error.code, 'DSTASH_INVALID_ARGUMENT');
        }
      }
    }
    assert.equal((await call(port, 'GET', '/v1/kv/default/s')).body.toString(), 'serial?', 'nothing was written');
  });

  /** Writes a key unconditionally; its ETag. */
  async function put(key: string, value: string): Promise<string> {
    const written = await call(port, 'PUT', `/v1/kv/default/${key}`, value);
    assert.equal(written.status, 200);
    return `"${written.json.version}"`;
  }

  function assertFailed(answer: Answer, currentEtag: string | undefined): void {
    assert.equal(answer.status, 412);
    assert.equal(answer.json.error.code, 'DSTASH_CONDITION_FAILED');
    assert.equal(answer.headers.get('etag') ?? undefined, currentEtag);
  }
});
