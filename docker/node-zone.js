#!/usr/bin/env node
// Init container of the Helm chart (zone.fromNodeLabel): writes the zone label
// of the Kubernetes node this pod runs on to a file, which the node container
// reads into DSTASH_ZONE. The downward API cannot read node labels, so this
// asks the API server, with the pod's service account (RBAC: get nodes).
// A node without the label gets an empty file and a warning (no zone); an API
// error exits 1, so that a misconfiguration shows as a failing init container.
//
//   NODE_NAME=<node> node docker/node-zone.js --label topology.kubernetes.io/zone --out /var/run/dstash/zone
//
// The API server and credentials are the in-cluster ones: KUBERNETES_SERVICE_HOST
// and _PORT, and the token and CA under SERVICEACCOUNT_DIR (default
// /var/run/secrets/kubernetes.io/serviceaccount).
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const TIMEOUT_MS = 10_000;
const { values: args } = parseArgs({ options: { label: { type: 'string', default: 'topology.kubernetes.io/zone' }, out: { type: 'string' } } });
const env = process.env;

/** Logs one JSON line on stderr, like the node does. */
function log(level, msg, fields = {}) {
  console.error(JSON.stringify({ level, time: Date.now(), name: 'node-zone', msg, ...fields }));
}

/** GETs a path of the API server and resolves with the parsed JSON body. */
function apiGet(path) {
  const dir = env.SERVICEACCOUNT_DIR || '/var/run/secrets/kubernetes.io/serviceaccount';
  const host = env.KUBERNETES_SERVICE_HOST;
  if (!host) throw new Error('KUBERNETES_SERVICE_HOST is not set: not running in a Kubernetes pod');
  const options = {
    host, port: env.KUBERNETES_SERVICE_PORT || 443, path, method: 'GET', timeout: TIMEOUT_MS,
    ca: readFileSync(join(dir, 'ca.crt')),
    headers: { Authorization: `Bearer ${readFileSync(join(dir, 'token'), 'utf8').trim()}`, Accept: 'application/json' },
  };
  return new Promise((resolve, reject) => {
    const req = request(options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk) => { body += chunk; });
      res.on('end', () => {
        if (res.statusCode !== 200) reject(new Error(`GET ${path}: HTTP ${res.statusCode}: ${body.slice(0, 300)}`));
        else {
          try {
            resolve(JSON.parse(body));
          } catch (err) {
            reject(new Error(`GET ${path}: ${err.message}`));
          }
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path}: no answer in ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end();
  });
}

try {
  if (!args.out) throw new Error('--out FILE is required');
  if (!env.NODE_NAME) throw new Error('NODE_NAME is not set (give it spec.nodeName through the downward API)');
  const node = await apiGet(`/api/v1/nodes/${encodeURIComponent(env.NODE_NAME)}`);
  const zone = node.metadata?.labels?.[args.label] ?? '';
  if (zone) log('info', 'zone from the node label', { node: env.NODE_NAME, label: args.label, zone });
  else log('warn', 'the node has no zone label: the dstash node starts without a zone', { node: env.NODE_NAME, label: args.label });
  writeFileSync(args.out, zone);
} catch (err) {
  log('error', `cannot read the zone of the node: ${err.message}`, { node: env.NODE_NAME, label: args.label });
  process.exit(1);
}
