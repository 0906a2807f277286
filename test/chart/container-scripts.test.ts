import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { HealthReporter } from '../../src/node/health.js';
import { HealthService } from '../../src/protocol/definitions.js';
import { makeTestPki, type TestPki } from '../helpers/certs.js';
import { startTestNode, type TestNode } from '../helpers/in-process-node.js';
import { tempDir } from '../helpers/temp-dir.js';
import { REPO_ROOT } from './helm.js';

/** Runs one of the image's docker/ scripts with only `env` (and PATH); resolves with its exit code and output. */
function runScript(script: string, args: string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(REPO_ROOT, 'docker', script), ...args], { env: { PATH: process.env.PATH ?? '', ...env }, timeout: 30_000 }, (err, _stdout, stderr) => {
      resolve({ code: err ? Number(err.code ?? 1) : 0, stderr });
    });
  });
}

describe('image scripts: docker/', function () {
  let pki: TestPki;
  let dir: { path: string; cleanup: () => Promise<void> };

  before(async () => {
    dir = await tempDir('dstash-image-scripts-');
    pki = makeTestPki(dir.path);
  });
  after(async () => { await dir.cleanup(); });

  describe('healthcheck.js (HEALTHCHECK, and the chart\'s probes under TLS)', function () {
    let t: TestNode | undefined;
    afterEach(async () => { await t?.stop(); t = undefined; });

    it('exits 0 while the node serves, at DSTASH_PORT on 127.0.0.1, and 1 once it stopped', async () => {
      t = await startTestNode();
      const env = { DSTASH_PORT: String(t.node.port) };
      assert.equal((await runScript('healthcheck.js', [], env)).code, 0);
      await t.node.stop();
      const down = await runScript('healthcheck.js', [], env);
      assert.equal(down.code, 1);
      assert.match(down.stderr, new RegExp(`127\\.0\\.0\\.1:${t.node.port}`));
    });

    it('with --alive (the liveness probe without the HTTP port), passes a node that answers NOT_SERVING, as a draining node does', async () => {
      // The node's own health service, in the state a drain puts it in.
      const health = new HealthReporter();
      health.set('', 'NOT_SERVING');
      const server = new grpc.Server();
      server.addService(HealthService.service, health.handlers());
      const port = await new Promise<number>((resolve, reject) => {
        server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, p) => (err ? reject(err) : resolve(p)));
      });
      try {
        const env = { DSTASH_PORT: String(port) };
        assert.equal((await runScript('healthcheck.js', [], env)).code, 1, 'not ready');
        assert.equal((await runScript('healthcheck.js', ['--alive'], env)).code, 0, 'but alive');
      } finally {
        server.forceShutdown();
      }
      assert.equal((await runScript('healthcheck.js', ['--alive'], { DSTASH_PORT: String(port) })).code, 1, 'a node that does not answer is not alive');
    });

    it('with mutual TLS, dials with the node\'s files and checks the certificate against DSTASH_ADVERTISE_HOST', async () => {
      t = await startTestNode({ tls: { certFile: pki.serverCert, keyFile: pki.serverKey, caFile: pki.caCert } });
      const env = {
        DSTASH_PORT: String(t.node.port), DSTASH_TLS: 'true',
        DSTASH_CERT_FILE: pki.clientCert, DSTASH_KEY_FILE: pki.clientKey, DSTASH_CA_FILE: pki.caCert,
      };
      assert.equal((await runScript('healthcheck.js', [], { ...env, DSTASH_ADVERTISE_HOST: 'localhost' })).code, 0);
      assert.equal((await runScript('healthcheck.js', [], { ...env, DSTASH_ADVERTISE_HOST: 'dstash-0.elsewhere' })).code, 1, 'a name the certificate does not cover');
      assert.equal((await runScript('healthcheck.js', [], { ...env, DSTASH_TLS: 'false' })).code, 1, 'plaintext against a TLS node');
    });
  });

  describe('node-zone.js (the chart\'s zone init container)', function () {
    const TOKEN = 'the-service-account-token';
    let api: Server;
    let saDir: string;
    /** A service account directory as Kubernetes mounts it: token and the cluster's CA. */
    const serviceAccountDir = (name: string, token: string): string => {
      const path = join(dir.path, name);
      mkdirSync(path);
      writeFileSync(join(path, 'token'), `${token}\n`);
      copyFileSync(pki.caCert, join(path, 'ca.crt'));
      return path;
    };
    let out: string;
    const nodes: Record<string, Record<string, string>> = {
      'node-a': { 'topology.kubernetes.io/zone': 'eu-west-1a', 'kubernetes.io/hostname': 'node-a' },
      'node-b': { 'kubernetes.io/hostname': 'node-b' },
    };

    before(async () => {
      // A stand-in for the API server's GET /api/v1/nodes/{name}, with bearer-token authentication.
      api = createServer({ cert: readFileSync(pki.serverCert), key: readFileSync(pki.serverKey) }, (req, res) => {
        const name = /^\/api\/v1\/nodes\/([^/]+)$/.exec(req.url ?? '')?.[1];
        res.setHeader('content-type', 'application/json');
        if (req.headers.authorization !== `Bearer ${TOKEN}`) res.writeHead(403).end('{"kind":"Status","reason":"Forbidden"}');
        else if (!name || !nodes[name]) res.writeHead(404).end('{"kind":"Status","reason":"NotFound"}');
        else res.end(JSON.stringify({ kind: 'Node', metadata: { name, labels: nodes[name] } }));
      });
      api.listen(0, '127.0.0.1');
      await once(api, 'listening');
      saDir = serviceAccountDir('serviceaccount', TOKEN);
      out = join(dir.path, 'zone');
    });
    after(() => { api.close(); });

    function zoneOf(node: string, extra: Record<string, string> = {}): Promise<{ code: number; stderr: string }> {
      writeFileSync(out, 'stale');
      return runScript('node-zone.js', ['--label', 'topology.kubernetes.io/zone', '--out', out], {
        NODE_NAME: node, KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String((api.address() as AddressInfo).port),
        SERVICEACCOUNT_DIR: saDir, ...extra,
      });
    }

    it('writes the zone label of the pod\'s node', async () => {
      assert.equal((await zoneOf('node-a')).code, 0);
      assert.equal(readFileSync(out, 'utf8'), 'eu-west-1a');
    });

    it('writes an empty file, and warns, for a node without the label', async () => {
      const res = await zoneOf('node-b');
      assert.equal(res.code, 0);
      assert.equal(readFileSync(out, 'utf8'), '');
      assert.match(res.stderr, /"level":"warn".*no zone label/);
    });

    it('exits 1 when the API refuses (no RBAC) or the node is unknown', async () => {
      const forbidden = await zoneOf('node-a', { SERVICEACCOUNT_DIR: serviceAccountDir('other-account', 'a-token-without-rights') });
      assert.equal(forbidden.code, 1);
      assert.match(forbidden.stderr, /HTTP 403/);
      const unknown = await zoneOf('node-z');
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /HTTP 404/);
    });
  });
});
