#!/usr/bin/env node
// Health check of the node in this container, for the image's HEALTHCHECK and
// for the chart's probes when TLS is on (Kubernetes' own gRPC probe cannot
// speak TLS). Asks the standard grpc.health.v1 service ('' = the node) and
// exits 0 on SERVING, 1 otherwise. It reads the node's own settings from the
// environment (DSTASH_PORT, DSTASH_TLS, DSTASH_CERT_FILE, DSTASH_KEY_FILE,
// DSTASH_CA_FILE) and, with TLS, checks the certificate against
// DSTASH_ADVERTISE_HOST, the name it is issued for. With --alive (the chart's
// liveness probe when the HTTP port is off) any answer passes, NOT_SERVING
// included: a draining node is alive, only not serving.
//
//   node docker/healthcheck.js [--alive] [host:port]     (default 127.0.0.1:$DSTASH_PORT, else 7420)
import { readFileSync } from 'node:fs';
import { URL, fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';

const TIMEOUT_MS = 3000;
const env = process.env;
const args = process.argv.slice(2);
const alive = args.includes('--alive');
const target = args.find((a) => a !== '--alive') ?? `127.0.0.1:${env.DSTASH_PORT || '7420'}`;
const tls = /^(1|true|yes|y)$/i.test(env.DSTASH_TLS ?? '');

const definition = protoLoader.loadSync(fileURLToPath(new URL('../proto/grpc/health/v1/health.proto', import.meta.url)), { enums: String });
const { Health } = grpc.loadPackageDefinition(definition).grpc.health.v1;

const read = (file) => (file ? readFileSync(file) : null);
const credentials = tls
  ? grpc.credentials.createSsl(read(env.DSTASH_CA_FILE), read(env.DSTASH_KEY_FILE), read(env.DSTASH_CERT_FILE))
  : grpc.credentials.createInsecure();
const options = tls && env.DSTASH_ADVERTISE_HOST ? { 'grpc.ssl_target_name_override': env.DSTASH_ADVERTISE_HOST } : {};
const client = new Health(target, credentials, options);

client.Check({ service: '' }, { deadline: Date.now() + TIMEOUT_MS }, (err, res) => {
  client.close();
  if (err) {
    console.error(`${target}: ${err.details || err.message}`);
    process.exit(1);
  }
  if (res.status !== 'SERVING') console.error(`${target}: ${res.status}`);
  process.exit(res.status === 'SERVING' || alive ? 0 : 1);
});
