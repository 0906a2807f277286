/**
 * A backup is one point in time (cluster-backup.ts): writes acknowledged at
 * QUORUM while one replica of every partition missed them (the writer saw it
 * down; hint delivery and anti-entropy off, so it still misses them when the
 * backup runs) are all in a backup taken from every live node, overwrites and
 * deletes by their newest version; the manifest carries the time before which
 * every acknowledged write is included, and `cluster restore --verify`
 * prints it. Real nodes in this process (real LevelDB, gRPC on 127.0.0.1),
 * the CLI as a child process.
 */
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, type Discovery, type Member } from '../../../src/index.js';
import { decodeRecords, verifyBackup } from '../../../src/client/backup/backup-format.js';
import { DstashNode } from '../../../src/node/index.js';
import { runCli } from '../../helpers/cli.js';
import { info, readOn } from '../../helpers/cluster-checks.js';
import { freePort } from '../../helpers/ports.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait.js';

const IDS = ['pit-1', 'pit-2', 'pit-3'];

describe('cluster backup: one point in time', function () {
  this.timeout(120_000);
  let nodes: DstashNode[] = [];
  let clients: Client[] = [];
  let cleanup: (() => Promise<void>) | undefined;

  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await Promise.all(nodes.map((n) => n.stop()));
    await cleanup?.();
    nodes = [];
    clients = [];
    cleanup = undefined;
  });

  it('holds every write acknowledged at QUORUM that one replica of each partition missed, newest version first, and records its time', async () => {
    const dir = await tempDir('dstash-pit-');
    cleanup = dir.cleanup;
    const ports = await Promise.all(IDS.map(() => freePort()));
    const peers = IDS.map((id, i) => `${id}@127.0.0.1:${ports[i]}`);
    // No hint delivery and no anti-entropy: a replica that missed a write still misses it when the backup runs.
    for (let i = 0; i < IDS.length; i++) {
      const node = new DstashNode({
        dataDir: join(dir.path, IDS[i]!), nodeId: IDS[i], bind: '127.0.0.1', port: ports[i]!, peers, healthIntervalMs: 100,
        hintIntervalMs: 0, antiEntropyIntervalMs: 0, sweepIntervalMs: 0, shutdownGraceMs: 2000,
      });
      nodes.push(node);
      await node.start();
    }
    await waitFor(async () => (await info(nodes[0]!.address)).members.filter((m) => m.healthy).length === IDS.length, 'every node to see the others');
    const client = new Client({ peers, healthIntervalMs: 100, timeoutMs: 3000 });
    clients.push(client);
    await client.connect();
    await waitFor(() => client.members().filter((m) => m.healthy).length === 3, 'the client to see 3 healthy members');

    // What every replica holds: 300 keys.
    const expected = new Map<string, string | null>();
    const put = async (via: Client, keys: string[], value: (k: string) => string): Promise<void> => {
      const results = await via.batchPut(keys.map((k) => ({ key: k, value: Buffer.from(value(k)) })));
      assert.ok(results.every((r) => r.ok), 'every write acknowledged at QUORUM');
      for (const k of keys) expected.set(k, value(k));
    };
    const before = Array.from({ length: 300 }, (_, i) => `before-${i}`);
    await put(client, before, (k) => `first ${k}`);

    // pit-2 misses the next writes: new keys, overwrites and deletes of old ones, acknowledged by the other two. Their writer
    // sees pit-2 down (a node that really stopped would pull what it missed from the others when it starts again).
    const members: Member[] = IDS.map((id, i) => ({ id, address: `127.0.0.1:${ports[i]}`, healthy: id !== 'pit-2' }));
    const blind: Discovery = { start: async () => undefined, members: () => members, onChange: () => () => undefined, close: async () => undefined };
    const writer = new Client({ discovery: blind, timeoutMs: 3000 });
    clients.push(writer);
    const missed = Array.from({ length: 300 }, (_, i) => `missed-${i}`);
    await put(writer, missed, (k) => `only on two ${k}`);
    const overwritten = before.slice(0, 100);
    await put(writer, overwritten, (k) => `second ${k}`);
    const deleted = before.slice(100, 150);
    const deletes = await writer.batchDelete(deleted);
    assert.ok(deletes.every((r) => r.ok), 'every delete acknowledged at QUORUM');
    for (const k of deleted) expected.set(k, null);

    const onStale = await readOn(nodes[1]!.address, [...missed, ...overwritten]);
    assert.deepEqual(onStale, [...missed.map(() => undefined), ...overwritten.map((k) => `first ${k}`)], 'pit-2 still misses the writes made while it was down');

    const out = join(dir.path, 'backup');
    const beforeBackup = Date.now();
    const backup = await runCli(['cluster', 'backup', '--node', nodes[0]!.address, '--out', out, '--json']);
    const afterBackup = Date.now();
    assert.equal(backup.code, 0, backup.stderr);

    const manifest = await verifyBackup(out);
    assert.ok(manifest.entries.every((e) => e.nodes?.length === 2), 'each partition read from a read quorum (2 of 3)');
    const saved = new Map<string, { value: string; tombstone: boolean }>();
    for (const e of manifest.entries) {
      if (!e.file) continue;
      for (const r of decodeRecords(await readFile(join(out, e.file)), e.partition, e.file)) {
        assert.ok(!saved.has(r.key.toString()), `${r.key.toString()} is in the backup once`);
        saved.set(r.key.toString(), { value: r.value.toString(), tombstone: r.tombstone });
      }
    }
    const wrong = [...expected].filter(([k, v]) => {
      const s = saved.get(k);
      return v === null ? !s?.tombstone : s?.tombstone !== false || s.value !== v;
    });
    assert.deepEqual(wrong.map(([k]) => k).slice(0, 10), [], `${wrong.length} of ${expected.size} acknowledged writes not in the backup as acknowledged`);

    // The point in time: when the reads started, as an HLC time (wall-clock ms in its first 6 bytes).
    const pit = manifest.pointInTime!;
    assert.ok(pit, 'the manifest carries its point in time');
    const ms = Date.parse(pit.at);
    assert.ok(ms >= beforeBackup && ms <= afterBackup, `${pit.at} lies within the backup`);
    assert.equal(Buffer.from(pit.hlc, 'hex').readUIntBE(0, 6), ms);
    const summary = JSON.parse(backup.stdout.trim().split('\n').at(-1)!) as { pointInTime: unknown };
    assert.deepEqual(summary.pointInTime, pit);

    const verified = await runCli(['cluster', 'restore', '--from', out, '--verify']);
    assert.equal(verified.code, 0, verified.stderr);
    assert.match(verified.stdout, new RegExp(`backup verified: ${manifest.records} records .*every write acknowledged at QUORUM before ${pit.at} \\(HLC ${pit.hlc}\\)`));
  });
});
