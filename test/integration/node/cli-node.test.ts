import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { healthStatus, nodeClients, unary } from '../../helpers/grpc-clients.js';
import { runCli, startCli, type CliProcess } from '../../helpers/cli.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { makeTestPki } from '../../helpers/certs.js';

const b = (s: string): Buffer => Buffer.from(s);

describe('cli: dstash node start', function () {
  let dir: { path: string; cleanup: () => Promise<void> };
  const started: CliProcess[] = [];
  beforeEach(async () => { dir = await tempDir('dstash-cli-'); });
  afterEach(async () => {
    for (const p of started.splice(0)) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await p.exited();
    }
    await dir.cleanup();
  });

  function start(args: string[]): CliProcess {
    const p = startCli(['node', 'start', '--port', '0', '--log-level', 'info', ...args]);
    started.push(p);
    return p;
  }

  it('starts a node that answers health checks and data calls, and stops cleanly on SIGTERM', async () => {
    const p = start(['--data-dir', join(dir.path, 'n1')]);
    const { address, nodeId } = await p.event<{ address: string; nodeId: string }>('serving');
    const c = nodeClients(address);
    assert.equal(await healthStatus(c.health), 'SERVING');
    assert.equal(await healthStatus(c.health, 'dstash.v1.KV'), 'SERVING');
    await unary(c.kv, c.kv.Put, { index: 'cli', key: b('k'), value: b('v') });
    c.close();
    p.child.kill('SIGTERM');
    assert.equal(await p.exited(), 0);
    assert.match(p.stderr(), /"msg":"node stopped"/);

    // Same data dir: same node id, data intact.
    const again = start(['--data-dir', join(dir.path, 'n1')]);
    const second = await again.event<{ address: string; nodeId: string }>('serving');
    assert.equal(second.nodeId, nodeId);
    const c2 = nodeClients(second.address);
    const got = await unary<{ value: Buffer }>(c2.kv, c2.kv.Lookup, { index: 'cli', key: b('k') });
    assert.equal(got.value.toString(), 'v');
    c2.close();
    again.child.kill('SIGINT');
    assert.equal(await again.exited(), 0);
  });

  it('writes structured JSON logs', async () => {
    const p = start(['--data-dir', join(dir.path, 'n2')]);
    await p.event('serving');
    p.child.kill('SIGTERM');
    await p.exited();
    const line = p.stderr().split('\n').find((l) => l.includes('node serving'));
    assert.ok(line, 'a "node serving" log line');
    const parsed = JSON.parse(line) as { level: number; module: string; nodeId: string };
    assert.equal(parsed.module, 'node');
    assert.equal(typeof parsed.nodeId, 'string');
  });

  it('refuses a bad flag with a clear message and a non-zero exit', async () => {
    const res = await runCli(['node', 'start', '--port', 'seventy', '--data-dir', dir.path]);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /port/i);
    const unknown = await runCli(['node', 'start', '--no-such-flag']);
    assert.notEqual(unknown.code, 0);
    assert.match(unknown.stderr, /no-such-flag/);
  });

  it('refuses an unwritable data dir with a clear message', async function () {
    if (process.getuid?.() === 0) {
      // root ignores directory permissions; a path under a regular file is unwritable for everyone.
      await writeFile(join(dir.path, 'file'), 'x');
      const res = await runCli(['node', 'start', '--port', '0', '--data-dir', join(dir.path, 'file', 'data')]);
      assert.notEqual(res.code, 0);
      assert.match(res.stderr, /data dir/);
      return;
    }
    const ro = join(dir.path, 'ro');
    await mkdir(ro);
    await chmod(ro, 0o500);
    const res = await runCli(['node', 'start', '--port', '0', '--data-dir', join(ro, 'data')]);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /data dir/);
  });

  it('refuses a port in use with a clear message', async () => {
    const first = start(['--data-dir', join(dir.path, 'a')]);
    const { port } = await first.event<{ port: number }>('serving');
    const res = await runCli(['node', 'start', '--port', String(port), '--data-dir', join(dir.path, 'b')]);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, new RegExp(`port ${port}.*in use`));
  });

  it('serves mutual TLS with --tls --cert-file --key-file --ca-file, and refuses --tls without a certificate', async () => {
    const res = await runCli(['node', 'start', '--port', '0', '--data-dir', dir.path, '--tls']);
    assert.notEqual(res.code, 0);
    assert.match(res.stderr, /--cert-file/);

    const pki = makeTestPki(dir.path);
    const p = start(['--data-dir', join(dir.path, 'tls'), '--tls', '--cert-file', pki.serverCert, '--key-file', pki.serverKey, '--ca-file', pki.caCert]);
    const { port } = await p.event<{ port: number }>('serving');
    const address = `localhost:${port}`;
    const plain = nodeClients(address, grpc.credentials.createInsecure());
    await assert.rejects(healthStatus(plain.health));
    plain.close();
    const ca = readFileSync(pki.caCert);
    const noCert = nodeClients(address, grpc.credentials.createSsl(ca));
    await assert.rejects(healthStatus(noCert.health));
    noCert.close();
    const mtls = nodeClients(address, grpc.credentials.createSsl(ca, readFileSync(pki.clientKey), readFileSync(pki.clientCert)));
    assert.equal(await healthStatus(mtls.health), 'SERVING');
    mtls.close();
  });
});
