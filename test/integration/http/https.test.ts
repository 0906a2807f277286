import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import { makeTestPki, type TestPki } from '../../helpers/certs.js';
import { startTestNode, type TestNode } from '../../helpers/in-process-node.js';
import { tempDir } from '../../helpers/temp-dir.js';

/** One HTTPS request; resolves with the status, or rejects with the TLS error. */
function get(port: number, path: string, ca: Buffer, method = 'GET', body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', servername: 'localhost', port, path, method, ca }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('HTTP port: TLS with the node\'s certificate files', function () {
  this.timeout(30_000);
  let pki: TestPki;
  let cleanupPki: () => Promise<void>;
  let t: TestNode | undefined;

  before(async () => {
    const dir = await tempDir('dstash-pki-');
    cleanupPki = dir.cleanup;
    pki = makeTestPki(dir.path);
  });
  after(async () => { await cleanupPki(); });
  afterEach(async () => { await t?.stop(); t = undefined; });

  it('serves HTTPS whenever the node runs with TLS (mutual TLS on gRPC included), and refuses plain HTTP', async () => {
    t = await startTestNode({ httpPort: 0, tls: { certFile: pki.serverCert, keyFile: pki.serverKey, caFile: pki.caCert } });
    const port = t.node.httpPort;
    const ca = readFileSync(pki.caCert);
    assert.equal(await get(port, '/healthz', ca), 200);
    assert.equal(await get(port, '/readyz', ca), 200);
    assert.equal(await get(port, '/v1/kv/default/missing', ca), 404);
    assert.equal(await get(port, '/v1/kv/default/k', ca, 'PUT', 'v'), 200);
    await assert.rejects(get(port, '/healthz', readFileSync(pki.otherCaCert)), /certificate/i, 'a client that does not trust the CA fails the handshake');
    await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`), 'plain HTTP gets no answer');
  });
});
