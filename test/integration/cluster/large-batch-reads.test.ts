import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import type { Client, Consistency } from '../../../src/index.js';
import { ProcessCluster } from '../../helpers/process-cluster.js';
import { call } from '../http/http-helpers.js';
import { freePort, hasTool, redisPortArgs } from '../redis/redis-tools.js';

const MiB = 1024 * 1024;
const WRITE_CHUNK = 8;

/**
 * A value of 4 MiB that names its key, printable so that redis-cli prints it
 * on one line. 24 of them (96 MiB) are past the 64 MiB message limit already.
 */
function bigValue(key: string, i: number): Buffer {
  const value = Buffer.alloc(4 * MiB, 97 + (i % 26));
  value.write(`${key}:`);
  return value;
}

/** `redis-cli --raw`: one line per value, with room for the values (the shared helper keeps 1 MiB of output). */
function redisRaw(port: number, args: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile('redis-cli', ['-p', String(port), '--raw', ...args], { timeout: 120_000, maxBuffer: 512 * MiB }, (err, stdout, stderr) => {
      if (err) reject(new Error(`redis-cli ${args[0]} failed: ${err.message} ${stderr}`));
      else resolve(stdout.replace(/\n$/, '').split('\n'));
    });
  });
}

describe('batch reads of large values: answers go in parts under the message limit, 3-node cluster', function () {
  this.timeout(600_000);
  let cluster: ProcessCluster | undefined;
  let client: Client | undefined;
  let httpPort = 0;
  const written = new Map<number, { keys: string[]; values: Buffer[] }>();

  before(async () => {
    const redisArgs = await redisPortArgs(3);
    httpPort = await freePort();
    cluster = await ProcessCluster.start(3, [], (id) => ({ args: [...redisArgs(id), ...(id === 'node-1' ? ['--http-port', String(httpPort)] : [])] }));
    // Moving hundreds of MiB between processes on a shared machine takes seconds.
    const writer = cluster.client({ timeoutMs: 120_000 });
    client = writer;
    await ProcessCluster.until(writer, 3, 3);
    for (const count of [24, 40]) {
      const keys = Array.from({ length: count }, (_, i) => `big-${count}-${i}`);
      const values = keys.map((key, i) => bigValue(key, i));
      // Written a few at a time, on every replica: the reads below are under test, not the writes.
      for (let from = 0; from < count; from += WRITE_CHUNK) {
        const results = await writer.batchPut(keys.slice(from, from + WRITE_CHUNK).map((key, i) => ({ key, value: values[from + i]! })), { consistency: 'ALL' });
        assert.deepEqual(results.filter((r) => !r.ok), [], `batchPut of ${keys[from]}…`);
      }
      written.set(count, { keys, values });
    }
  });

  after(async () => {
    await client?.close();
    await cluster?.stop();
  });

  for (const count of [24, 40]) {
    for (const consistency of ['QUORUM', 'ALL'] as Consistency[]) {
      it(`batchLookup of ${count} values of 4 MiB at ${consistency} answers every value`, async () => {
        const { keys, values } = written.get(count)!;
        const results = await client!.batchLookup(keys, { consistency });
        assert.equal(results.length, count);
        results.forEach((r, i) => {
          assert.ok(r.found, `${keys[i]}: ${r.found ? '' : r.error?.code ?? 'missing'}`);
          assert.ok(r.value.equals(values[i]!), `${keys[i]} has its own bytes`);
        });
      });
    }
  }

  it('a REST batch read of 40 values of 4 MiB answers every value', async () => {
    const { keys, values } = written.get(40)!;
    const answer = await call(httpPort, 'POST', '/v1/kv/default?consistency=quorum', JSON.stringify({ get: keys }), { 'content-type': 'application/json' });
    assert.equal(answer.status, 200, answer.body.subarray(0, 300).toString());
    const got = answer.json.get as { key: string; found: boolean; value: string }[];
    assert.deepEqual(got.map((g) => g.key), keys);
    got.forEach((g, i) => {
      assert.ok(g.found, g.key);
      assert.equal(g.value, values[i]!.toString('utf8'), `${g.key} has its own bytes`);
    });
  });

  it('Redis MGET of 40 values of 4 MiB answers every value', async function () {
    if (!hasTool('redis-cli')) {
      console.log('      skipped: redis-cli is not installed (Debian redis-tools)');
      this.skip();
    }
    const { keys, values } = written.get(40)!;
    const lines = await redisRaw(cluster!.nodes[1]!.redisPort!, ['MGET', ...keys]);
    assert.equal(lines.length, keys.length, lines.map((l) => l.slice(0, 200)).join('\n'));
    lines.forEach((line, i) => assert.equal(line, values[i]!.toString('utf8'), `${keys[i]} has its own bytes`));
  });
});
