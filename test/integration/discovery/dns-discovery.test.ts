import assert from 'node:assert/strict';
import { join } from 'node:path';
import { Client } from '../../../src/index.js';
import { runCli, startCli, type CliProcess } from '../../helpers/cli.js';
import { info } from '../../helpers/cluster-checks.js';
import { Dnsmasq, dnsmasqBinary, TEST_ZONE, type DnsRecords } from '../../helpers/dnsmasq.js';
import { freePort } from '../../helpers/ports.js';
import { requireMachine } from '../../helpers/system-tool.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait.js';

const SRV_NAME = `_grpc._tcp.dstash.${TEST_ZONE}`;
const A_NAME = `members.${TEST_ZONE}`;
const GRACE_MS = 1500;
const TIMING = ['--dns-interval', '200', '--dns-grace', String(GRACE_MS), '--health-interval', '200'];

interface RunningNode {
  id: string;
  address: string;
  process: CliProcess;
}

describe('DNS discovery against a real DNS server (dnsmasq)', function () {
  this.timeout(120_000);
  let dns: Dnsmasq | undefined;
  let nodes: RunningNode[] = [];
  let client: Client | undefined;
  let cleanup: (() => Promise<void>) | undefined;
  let root = '';

  beforeEach(async function () {
    requireMachine(this, dnsmasqBinary() !== undefined, 'dnsmasq is not installed (apt-get install -y dnsmasq)');
    const dir = await tempDir('dstash-dns-');
    root = dir.path;
    cleanup = dir.cleanup;
  });

  afterEach(async () => {
    await client?.close();
    client = undefined;
    await Promise.all(nodes.map(async (n) => {
      if (n.process.child.exitCode === null && n.process.child.signalCode === null) n.process.child.kill('SIGTERM');
      await n.process.exited();
    }));
    nodes = [];
    await dns?.stop();
    dns = undefined;
    await cleanup?.();
    cleanup = undefined;
  });

  async function startNode(id: string, bind: string, port: number, discovery: string[]): Promise<RunningNode> {
    const process = startCli(['node', 'start', '--bind', bind, '--port', String(port), '--data-dir', join(root, id), '--node-id', id,
      '--discovery', 'dns', '--dns-server', dns!.address, ...discovery, ...TIMING, '--log-level', 'warn']);
    const serving = await process.event<{ address: string }>('serving');
    const node = { id, address: serving.address, process };
    nodes.push(node);
    return node;
  }

  /** Waits until every node in `askOf` and the client (once there is one) list exactly `ids`. */
  async function everyoneSees(askOf: RunningNode[], ids: string[]): Promise<void> {
    const want = [...ids].sort().join(',');
    await waitFor(async () => {
      for (const n of askOf) {
        if ((await info(n.address)).members.map((m) => m.id).sort().join(',') !== want) return false;
      }
      return !client || client.members().map((m) => m.id).sort().join(',') === want;
    }, `every node and the client to list ${want}`, 20_000);
  }

  it('SRV records: 3 nodes find each other; a 4th record and node join and partitions move to it', async () => {
    const ports = await Promise.all([1, 2, 3, 4].map(() => freePort()));
    const records = (count: number): DnsRecords => ({
      srv: ports.slice(0, count).map((port, i) => ({ name: SRV_NAME, target: `node-${i + 1}.${TEST_ZONE}`, port })),
      hosts: ports.slice(0, count).map((_, i) => ({ name: `node-${i + 1}.${TEST_ZONE}`, ip: '127.0.0.1' })),
    });
    dns = await Dnsmasq.start(records(3));
    const discovery = ['--dns-name', SRV_NAME];
    const first = await Promise.all([1, 2, 3].map((i) => startNode(`node-${i}`, '127.0.0.1', ports[i - 1]!, discovery)));
    await everyoneSees(first, ['node-1', 'node-2', 'node-3']);
    client = new Client({ dns: { name: SRV_NAME, server: dns.address, intervalMs: 200 }, healthIntervalMs: 200, timeoutMs: 5000 });
    await client.connect();
    await everyoneSees(first, ['node-1', 'node-2', 'node-3']);

    const status = await runCli(['cluster', 'status', '--discovery', 'dns', '--dns-name', SRV_NAME, '--dns-server', dns.address, '--json']);
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual((JSON.parse(status.stdout) as { members: { id: string }[] }).members.map((m) => m.id).sort(), ['node-1', 'node-2', 'node-3']);

    const keys = Array.from({ length: 300 }, (_, i) => `k${i}`);
    await Promise.all(keys.map((k) => client!.put(k, Buffer.from(k))));

    const started = Date.now();
    await dns.restart(records(4));
    const fourth = await startNode('node-4', '127.0.0.1', ports[3]!, discovery);
    const serving = Date.now() - started;
    await everyoneSees([...first, fourth], ['node-1', 'node-2', 'node-3', 'node-4']);
    const converged = Date.now() - started;
    await waitFor(async () => {
      const t = (await info(fourth.address)).transfer;
      return t && t.partitionsMoved > 0 && t.partitionsRemaining === 0;
    }, 'node-4 to receive its partitions', 60_000);
    const moved = (await info(fourth.address)).transfer!.partitionsMoved;
    console.log(`      dns: a 4th SRV record and node: node-4 serving after ${serving} ms, every node and the client list 4 members after ${converged} ms; node-4 received ${moved} partitions`);
    assert.ok(moved > 0);
    const values = await Promise.all(keys.map((k) => client!.lookup(k)));
    assert.deepEqual(values.map((v) => v?.toString()), keys);
  });

  it('A records: a member missing from DNS leaves after the grace period; with the DNS server down the last view stays', async () => {
    const port = await freePort();
    const ips = ['127.0.0.2', '127.0.0.3', '127.0.0.4'];
    const records = (list: string[]): DnsRecords => ({ hosts: list.map((ip) => ({ name: A_NAME, ip })) });
    dns = await Dnsmasq.start(records(ips));
    const discovery = ['--dns-name', A_NAME, '--dns-port', String(port)];
    const all = await Promise.all(ips.map((ip, i) => startNode(`node-${i + 1}`, ip, port, discovery)));
    await everyoneSees(all, ['node-1', 'node-2', 'node-3']);
    client = new Client({ dns: { name: A_NAME, port, server: dns.address, intervalMs: 200, graceMs: GRACE_MS }, healthIntervalMs: 200, timeoutMs: 5000 });
    await client.connect();
    await everyoneSees(all, ['node-1', 'node-2', 'node-3']);

    // DNS down: queries fail for longer than the grace period, and nobody leaves.
    await dns.stop();
    await waitFor(() => failureSpanMs(all[0]!.process.stderr()) > 2 * GRACE_MS, 'node-1 to fail DNS queries for twice the grace period', 30_000);
    for (const n of all) assert.equal((await info(n.address)).members.length, 3, `${n.id} keeps the last view`);
    assert.equal(client.members().length, 3, 'the client keeps the last view');

    // A record removed: node-3 (still running) leaves once DNS has answered without it for the grace period.
    const removed = Date.now();
    await dns.restart(records(ips.slice(0, 2)));
    await everyoneSees(all.slice(0, 2), ['node-1', 'node-2']);
    const left = Date.now() - removed;
    console.log(`      dns: a removed record's member left after ${left} ms (grace ${GRACE_MS} ms)`);
    assert.ok(left >= GRACE_MS, `left after ${left} ms, before the grace period`);
  });
});

/** How long (ms) the DNS failures that `stderr` logged span. */
function failureSpanMs(stderr: string): number {
  const times = stderr.split('\n').flatMap((line) => {
    try {
      const entry = JSON.parse(line) as { msg?: string; time?: number };
      return entry.msg?.startsWith('DNS resolution failed') && entry.time ? [entry.time] : [];
    } catch {
      return [];
    }
  });
  return times.length < 2 ? 0 : times[times.length - 1]! - times[0]!;
}
