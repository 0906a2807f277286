import assert from 'node:assert/strict';
import { resolveDnsOptions, DEFAULT_DNS_OPTIONS } from '../../../src/discovery/dns-options.js';
import { Client, ErrorCode, type DstashError } from '../../../src/index.js';

const invalidOptions = (e: DstashError): boolean => e.code === ErrorCode.InvalidOptions;

describe('DNS discovery options', () => {
  it('fills the defaults once', () => {
    const o = resolveDnsOptions({ name: '_grpc._tcp.dstash-headless.kv.svc.cluster.local' });
    assert.equal(o.intervalMs, DEFAULT_DNS_OPTIONS.intervalMs);
    assert.equal(o.graceMs, 60_000);
    assert.equal(o.port, undefined);
  });

  it('accepts resolvers as ip or ip:port, v4 or v6', () => {
    for (const server of ['10.0.0.10', '127.0.0.1:5353', '[::1]:53', '::1']) assert.equal(resolveDnsOptions({ name: 'a.b', server }).server, server);
  });

  it('rejects a bad name, port, resolver or interval with DSTASH_INVALID_OPTIONS', () => {
    for (const bad of [{ name: '' }, { name: 'a b' }, { name: 'a..b' }, { name: 'a.b', port: 0 }, { name: 'a.b', port: 70000 },
      { name: 'a.b', server: 'dns.example.com' }, { name: 'a.b', server: '10.0.0.1:99999' }, { name: 'a.b', intervalMs: 0 }, { name: 'a.b', graceMs: 1.5 }]) {
      assert.throws(() => resolveDnsOptions(bad), invalidOptions, JSON.stringify(bad));
    }
  });

  it('is one source of members for the client, exclusive of the others', () => {
    assert.throws(() => new Client({ dns: { name: 'a.b' }, peers: ['127.0.0.1:1'] }), invalidOptions);
    assert.throws(() => new Client({ dns: { name: 'a b' } }), invalidOptions);
  });
});
