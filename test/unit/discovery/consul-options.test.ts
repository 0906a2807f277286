// ConsulOptions: defaults, the standard Consul environment variables, and validation in one place.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDuration } from '../../../src/discovery/consul-duration.js';
import { DEFAULT_CONSUL_OPTIONS, resolveConsulOptions, type ConsulOptions } from '../../../src/discovery/consul-options.js';
import { ErrorCode, hasCode } from '../../../src/errors.js';

function rejects(options: ConsulOptions, pattern: RegExp, env: NodeJS.ProcessEnv = {}): void {
  assert.throws(
    () => resolveConsulOptions(options, env),
    (err: Error) => hasCode(err, ErrorCode.InvalidOptions) && pattern.test(err.message),
  );
}

describe('Consul options', () => {
  it('parses Go durations as Consul does', () => {
    assert.equal(parseDuration('250ms'), 250);
    assert.equal(parseDuration('5s'), 5000);
    assert.equal(parseDuration('1m30s'), 90_000);
    assert.equal(parseDuration('1.5h'), 5_400_000);
    assert.equal(parseDuration('0'), 0);
    assert.equal(parseDuration('-2s'), -2000);
    for (const bad of ['', '5', 's', '5 s', '5sec', '1d']) assert.equal(parseDuration(bad), undefined, bad);
  });

  it('fills every default with an empty environment', () => {
    const resolved = resolveConsulOptions({}, {});
    assert.equal(resolved.url, `http://${DEFAULT_CONSUL_OPTIONS.address}`);
    assert.equal(resolved.serviceName, 'dstash');
    assert.deepEqual(
      [resolved.checkInterval, resolved.checkTimeout, resolved.deregisterCriticalServiceAfter, resolved.wait],
      ['5s', '2s', '1m', '30s'],
    );
    assert.deepEqual([resolved.waitMs, resolved.backoffMinMs, resolved.backoffMaxMs, resolved.resyncIntervalMs], [30_000, 100, 10_000, 10_000]);
    assert.equal(resolved.token, undefined);
    assert.equal(resolved.tls, undefined);
  });

  it('takes the address, scheme and token from CONSUL_HTTP_ADDR / CONSUL_HTTP_TOKEN when no option says otherwise', () => {
    const env = { CONSUL_HTTP_ADDR: 'https://consul.example:8501', CONSUL_HTTP_TOKEN: 'secret' };
    const fromEnv = resolveConsulOptions({}, env);
    assert.deepEqual([fromEnv.scheme, fromEnv.host, fromEnv.port, fromEnv.token], ['https', 'consul.example', 8501, 'secret']);
    const explicit = resolveConsulOptions({ address: '10.0.0.1:8500', token: '' }, env);
    assert.deepEqual([explicit.url, explicit.token], ['http://10.0.0.1:8500', undefined]);
    assert.equal(resolveConsulOptions({}, { CONSUL_HTTP_ADDR: '127.0.0.1:8501', CONSUL_HTTP_SSL: 'true' }).scheme, 'https');
  });

  it('brackets an IPv6 address in the url', () => {
    assert.equal(resolveConsulOptions({ address: '[::1]:8500' }, {}).url, 'http://[::1]:8500');
  });

  it('reads TLS files once, and takes buffers as they are', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dstash-consul-tls-'));
    try {
      writeFileSync(join(dir, 'ca.pem'), 'CA PEM');
      const resolved = resolveConsulOptions({ address: 'https://c:8501', tls: { ca: join(dir, 'ca.pem'), cert: Buffer.from('CERT'), key: Buffer.from('KEY'), serverName: 'consul' } }, {});
      assert.deepEqual(
        [resolved.tls?.ca?.toString(), resolved.tls?.cert?.toString(), resolved.tls?.key?.toString(), resolved.tls?.servername],
        ['CA PEM', 'CERT', 'KEY', 'consul'],
      );
      rejects({ address: 'https://c:8501', tls: { ca: join(dir, 'missing.pem') } }, /cannot read tls\.ca file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('rejects bad values naming the option', () => {
    rejects({ address: 'consul' }, /address must be host:port/);
    rejects({ address: 'c:70000' }, /address must be host:port/);
    rejects({}, /CONSUL_HTTP_ADDR must be host:port/, { CONSUL_HTTP_ADDR: 'unix:///tmp/consul.sock' });
    rejects({ address: 'https://c:8501', scheme: 'http' }, /contradicts/);
    rejects({ tls: { ca: Buffer.from('x') } }, /scheme is 'http'/);
    rejects({ address: 'https://c:8501', tls: { cert: Buffer.from('x') } }, /cert and tls\.key/);
    rejects({ checkInterval: '5' }, /checkInterval must be a positive duration/);
    rejects({ checkTimeout: '0s' }, /checkTimeout/);
    rejects({ wait: '11m' }, /wait must be at most 10m/);
    rejects({ backoffMin: '5s', backoffMax: '1s' }, /backoffMin .* must not exceed backoffMax/);
    rejects({ serviceName: '' }, /serviceName/);
    rejects({ datacenter: '' }, /datacenter/);
  });
});
