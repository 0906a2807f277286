/**
 * A full disk (DESIGN.md: a sick store is visible): a node whose store fails
 * writes fails readiness with the reason, reports NOT_SERVING so that
 * coordinators route around it, logs one warn line and exports the state as
 * metrics; once space is freed it recovers by itself. The node is a child
 * process whose data dir is a small tmpfs (mounting one needs root, as in CI).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, DstashError } from '../../../src/index.js';
import { startCli, type CliProcess } from '../../helpers/cli.js';
import { missingOnHomeReplicas } from '../../helpers/cluster-checks.js';
import { healthStatus, nodeClients } from '../../helpers/grpc-clients.js';
import { freePort } from '../../helpers/ports.js';
import { requireMachine } from '../../helpers/system-tool.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait.js';
import { call, sample, scrape } from '../http/http-helpers.js';

/** Fills the file system of `path` with one file until it says ENOSPC. */
async function fill(path: string): Promise<void> {
  const file = await open(path, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) await file.write(chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err;
  } finally {
    await file.close().catch(() => undefined);
  }
}

describe('faults: a full disk', function () {
  this.timeout(60_000);
  let mount: string | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  let node: CliProcess | undefined;
  let client: Client | undefined;

  afterEach(async () => {
    await client?.close();
    node?.child.kill('SIGKILL');
    await node?.exited();
    if (mount) execFileSync('umount', [mount]);
    await cleanup?.();
    mount = undefined;
    node = undefined;
    client = undefined;
  });

  it('makes readiness 503, health NOT_SERVING, one warn line and a metric; the node recovers once space is freed', async function () {
    requireMachine(this, process.getuid?.() === 0, 'mounting a tmpfs for a small disk needs root');
    const dir = await tempDir('dstash-disk-');
    cleanup = dir.cleanup;
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', dir.path]);
    mount = dir.path;
    const httpPort = await freePort();
    node = startCli([
      'node', 'start', '--port', '0', '--http-port', String(httpPort), '--data-dir', join(dir.path, 'data'), '--node-id', 'disk-1',
      '--health-interval', '100', '--store-probe-interval', '100', '--log-level', 'warn',
    ]);
    const { address } = await node.event<{ address: string }>('serving');
    client = new Client({ peers: [address], healthIntervalMs: 100, timeoutMs: 3000 });
    // Every write the node acknowledges, whatever the disk: each one is read back at the end.
    const acked = new Map<string, string>();
    const putBatch = async (prefix: string): Promise<number> => {
      const entries = Array.from({ length: 200 }, (_, i) => ({ key: `${prefix}-${i}`, value: `${prefix} value ${i}` }));
      const written = await client!.batchPut(entries.map((e) => ({ key: e.key, value: Buffer.from(e.value) })));
      written.forEach((w, i) => {
        if (w.ok) acked.set(entries[i]!.key, entries[i]!.value);
      });
      return written.filter((w) => w.ok).length;
    };
    await client.put('before', Buffer.from('fits'));
    acked.set('before', 'fits');
    assert.equal(await putBatch('before-batch'), 200);
    assert.equal((await call(httpPort, 'GET', '/readyz')).status, 200);

    await fill(join(dir.path, 'filler'));
    const failed = await client.put('during', Buffer.alloc(256 * 1024, 7)).then(() => undefined, (err: unknown) => err);
    assert.ok(failed instanceof DstashError, 'a write to a full disk fails');
    // Writes on a full disk may fail; any the node acknowledges anyway must survive like the others.
    const ackedWhileFull = await putBatch('while-full');

    const ready = await waitFor(async () => {
      const r = await call(httpPort, 'GET', '/readyz');
      return r.status === 503 ? r : undefined;
    }, 'readiness to fail');
    assert.match(JSON.stringify(ready.json), /store fails writes.*(space|ENOSPC|IO error)/i);
    const grpc = nodeClients(address);
    try {
      assert.equal(await healthStatus(grpc.health), 'NOT_SERVING');
    } finally {
      grpc.close();
    }
    await waitFor(() => client!.members().some((m) => m.id === 'disk-1' && !m.healthy), 'the client to route around the node');
    const metrics = await scrape(httpPort);
    assert.equal(sample(metrics, 'dstash_store_writable'), 0);
    assert.ok(sample(metrics, 'dstash_store_write_failures_total')! >= 1);
    const warnings = node.stderr().split('\n').filter((line) => line.includes('the store fails writes'));
    assert.equal(warnings.length, 1, `one warn line, not one per failed write: ${warnings.length}`);
    assert.match(warnings[0]!, /"level":40/);

    await rm(join(dir.path, 'filler'));
    await waitFor(async () => (await call(httpPort, 'GET', '/readyz')).status === 200, 'readiness to come back', 20_000);
    await waitFor(() => client!.members().some((m) => m.id === 'disk-1' && m.healthy), 'the client to route to the node again');
    await client.put('after', Buffer.from('fits again'));
    acked.set('after', 'fits again');
    assert.equal(await putBatch('after-batch'), 200);
    assert.equal(sample(await scrape(httpPort), 'dstash_store_writable'), 1);

    const keys = [...acked.keys()];
    const reads = await client.batchLookup(keys);
    const wrong = keys.filter((k, i) => {
      const r = reads[i]!;
      return !r.found || r.value.toString() !== acked.get(k);
    });
    assert.deepEqual(wrong.slice(0, 10), [], `${wrong.length} of ${keys.length} acknowledged writes (${ackedWhileFull} while full) not read back`);
    const missing = await missingOnHomeReplicas(acked, new Map([['disk-1', address]]));
    assert.deepEqual(missing.slice(0, 10), [], `${missing.length} of ${keys.length} acknowledged writes missing from the store`);
  });
});
