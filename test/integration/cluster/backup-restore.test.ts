import assert from 'node:assert/strict';
import { readdir, readFile, rm, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import type { Client } from '../../../src/index.js';
import { decodeRecords, verifyBackup, type BackupManifest } from '../../../src/client/backup/backup-format.js';
import { compareVersions } from '../../../src/version.js';
import { runCli } from '../../helpers/cli.js';
import { ProcessCluster } from '../../helpers/process-cluster.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait.js';
import { info } from '../../helpers/cluster-checks.js';

const KEYS = 50_000;
const DELETED = 1000;
const TTL_KEYS = 1000;
const key = (i: number): string => `key-${String(i).padStart(6, '0')}`;

interface Saved {
  value: Buffer;
  version: Buffer;
  expiresAt: number;
  tombstone: boolean;
}

/** Every record of the backup, by key (index "default"). */
async function readBackup(dir: string, manifest: BackupManifest): Promise<Map<string, Saved>> {
  const records = new Map<string, Saved>();
  for (const e of manifest.entries) {
    if (!e.file) continue;
    for (const r of decodeRecords(await readFile(join(dir, e.file)), e.partition, e.file)) {
      assert.equal(r.index, 'default');
      assert.ok(!records.has(r.key.toString()), `${r.key.toString()} is in the backup once`);
      records.set(r.key.toString(), { value: r.value, version: r.version, expiresAt: r.expiresAt, tombstone: r.tombstone });
    }
  }
  return records;
}

/** Writes `entries`, again for those that failed (a busy machine answers some late), until every one is acknowledged. */
async function retried<E>(entries: E[], write: (e: E[]) => Promise<{ ok: boolean }[]>): Promise<void> {
  let left = entries;
  for (let attempt = 0; left.length > 0 && attempt < 5; attempt++) {
    const results = await write(left);
    left = left.filter((_, j) => !results[j]!.ok);
  }
  assert.equal(left.length, 0, 'every write acknowledged');
}

function lastJson(stdout: string): Record<string, number> {
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, number>;
}

describe('cluster backup and restore (CLI, real node processes)', function () {
  this.timeout(600_000);
  let source: { cluster: ProcessCluster; client: Client } | undefined;
  let target: { cluster: ProcessCluster; client: Client } | undefined;
  let dir: { path: string; cleanup: () => Promise<void> };

  before(async () => { dir = await tempDir('dstash-backup-'); });
  after(async () => {
    for (const c of [source, target]) {
      await c?.client.close();
      await c?.cluster.stop();
    }
    await dir.cleanup();
  });

  it(`backs up ${KEYS} keys while writes run, restores them into a fresh 4-node cluster, and refuses a truncated backup`, async () => {
    source = await ProcessCluster.withClient(3, ['--anti-entropy-interval', '0']);
    const src = source.client;
    // Written at QUORUM, then every node has delivered its hints: every replica, whichever the backup reads, holds every key.
    for (let i = 0; i < KEYS; i += 5000) {
      const batch = Array.from({ length: 5000 }, (_, j) => i + j).map((n) => ({ key: key(n), value: Buffer.from(`v-${n}`), ttl: n < TTL_KEYS ? 3_600_000 : 0 }));
      await retried(batch, (e) => src.batchPut(e));
    }
    const deleted = Array.from({ length: DELETED }, (_, j) => key(KEYS - 1 - j));
    await retried(deleted, (e) => src.batchDelete(e));
    for (const n of source.cluster.nodes) await waitFor(async () => (await info(n.address)).hintsPending === 0, `${n.id} to deliver its hints`, 60_000);

    // Writes run during the backup: new keys and overwrites of backed-up live keys (never of the deleted ones, whose tombstones the
    // backup must hold; a fast writer would otherwise reach them).
    const overwritable = KEYS - DELETED - TTL_KEYS;
    let writing = true;
    let liveWrites = 0;
    const writer = (async () => {
      for (let round = 0; writing && round < 2000; round++) {
        const batch = Array.from({ length: 100 }, (_, j) => ({ key: j % 2 ? `live-${round}-${j}` : key(TTL_KEYS + ((round * 50 + j) % overwritable)), value: Buffer.from(`during-${round}`) }));
        const results = await src.batchPut(batch);
        liveWrites += results.filter((r) => r.ok).length;
      }
    })();
    const out = join(dir.path, 'backup');
    const backup = await runCli(['cluster', 'backup', '--node', source.cluster.nodes[0]!.address, '--out', out, '--json']);
    writing = false;
    await writer;
    assert.equal(backup.code, 0, backup.stderr);
    const lines = backup.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event: string });
    assert.ok(lines.filter((l) => l.event === 'progress').length >= 2, 'progress is reported');
    const summary = lastJson(backup.stdout);
    assert.ok(liveWrites > 0, 'writes ran during the backup');

    const manifest = await verifyBackup(out);
    assert.equal(manifest.partitions, 1024);
    assert.deepEqual(manifest.entries.map((e) => e.partition), Array.from({ length: 1024 }, (_, p) => p), 'every partition once');
    const saved = await readBackup(out, manifest);
    assert.equal(saved.size, manifest.records);
    assert.equal(summary.records, manifest.records);
    for (let n = 0; n < KEYS; n++) assert.ok(saved.has(key(n)), `${key(n)} was acknowledged at ALL before the backup and is in it`);
    for (const k of deleted) assert.equal(saved.get(k)!.tombstone, true, `${k} is saved as a tombstone`);
    assert.equal(manifest.tombstones, DELETED);
    assert.ok(saved.get(key(0))!.expiresAt > Date.now(), 'expiry times are saved');
    console.log(`      backup: ${manifest.records} records, ${manifest.bytes} bytes, ${summary.ms} ms, ${liveWrites} writes during it`);

    // A fresh cluster of another size; a write made there before the restore is newer than the backup and must win.
    target = await ProcessCluster.withClient(4, ['--anti-entropy-interval', '0']);
    const dst = target.client;
    await dst.put(key(TTL_KEYS + 7), Buffer.from('newer'), { consistency: 'ALL' });
    const restore = await runCli(['cluster', 'restore', '--node', target.cluster.nodes[1]!.address, '--from', out, '--json']);
    assert.equal(restore.code, 0, restore.stderr);
    const restored = lastJson(restore.stdout);
    assert.equal(restored.failed, 0);
    assert.equal(restored.written, manifest.records);
    console.log(`      restore: ${restored.written} records, ${restored.ms} ms`);

    const keys = [...saved.keys()];
    for (let i = 0; i < keys.length; i += 5000) {
      const slice = keys.slice(i, i + 5000);
      // A read at ALL that a busy replica answered too late is asked again.
      const read = await dst.batchLookup(slice, { consistency: 'ALL' });
      for (let attempt = 0; attempt < 5 && read.some((r) => 'error' in r && r.error); attempt++) {
        const again = read.flatMap((r, j) => ('error' in r && r.error ? [j] : []));
        const answers = await dst.batchLookup(again.map((j) => slice[j]!), { consistency: 'ALL' });
        again.forEach((j, n) => { read[j] = answers[n]!; });
      }
      read.forEach((r, j) => {
        const k = slice[j]!;
        const s = saved.get(k)!;
        assert.ok(!('error' in r && r.error), `${k}: ${String(r.found ? '' : r.error)}`);
        if (k === key(TTL_KEYS + 7)) {
          assert.ok(r.found && r.value.toString() === 'newer', 'the write newer than the backup wins');
          return;
        }
        if (s.tombstone) {
          assert.equal(r.found, false, `${k} stays deleted`);
          return;
        }
        assert.ok(r.found, `${k} reads back at ALL`);
        assert.equal(r.value.toString(), s.value.toString(), k);
        assert.equal(compareVersions(r.version, s.version), 0, `${k} keeps its version`);
        assert.equal(r.expiresAt, s.expiresAt, `${k} keeps its expiry`);
      });
    }

    // A truncated partition file: refused before anything is written, with a clear error and a non-zero exit.
    const file = (await readdir(out)).find((f) => f.startsWith('p-'))!;
    await truncate(join(out, file), 10);
    const refused = await runCli(['cluster', 'restore', '--node', target.cluster.nodes[0]!.address, '--from', out]);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /DSTASH_CORRUPT/);
    assert.match(refused.stderr, new RegExp(file));
    // A backup without its manifest (one that did not finish) is refused too.
    await rm(join(out, 'manifest.json'));
    const unfinished = await runCli(['cluster', 'restore', '--node', target.cluster.nodes[0]!.address, '--from', out]);
    assert.notEqual(unfinished.code, 0);
    assert.match(unfinished.stderr, /DSTASH_CORRUPT/);
  });
});
