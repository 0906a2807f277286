import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import * as grpc from '@grpc/grpc-js';
import { healthStatus, nodeClients, unary } from '../../helpers/grpc-clients.js';
import { makeTestPki, type TestPki } from '../../helpers/certs.js';
import { startTestNode, type TestNode } from '../../helpers/in-process-node.js';
import { tempDir } from '../../helpers/temp-dir.js';

const b = (s: string): Buffer => Buffer.from(s);

/** One HTTPS request; resolves with the status, or rejects with the TLS error. */
function httpsGet(port: number, path: string, ca: Buffer, method = 'GET', body?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', servername: 'localhost', port, path, method, ca }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode!));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('node: TLS and mutual TLS, on the gRPC and HTTP ports', function () {
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

  /** Tries one put with `credentials`; resolves with the error, or null on success. */
  async function tryPut(address: string, credentials: grpc.ChannelCredentials): Promise<grpc.ServiceError | null> {
    const c = nodeClients(address, credentials);
    try {
      await unary(c.kv, c.kv.Put, { index: 'tls', key: b('k'), value: b('v') }, 5000);
      return null;
    } catch (err) {
      return err as grpc.ServiceError;
    } finally {
      c.close();
    }
  }

  it('serves TLS to a client that trusts its CA, and refuses one that does not', async () => {
    t = await startTestNode({ tls: { certFile: pki.serverCert, keyFile: pki.serverKey } });
    const trusted = grpc.credentials.createSsl(readFileSync(pki.caCert));
    assert.equal(await tryPut(`localhost:${t!.node.port}`, trusted), null);
    const wrongCa = await tryPut(`localhost:${t!.node.port}`, grpc.credentials.createSsl(readFileSync(pki.otherCaCert)));
    assert.equal(wrongCa?.code, grpc.status.UNAVAILABLE, 'a client without the CA cannot complete the handshake');
    const plaintext = await tryPut(`localhost:${t!.node.port}`, grpc.credentials.createInsecure());
    assert.ok(plaintext, 'a plaintext client is refused');
  });

  it('with mutual TLS, refuses a client without a certificate and serves one with it', async () => {
    t = await startTestNode({ tls: { certFile: pki.serverCert, keyFile: pki.serverKey, caFile: pki.caCert } });
    const ca = readFileSync(pki.caCert);
    const noCert = await tryPut(`localhost:${t!.node.port}`, grpc.credentials.createSsl(ca));
    assert.ok(noCert, 'a client without a certificate is refused');
    assert.equal(noCert.code, grpc.status.UNAVAILABLE);
    const withCert = grpc.credentials.createSsl(ca, readFileSync(pki.clientKey), readFileSync(pki.clientCert));
    assert.equal(await tryPut(`localhost:${t!.node.port}`, withCert), null);
    const c = nodeClients(`localhost:${t.node.port}`, withCert);
    assert.equal(await healthStatus(c.health), 'SERVING');
    c.close();
  });

  it('serves HTTPS whenever the node runs with TLS (mutual TLS on gRPC included), and refuses plain HTTP', async () => {
    t = await startTestNode({ httpPort: 0, tls: { certFile: pki.serverCert, keyFile: pki.serverKey, caFile: pki.caCert } });
    const port = t.node.httpPort;
    const ca = readFileSync(pki.caCert);
    assert.equal(await httpsGet(port, '/healthz', ca), 200);
    assert.equal(await httpsGet(port, '/readyz', ca), 200);
    assert.equal(await httpsGet(port, '/v1/kv/default/missing', ca), 404);
    assert.equal(await httpsGet(port, '/v1/kv/default/k', ca, 'PUT', 'v'), 200);
    await assert.rejects(httpsGet(port, '/healthz', readFileSync(pki.otherCaCert)), /certificate/i, 'a client that does not trust the CA fails the handshake');
    await assert.rejects(fetch(`http://127.0.0.1:${port}/healthz`), 'plain HTTP gets no answer');
  });
});
