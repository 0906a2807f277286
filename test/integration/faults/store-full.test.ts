/**
 * A full disk (README, "A full disk: read-only"): a node whose disk fills
 * keeps its store open and serves reads of what it holds, says read-only with
 * the reason (gRPC health, /readyz, Info and `cluster status`, metrics, one
 * warn line), refuses writes at once so that QUORUM writes go on through the
 * other replicas with hints for it, and takes writes again by itself once
 * space is freed, catching up on what it missed. The nodes are child
 * processes; one node's data dir is a small tmpfs (mounting one needs root,
 * as in CI).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, DstashError, ErrorCode, StaticDiscovery } from '../../../src/index.js';
import { WRITES_HEALTH_NAME } from '../../../src/protocol/definitions.js';
import { runCli } from '../../helpers/cli.js';
import { info, missingOnHomeReplicas, readOn, untilOnHomeReplicas } from '../../helpers/cluster-checks.js';
import { healthStatus, nodeClients } from '../../helpers/grpc-clients.js';
import { freePort } from '../../helpers/ports.js';
import { ProcessCluster } from '../../helpers/process-cluster.js';
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

/** The node's gRPC health for the node ('') and for its writes. */
async function healthOf(address: string): Promise<{ node: string; writes: string }> {
  const grpc = nodeClients(address);
  try {
    return { node: await healthStatus(grpc.health), writes: await healthStatus(grpc.health, WRITES_HEALTH_NAME) };
  } finally {
    grpc.close();
  }
}

