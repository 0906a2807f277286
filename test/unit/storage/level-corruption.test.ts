/**
 * Damaged LevelDB files under a LevelStore, on a real LevelDB in a temp dir:
 * 64 bytes overwritten in the middle of a table file or of the write-ahead
 * log, as a failing disk or a stray write would leave them.
 */
import assert from 'node:assert/strict';
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { isCorruption, namedFile } from '../../../src/storage/level-corruption.js';
import { LevelStore } from '../../../src/storage/level-store.js';
import type { CorruptionReport } from '../../../src/storage/level-corruption.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait.js';
import { collect, put } from './store-compliance.js';

const RECORDS = 5000;

describe('LevelStore on damaged files', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  let store: LevelStore | undefined;
  let reports: CorruptionReport[];

  beforeEach(async () => {
    dir = await tempDir('dstash-level-corruption-');
    reports = [];
  });
  afterEach(async () => {
    await store?.close();
    store = undefined;
    await dir.cleanup();
  });

  const open1 = (): LevelStore => new LevelStore({ dataDir: dir.path, sweepIntervalMs: 0, recordCacheBytes: 0, onCorruption: (r) => reports.push(r) });

  /** Writes RECORDS records (compressible values, as most are) and closes the store. */
  async function fill(): Promise<void> {
    const s = open1();
    await s.open();
    for (let i = 0; i < RECORDS; i += 500) {
      await s.apply(Array.from({ length: 500 }, (_, j) => put(`key-${String(i + j).padStart(6, '0')}`, `value-${i + j}-${'x'.repeat(80)}`, 1_000 + i + j)));
    }
    await s.close();
  }

  async function damageLargest(ext: string): Promise<string> {
    const db = join(dir.path, 'db');
    const files = await Promise.all((await readdir(db)).filter((f) => f.endsWith(ext)).map(async (f) => ({ f, size: (await stat(join(db, f))).size })));
    const { f, size } = files.sort((a, b) => b.size - a.size)[0]!;
    const handle = await open(join(db, f), 'r+');
    await handle.write(Buffer.alloc(64, 0x5a), 0, 64, Math.floor(size / 2) - 32);
    await handle.close();
    return f;
  }

  it('tells corruption errors apart, and finds the file a message names', () => {
    assert.ok(isCorruption(Object.assign(new Error('x'), { code: 'LEVEL_CORRUPTION' })));
    assert.ok(isCorruption(new Error('wrapped', { cause: new Error('Corruption: bad block type') })));
    assert.ok(!isCorruption(new Error('IO error: No space left on device')));
    assert.equal(namedFile('(ignoring error) /data/db/000003.log: dropping 19279 bytes; Corruption: checksum mismatch'), '000003.log');
    assert.equal(namedFile('Corruption: bad block type'), undefined);
  });

  it('a damaged table file: reported once, put aside whole, and the repaired copy reads every intact record', async () => {
    await fill();
    const db = new ClassicLevel<Buffer, Buffer>(join(dir.path, 'db'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    await db.open();
    await db.compactRange(Buffer.from([0]), Buffer.alloc(32, 0xff));
    await db.close();
    const file = await damageLargest('.ldb');
    store = open1();
    await store.open();
    // The scan that fills the key filter reads every block.
    await waitFor(() => reports.length > 0, 'the key filter scan to meet the damage');
    await assert.rejects(collect(store.partition(0)));
    assert.equal(reports.length, 1, `reported once: ${JSON.stringify(reports)}`);
    assert.match(reports[0]!.message, /^Corruption:/);
    const at = await store.quarantine();
    assert.ok((await readdir(at)).includes(file), `${file} kept in ${at}`);
    const left = await collect(store.partition(0));
    assert.ok(left.length > 0 && left.length < RECORDS, `the repaired copy holds the ${left.length} intact records`);
    for (const r of left) assert.equal(r.value.toString(), `value-${Number(r.key.toString().slice(4))}-${'x'.repeat(80)}`);
  });

  it('a damaged write-ahead log: the open that dropped records reports it, with the log as it was kept aside', async () => {
    await fill();
    const file = await damageLargest('.log');
    store = open1();
    await store.open();
    assert.equal(reports.length, 1, 'reported by the open');
    const report = reports[0]!;
    assert.equal(report.operation, 'open');
    assert.match(report.message, /dropping \d+ bytes; Corruption/);
    assert.equal(report.file, file);
    const keptFiles = await readdir(report.quarantinedAt!);
    assert.ok(keptFiles.includes(file), `${file} kept in ${report.quarantinedAt}: ${keptFiles.join(", ")}; db: ${(await readdir(join(dir.path, "db"))).join(", ")}`);
    assert.ok((await collect(store.partition(0))).length < RECORDS, 'LevelDB dropped records');
  });

  it('an intact store: no report, and nothing left beside the db dir', async () => {
    await fill();
    store = open1();
    await store.open();
    assert.equal((await collect(store.partition(0))).length, RECORDS);
    assert.deepEqual(reports, []);
    assert.deepEqual((await readdir(dir.path)).filter((f) => f !== 'db'), []);
  });
});
