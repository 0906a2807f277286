/**
 * The record cache never changes what a store answers: the same random
 * operations, through every store path that changes records (apply of new,
 * older and repeated versions, tombstones, TTLs, the sweep, the hand-off's
 * deleteIfVersion, a close and reopen), with reads running concurrently with
 * writes, on a store with a small cache (evicting all the time), one with a
 * large cache, and one without: every read gives the same answer on all three.
 */
import assert from 'node:assert/strict';
import { LevelStore } from '../../../src/storage/level-store.js';
import type { KeyedRecord, RecordKey, StoredRecord } from '../../../src/storage/store.js';
import { DEFAULT_STORE_OPTIONS } from '../../../src/storage/store-options.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { put, storeCompliance, tombstone, version } from './store-compliance.js';

const GRACE = DEFAULT_STORE_OPTIONS.tombstoneGraceMs;

storeCompliance('LevelStore without the record cache', async (options = {}) => {
  const dir = await tempDir('dstash-level-store-');
  return { store: new LevelStore({ dataDir: dir.path, sweepIntervalMs: 0, recordCacheBytes: 0, ...options }), cleanup: dir.cleanup };
});

storeCompliance('LevelStore with a 64 KiB record cache', async (options = {}) => {
  const dir = await tempDir('dstash-level-store-');
  return { store: new LevelStore({ dataDir: dir.path, sweepIntervalMs: 0, recordCacheBytes: 64 * 1024, ...options }), cleanup: dir.cleanup };
});

describe('record cache coherence (model check against a store without one)', function () {
  this.timeout(120_000);
  const dirs: { path: string; cleanup(): Promise<void> }[] = [];
  const stores: LevelStore[] = [];

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
    await Promise.all(dirs.splice(0).map((d) => d.cleanup()));
  });

  const open = async (recordCacheBytes: number): Promise<LevelStore> => {
    const dir = await tempDir('dstash-cache-model-');
    dirs.push(dir);
    const store = new LevelStore({ dataDir: dir.path, sweepIntervalMs: 0, recordCacheBytes });
    stores.push(store);
    await store.open();
    return store;
  };
  const shown = (r: StoredRecord | undefined): string =>
    r === undefined ? '-' : `${r.tombstone ? 'T' : 'V'}:${r.value.toString()}:${r.version.toString('hex')}:${r.expiresAt}`;

  it('gives the same reads with a small cache, a large one and none, under random operations through every path', async () => {
    const small = await open(64 * 1024);
    const large = await open(8 * 1024 * 1024);
    const none = await open(0);
    const all = [small, large, none];
    let seed = 11;
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const keyOf = (n: number): RecordKey => ({ partition: n % 4, index: n % 3 === 0 ? 'other' : 'default', key: Buffer.from(`key-${n}`) });
    const KEYS = 600;
    let clock = 1_000;
    let compared = 0;

    const readAll = async (keys: RecordKey[]): Promise<string[][]> => Promise.all(all.map(async (s) => (await s.getMany(keys)).map(shown)));
    const check = (answers: string[][], what: string): void => {
      assert.deepEqual(answers[0], answers[2], `small cache vs none: ${what}`);
      assert.deepEqual(answers[1], answers[2], `large cache vs none: ${what}`);
      compared += answers[2]!.length;
    };

    for (let step = 0; step < 400; step++) {
      clock += 1 + random(50);
      const op = random(10);
      const keys = Array.from({ length: 1 + random(40) }, () => keyOf(random(KEYS)));
      // Reads started before the write and answered after it: the cache must not keep what they read.
      const early = readAll(keys);
      if (op < 6) {
        const records: KeyedRecord[] = keys.map((k, i) => {
          const at = clock - random(3) * 40 + i; // some older than what is stored: they must lose
          const fields = { partition: k.partition, index: k.index, version: version(at) };
          const key = k.key.toString();
          if (random(8) === 0) return tombstone(key, at, fields);
          const expiresAt = random(6) === 0 ? clock + random(400) : 0;
          return put(key, `v${step}-${i}-${'x'.repeat(random(300))}`, at, { ...fields, expiresAt });
        });
        // A key given twice in one call, as a repeated write in a batch is.
        if (records.length > 1 && random(3) === 0) records.push({ ...records[0]!, version: version(clock + 100), value: Buffer.from(`repeat-${step}`) });
        const results = await Promise.all(all.map((s) => s.apply(records)));
        assert.deepEqual(results[0], results[2]);
        assert.deepEqual(results[1], results[2]);
      } else if (op < 7) {
        const now = clock + (random(2) === 0 ? GRACE : 0);
        const results = await Promise.all(all.map((s) => s.sweep(now)));
        assert.deepEqual(results[0], results[2]);
        assert.deepEqual(results[1], results[2]);
      } else if (op < 8) {
        // The hand-off's delete of copies handed over: only where the stored version still matches.
        const current = await none.getMany(keys);
        const handed = keys.map((k, i) => ({ ...k, version: current[i]?.version ?? version(clock) }));
        const results = await Promise.all(all.map((s) => s.deleteIfVersion(handed)));
        assert.deepEqual(results[0], results[2]);
        assert.deepEqual(results[1], results[2]);
      } else if (op < 9 && step % 50 === 0) {
        await Promise.all(all.map(async (s) => {
          await s.close();
          await s.open();
        }));
      }
      check(await early, `reads concurrent with step ${step} (op ${op})`);
      check(await readAll(keys), `reads after step ${step} (op ${op})`);
    }
    const everything = Array.from({ length: KEYS }, (_, n) => keyOf(n));
    check(await readAll(everything), 'every key at the end');
    assert.ok(compared > 10_000, `${compared} answers compared`);
    const stats = small.recordCacheStats()!;
    assert.ok(stats.hits > 1000 && stats.misses > 100, `the small cache both answered and missed (${stats.hits} hits, ${stats.misses} misses)`);
    assert.ok(stats.bytes <= stats.maxBytes);
    assert.ok(large.recordCacheStats()!.hits > small.recordCacheStats()!.hits);
    assert.equal(none.recordCacheStats(), undefined);
  });
});