describe('faults: a full disk', function () {
  this.timeout(120_000);
  let mount: string | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  let cluster: ProcessCluster | undefined;
  let clients: Client[] = [];

  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await cluster?.stop();
    if (mount) execFileSync('umount', [mount]);
    await cleanup?.();
    mount = undefined;
    cleanup = undefined;
    cluster = undefined;
    clients = [];
  });

  it('makes the node read-only: reads served, health and readiness say so with the reason, QUORUM writes go on; it takes writes again and catches up once space is freed', async function () {
    requireMachine(this, process.getuid?.() === 0, 'mounting a tmpfs for a small disk needs root');
    const dir = await tempDir('dstash-disk-');
    cleanup = dir.cleanup;
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=16m', 'tmpfs', dir.path]);
    mount = dir.path;
    const httpPort = await freePort();
    // Anti-entropy off: what the full node missed comes back through hints only.
    let client: Client;
    ({ cluster, client } = await ProcessCluster.withClient(3, ['--anti-entropy-interval', '0'], (id) => id === 'node-1'
      ? { dataDir: join(dir.path, 'data'), args: ['--http-port', String(httpPort), '--store-probe-interval', '100'] }
      : {}));
    clients.push(client);
    const full = cluster.node('node-1');
    // Reads and writes at ONE pointed at the full node alone: a client that knows no other member (static peers, no joining).
    const direct = new Client({ discovery: new StaticDiscovery({ peers: [`node-1@${full.address}`], healthIntervalMs: 100 }), consistency: 'ONE', timeoutMs: 3000 });
    clients.push(direct);
    await waitFor(async () => {
      await direct.connect();
      return direct.members().length === 1 && direct.members()[0]!.healthy;
    }, 'the direct client to see the full node alone');

    // Every write the cluster acknowledges, whatever the disk: each one is checked on every home replica at the end.
    const acked = new Map<string, string>();
    const putBatch = async (prefix: string): Promise<number> => {
      const entries = Array.from({ length: 400 }, (_, i) => ({ key: `${prefix}-${i}`, value: `${prefix} value ${i}` }));
      const written = await client.batchPut(entries.map((e) => ({ key: e.key, value: Buffer.from(e.value) })));
      written.forEach((w, i) => {
        if (w.ok) acked.set(entries[i]!.key, entries[i]!.value);
      });
      return written.filter((w) => w.ok).length;
    };
    assert.equal(await putBatch('before'), 400);
    const intact = [...acked.keys()];
    assert.deepEqual(await readOn(full.address, intact), intact.map((k) => acked.get(k)), 'the node holds every write before its disk fills');
    assert.deepEqual((await call(httpPort, 'GET', '/readyz')).json, { ready: true });

    await fill(join(dir.path, 'filler'));
    // Too large for LevelDB's write buffer: the node's store must write to the full disk, and fails.
    const big = 'x'.repeat(256 * 1024);
    await client.put('during', Buffer.from(big));
    acked.set('during', big);

    const ready = await waitFor(async () => {
      const r = await call(httpPort, 'GET', '/readyz');
      return (r.json as { readOnly?: boolean }).readOnly ? r : undefined;
    }, 'readiness to say read-only');
    assert.equal(ready.status, 200, 'a read-only node is ready: it serves reads');
    assert.match((ready.json as { reason: string }).reason, /read-only.*no space left on device/i);
    assert.deepEqual(await healthOf(full.address), { node: 'SERVING', writes: 'NOT_SERVING' });
    assert.match((await info(full.address)).readOnly, /no space left on device/i);
    // The node sits on its full disk for a while: twenty probes, none of which may close the store.
    await waitFor(async () => (sample(await scrape(httpPort), 'dstash_store_probes_total') ?? 0) >= 20, 'twenty probes while the disk is full');

    const reads = await direct.batchLookup(intact);
    const wrong = intact.filter((k, i) => !reads[i]!.found || reads[i]!.value.toString() !== acked.get(k));
    assert.deepEqual(wrong.slice(0, 10), [], `${wrong.length} of ${intact.length} ONE reads of intact keys pointed at the full node wrong`);
    assert.deepEqual(await readOn(full.address, intact), intact.map((k) => acked.get(k)), 'the full node\'s replica reads every intact key');
    assert.ok(client.members().every((m) => m.healthy), 'the cluster keeps routing to the read-only node');

    assert.equal(await putBatch('while-full'), 400, 'QUORUM writes succeed through the other replicas');
    const refused = await direct.put('refused', Buffer.from('no room')).then(() => undefined, (err: unknown) => err);
    assert.ok(refused instanceof DstashError && refused.code === ErrorCode.WriteQuorum, `a write only the full node could take fails: ${String(refused)}`);
    assert.match(refused.message, /read-only/);

    const status = await runCli(['cluster', 'status', '--node', full.address]);
    assert.equal(status.code, 0, status.stderr);
    assert.match(status.stdout, /^node-1\s.*\sread-only\s/m);
    assert.match(status.stdout, /node-1 is read-only .*no space left on device/i);

    const metrics = await scrape(httpPort);
    assert.equal(sample(metrics, 'dstash_store_writable'), 0);
    assert.equal(sample(metrics, 'dstash_store_read_only'), 1);
    assert.equal(sample(metrics, 'dstash_store_reopens_total'), 0, 'the store is not reopened while the disk is full');
    const warnings = full.process.stderr().split('\n').filter((line) => line.includes('the store is read-only'));
    assert.equal(warnings.length, 1, `one warn line, not one per refused write: ${warnings.length}`);
    assert.match(warnings[0]!, /"level":40/);

    await rm(join(dir.path, 'filler'));
    await waitFor(async () => (await call(httpPort, 'GET', '/readyz')).json.readOnly === undefined, 'the node to take writes again', 20_000);
    assert.deepEqual(await healthOf(full.address), { node: 'SERVING', writes: 'SERVING' });
    assert.equal(sample(await scrape(httpPort), 'dstash_store_writable'), 1);
    // Written to the node alone (the other replicas never hear of it), so checked on the node only.
    await direct.put('after-direct', Buffer.from('fits again'));
    assert.deepEqual(await readOn(full.address, ['after-direct']), ['fits again']);
    assert.equal(await putBatch('after'), 400);

    // Hints bring back what the node missed (anti-entropy is off); not one acknowledged write is lost anywhere.
    await untilOnHomeReplicas(acked, cluster.addresses(), Date.now() + 30_000);
    const missing = await missingOnHomeReplicas(acked, cluster.addresses());
    assert.deepEqual(missing, []);
  });
});
