/** HTTP calls, Prometheus text and an in-process cluster for the HTTP API tests. */
import { appendFile, writeFile } from 'node:fs/promises';
import { request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { DstashNode, type NodeOptions } from '../../../src/node/index.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait.js';

/** An HTTP answer, read whole. */
export interface Answer {
  status: number;
  headers: Headers;
  body: Buffer;
  /** The body parsed as JSON (undefined when it is not JSON). */
  json: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- test assertions read any shape
}

/** Sends one request to the node's HTTP port. */
export async function call(port: number, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`, { method, body, headers });
  const bytes = Buffer.from(await res.arrayBuffer());
  let json: unknown;
  if (res.headers.get('content-type')?.startsWith('application/json')) json = JSON.parse(bytes.toString('utf8'));
  return { status: res.status, headers: res.headers, body: bytes, json };
}

/**
 * Sends one request with the path exactly as given (fetch() would resolve `.`
 * and `..` segments), and each header given as a list on lines of its own
 * (fetch() would join them into one).
 */
export async function rawCall(port: number, method: string, path: string, body?: string, sent: Record<string, string | string[]> = {}): Promise<Answer> {
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers: sent }, resolve);
    req.on('error', reject);
    req.end(body);
  });
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  const bytes = Buffer.concat(chunks);
  const headers = new Headers(Object.entries(res.headers).map(([k, v]) => [k, String(v)] as [string, string]));
  const json: unknown = headers.get('content-type')?.startsWith('application/json') ? JSON.parse(bytes.toString('utf8')) : undefined;
  return { status: res.statusCode ?? 0, headers, body: bytes, json };
}

/** Sends a JSON body. */
export function callJson(port: number, method: string, path: string, body: unknown): Promise<Answer> {
  return call(port, method, path, JSON.stringify(body), { 'content-type': 'application/json' });
}

/** Scrapes /metrics. */
export async function scrape(port: number): Promise<string> {
  const answer = await call(port, 'GET', '/metrics');
  if (answer.status !== 200) throw new Error(`/metrics answered ${answer.status}`);
  return answer.body.toString('utf8');
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/**
 * The sum of the samples of metric `name` whose labels include `labels`;
 * undefined when there is none (so that a missing metric fails loudly).
 */
export function sample(metrics: string, name: string, labels: Record<string, string> = {}): number | undefined {
  let sum: number | undefined;
  for (const line of metrics.split('\n')) {
    const m = SAMPLE.exec(line);
    if (!m || m[1] !== name) continue;
    const have = new Map([...(m[2] ?? '').matchAll(LABEL)].map((l) => [l[1]!, l[2]!]));
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) sum = (sum ?? 0) + Number(m[3]);
  }
  return sum;
}

/** Nodes of an in-process cluster, and how to stop it. */
export interface LocalCluster {
  nodes: DstashNode[];
  stop(): Promise<void>;
}

/**
 * Starts `count` nodes in this process (node-1 …), each with an HTTP port,
 * sharing a peers file as `dstash dev` does, and waits until every node sees
 * every node healthy.
 */
export async function startLocalCluster(count: number, options: Partial<NodeOptions> = {}): Promise<LocalCluster> {
  const dir = await tempDir('dstash-http-cluster-');
  const peersFile = join(dir.path, 'peers');
  await writeFile(peersFile, '');
  const nodes: DstashNode[] = [];
  const cluster: LocalCluster = {
    nodes,
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
      await dir.cleanup();
    },
  };
  try {
    for (let i = 1; i <= count; i++) {
      const node = new DstashNode({
        dataDir: join(dir.path, `node-${i}`),
        nodeId: `node-${i}`,
        port: 0,
        httpPort: 0,
        peersFile,
        healthIntervalMs: 100,
        sweepIntervalMs: 0,
        shutdownGraceMs: 2000,
        ...options,
      });
      nodes.push(node);
      await node.start();
      await appendFile(peersFile, `${node.nodeId}@${node.address}\n`);
    }
    await waitFor(() => nodes.every((n) => n.cluster?.members().filter((m) => m.healthy).length === count), `every node to see ${count} healthy members`);
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return cluster;
}
