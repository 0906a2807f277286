/**
 * The Redis port against Redis, in one run: `redis-benchmark -t set,get,incr
 * -n 100000 -c 50 -P 16` (Debian redis-tools) against one node of a local
 * 3-node dstash cluster (`dstash dev`, N=3, QUORUM) and against redis-server
 * (no persistence), one after the other. Prints a table with the ratio and
 * writes it as JSON. `npm run bench:redis`; BENCH_REDIS_N changes -n.
 */
import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Child } from './child.js';
import { findBinary, freePorts, launch } from './peers/launch.js';
import { redisServerArgs } from './peers/redis-server.js';
import { retry } from './retry.js';

const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));
const REQUESTS = Number(process.env.BENCH_REDIS_N ?? 100_000);
const TESTS = ['set', 'get', 'incr'];

/** Requests a second of each test, from redis-benchmark's CSV. */
function runBenchmark(port: number): Promise<Record<string, number>> {
  const args = ['-h', '127.0.0.1', '-p', String(port), '-t', TESTS.join(','), '-n', String(REQUESTS), '-c', '50', '-P', '16', '--csv'];
  return new Promise((resolve, reject) => {
    execFile('redis-benchmark', args, { timeout: 30 * 60_000 }, (err, stdout) => {
      if (err) return reject(err);
      const out: Record<string, number> = {};
      for (const line of stdout.split('\n')) {
        const m = /^"([A-Z]+)","([\d.]+)"/.exec(line);
        if (m) out[m[1]!.toLowerCase()] = Number(m[2]);
      }
      resolve(out);
    });
  });
}

async function main(): Promise<void> {
  for (const tool of ['redis-benchmark', 'redis-server']) {
    if (!(await findBinary(tool))) throw new Error(`${tool} is not installed (Debian redis-tools, redis-server)`);
  }
  const dev = new Child('dstash dev', process.execPath, [BIN, 'dev', '--base-port', '0', '--log-level', 'error']);
  let dstash: Record<string, number>;
  try {
    const serving = JSON.parse(await dev.nextLine()) as { nodes: { redisPort: number }[] };
    dstash = await runBenchmark(serving.nodes[0]!.redisPort);
  } finally {
    await dev.stop(10_000, [dev.pid]);
  }
  const [port] = await freePorts(1);
  const server = await launch('redis', (await findBinary('redis-server'))!, (dir) => redisServerArgs(port!, dir, ['--appendonly', 'no']));
  let redis: Record<string, number>;
  try {
    redis = await retry(() => runBenchmark(port!), 'redis-benchmark against redis-server');
  } finally {
    await server.stop();
  }
  const rows = TESTS.map((t) => ({ test: t.toUpperCase(), dstash: dstash[t] ?? 0, redis: redis[t] ?? 0 }));
  console.log(`redis-benchmark -t ${TESTS.join(',')} -n ${REQUESTS} -c 50 -P 16 (requests/s)`);
  console.log('| command | dstash (3 nodes, N=3, QUORUM) | redis-server (no persistence) | dstash / redis |');
  console.log('| --- | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.test} | ${r.dstash.toFixed(0)} | ${r.redis.toFixed(0)} | ${(r.dstash / r.redis).toFixed(3)} |`);
  await mkdir('bench/results', { recursive: true });
  await writeFile('bench/results/redis-port.json', JSON.stringify({ requests: REQUESTS, clients: 50, pipeline: 16, rows }, null, 2));
}

main().catch((err: unknown) => {
  console.error((err as Error).message);
  process.exitCode = 1;
});
