/** LevelStore: the compliance suite on a real LevelDB in a temp dir, and what only LevelDB has. */
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { DstashError, ErrorCode } from '../../../src/errors.js';
import { encodeDataKey } from '../../../src/storage/key-layout.js';
import { LevelStore } from '../../../src/storage/level-store.js';
import type { KeyedRecord } from '../../../src/storage/store.js';
import { DEFAULT_STORE_OPTIONS, type LevelStoreOptions } from '../../../src/storage/store-options.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait.js';
import { collect, put, rejectsWithCode, storeCompliance, tombstone } from './store-compliance.js';
import { encodeVersion } from '../../../src/version.js';

storeCompliance('LevelStore', async (options = {}) => {
  const dir = await tempDir('dstash-level-store-');
  return { store: new LevelStore({ dataDir: dir.path, sweepIntervalMs: 0, ...options }), cleanup: dir.cleanup };
});

describe('LevelStore', () => {
  let dir: { path: string; cleanup: () => Promise<void> };
  const stores: LevelStore[] = [];

  /** A store in the test's dir, closed after the test. */
  const makeStore = (options: Partial<LevelStoreOptions> = {}): LevelStore => {
    const store = new LevelStore({ dataDir: dir.path, sweepIntervalMs: 0, ...options });
    stores.push(store);
    return store;
  };
  const key = (k: string) => ({ partition: 0, index: 'default', key: Buffer.from(k) });

  beforeEach(async () => {
    dir = await tempDir('dstash-level-store-');
  });

  afterEach(async () => {
    await Promise.all(stores.splice(0).map((store) => store.close()));
    await dir.cleanup();
  });

  it('keeps records, tombstones, purge entries and metadata across close and reopen', async () => {
    const first = makeStore();
    await first.open();
    await first.apply([put('k', 'v', 1), put('ttl', 'v', 1, { expiresAt: 5000 }), tombstone('gone', 1)]);
    await first.putMeta('node-id', 'n-1');
    await first.close();

    const second = makeStore();
    await second.open();
    const [k, gone] = await second.getMany([key('k'), key('gone')]);
    assert.equal(k?.value.toString(), 'v');
    assert.equal(gone?.tombstone, true);
    assert.equal(await second.getMeta('node-id'), 'n-1');
    assert.deepEqual(await second.sweep(5000 + DEFAULT_STORE_OPTIONS.tombstoneGraceMs), { expired: 1, tombstones: 1 });

    // The same instance opens again after a close.
    await second.close();
    await second.open();
    assert.equal((await second.getMany([key('k')]))[0]?.value.toString(), 'v');
  });

  describe('key filter', () => {
    const many = (n: number, wallMs: number, tag = 'k'): KeyedRecord[] => Array.from({ length: n }, (_, i) => put(`${tag}${i}`, `v${wallMs}`, wallMs));

    it('keeps last-writer-wins for keys stored before a reopen, while the filter fills and once it is full', async () => {
      const first = makeStore();
      await first.open();
      // More keys than one chunk of the scan that fills the filter.
      await first.apply(many(2500, 5));
      await first.close();

      const store = makeStore();
      await store.open();
      // Older versions, at once (the filter may still be filling) and once it is full.
      assert.ok((await store.apply(many(2500, 3))).every((applied) => !applied));
      await waitFor(() => store.keyFilterReady, 'the key filter to fill');
      assert.ok((await store.apply(many(2500, 4))).every((applied) => !applied));
      const stored = await store.getMany(many(2500, 0).map(({ partition, index, key }) => ({ partition, index, key })));
      assert.ok(stored.every((r) => r?.value.toString() === 'v5' && r.version.equals(many(1, 5)[0]!.version)));
      // New keys are written, and then protect their versions too.
      assert.ok((await store.apply(many(100, 7, 'new'))).every(Boolean));
      assert.ok((await store.apply(many(100, 6, 'new'))).every((applied) => !applied));
      assert.ok((await store.apply([tombstone('new1', 8)]))[0]);
      assert.deepEqual(await store.apply([put('new1', 'old', 7)]), [false]);
    });

    it('resolves duplicates within a group by version for new keys', async () => {
      const store = makeStore();
      await store.open();
      await waitFor(() => store.keyFilterReady, 'the key filter to fill');
      assert.deepEqual(await store.apply([put('d', 'a', 2), put('d', 'b', 3), put('d', 'c', 1)]), [false, true, false]);
      assert.equal((await store.getMany([key('d')]))[0]?.value.toString(), 'b');
    });

    it('works without a filter (keyFilterBytes 0)', async () => {
      const store = makeStore({ keyFilterBytes: 0 });
      await store.open();
      assert.equal(store.keyFilterReady, false);
      assert.deepEqual(await store.apply([put('k', 'new', 2)]), [true]);
      assert.deepEqual(await store.apply([put('k', 'old', 1)]), [false]);
    });
  });

  describe('corrupt records', () => {
    /** A store holding `good` and, written behind its back, undecodable bytes under `bad`. */
    const storeWithCorruptRecord = async (): Promise<LevelStore> => {
      const store = makeStore();
      await store.open();
      await store.apply([put('good', 'v', 1), put('bad', 'v', 1, { expiresAt: 10 })]);
      await store.close();
      const raw = new ClassicLevel<Buffer, Buffer>(join(dir.path, 'db'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
      await raw.put(encodeDataKey(0, 'default', Buffer.from('bad')), Buffer.from([0x80, 1, 2]));
      await raw.close();
      await store.open();
      return store;
    };

    it('raises DSTASH_CORRUPT on read', async () => {
      const store = await storeWithCorruptRecord();
      await rejectsWithCode(store.getMany([key('bad')]), ErrorCode.Corrupt);
      await rejectsWithCode(collect(store.scan({ index: 'default' })), ErrorCode.Corrupt);
      await rejectsWithCode(collect(store.partition(0)), ErrorCode.Corrupt);
      assert.equal((await store.getMany([key('good')]))[0]?.value.toString(), 'v');
    });

    it('lets a sweep go past it and a newer version replace it', async () => {
      const store = await storeWithCorruptRecord();
      assert.deepEqual(await store.sweep(10), { expired: 0, tombstones: 0 });
      assert.deepEqual(await store.apply([put('bad', 'repaired', 2)]), [true]);
      assert.equal((await store.getMany([key('bad')]))[0]?.value.toString(), 'repaired');
    });
  });

  it('says the data dir is in use when another store holds it', async () => {
    await makeStore().open();
    const second = makeStore();
    await assert.rejects(second.open(), (err: unknown) => {
      assert.ok(err instanceof DstashError);
      assert.equal(err.code, ErrorCode.Internal);
      assert.match(err.message, /data dir is in use by another process/);
      assert.ok(err.message.includes(dir.path));
      return true;
    });
    assert.equal(second.isOpen, false);
  });

  it('names the path and the cause when the data dir cannot be created', async () => {
    const file = join(dir.path, 'a-file');
    await writeFile(file, 'not a directory');
    await assert.rejects(makeStore({ dataDir: file }).open(), (err: unknown) => {
      assert.ok(err instanceof DstashError);
      assert.equal(err.code, ErrorCode.Internal);
      assert.ok(err.message.includes(join(file, 'db')));
      assert.match(err.message, /ENOTDIR/);
      return true;
    });
  });

  it('fails a scan cut short by close() with DSTASH_NOT_OPEN', async () => {
    const store = makeStore();
    await store.open();
    await store.apply(Array.from({ length: 3000 }, (_, i) => put(`k${i}`, 'v', 1, { partition: i % 3 })));
    const scan = store.scan({ index: 'default' })[Symbol.asyncIterator]();
    assert.equal((await scan.next()).done, false);
    const closing = store.close();
    await rejectsWithCode(collect({ [Symbol.asyncIterator]: () => scan }), ErrorCode.NotOpen);
    await closing;
  });

  it('rejects bad options at construction', () => {
    for (const options of [{ dataDir: '' }, { dataDir: dir.path, partitions: 0 }, { dataDir: dir.path, sweepIntervalMs: -1 }, { dataDir: dir.path, tombstoneGraceMs: 1.5 }, { dataDir: dir.path, writeBufferSize: 1 }]) {
      assert.throws(() => new LevelStore(options), (err: unknown) => err instanceof DstashError && err.code === ErrorCode.InvalidOptions);
    }
  });

  describe('writes', () => {
    /** Every batch written to LevelDB while a test runs: its size and its sync option. */
    let batches: { ops: number; sync: unknown }[];
    let originalBatch: typeof ClassicLevel.prototype.batch;

    beforeEach(() => {
      batches = [];
      originalBatch = ClassicLevel.prototype.batch;
      ClassicLevel.prototype.batch = function (this: ClassicLevel, ...args: unknown[]) {
        if (args.length > 0) throw new Error('the store writes through chained batches only');
        const chained = (originalBatch as () => unknown).apply(this) as { length: number; write(options?: { sync?: unknown }): Promise<void> };
        const write = chained.write.bind(chained);
        chained.write = (options) => {
          batches.push({ ops: chained.length, sync: options?.sync });
          return write(options);
        };
        return chained;
      } as typeof ClassicLevel.prototype.batch;
    });

    afterEach(() => {
      ClassicLevel.prototype.batch = originalBatch;
    });

    it('passes the sync option to every write batch', async () => {
      const synced = makeStore({ sync: true });
      await synced.open();
      await synced.apply([put('k', 'v', 1, { expiresAt: 10 })]);
      await synced.sweep(10 + DEFAULT_STORE_OPTIONS.tombstoneGraceMs);
      await synced.close();
      assert.deepEqual(batches.map((b) => b.sync), [true, true]);

      batches = [];
      const unsynced = makeStore();
      await unsynced.open();
      await unsynced.apply([put('k', 'v', 2)]);
      assert.deepEqual(batches.map((b) => b.sync), [false]);
    });

    it('group-commits concurrent applies into fewer batches, each caller with its own results', async () => {
      const store = makeStore();
      await store.open();
      const calls = Array.from({ length: 50 }, (_, i) => store.apply([put(`k${i}`, 'v', 2), put(`k${i}`, 'older', 1)]));
      const results = await Promise.all(calls);
      assert.ok(results.every((result) => result[0] === true && result[1] === false));
      assert.ok(batches.length < 50, `${batches.length} batches for 50 calls`);
      assert.ok(batches.length >= 1);
    });

    it('writes nothing when every record loses', async () => {
      const store = makeStore();
      await store.open();
      await store.apply([put('k', 'v', 2)]);
      batches = [];
      assert.deepEqual(await store.apply([put('k', 'old', 1)]), [false]);
      assert.equal(batches.length, 0);
    });
  });

  it('sweeps in the background on its interval, by the now option', async () => {
    const store = makeStore({ sweepIntervalMs: 5, tombstoneGraceMs: 1000, now: () => 10_000 });
    await store.open();
    await store.apply([put('ttl', 'v', 1, { expiresAt: 9_000 }), put('kept', 'v', 1)]);
    await waitFor(async () => (await store.getMany([key('ttl')]))[0] === undefined, 'the background sweep');
    assert.equal((await store.getMany([key('kept')]))[0]?.value.toString(), 'v');
  });

  it('judges liveness in scans by the now option', async () => {
    const store = makeStore({ now: () => 5_000 });
    await store.open();
    await store.apply([put('a', 'v', 1, { expiresAt: 5_000 }), put('b', 'v', 1, { expiresAt: 5_001 })]);
    assert.deepEqual((await collect(store.scan({ index: 'default' }))).map((r) => r.key.toString()), ['b']);
  });
});

describe('LevelStore truncation', () => {
  let dir: { path: string; cleanup: () => Promise<void> };

  beforeEach(async () => {
    dir = await tempDir('dstash-level-truncate-');
  });

  afterEach(async () => {
    await dir.cleanup();
  });

  it('purges truncated records from LevelDB in the sweep, from every partition, and keeps the rest', async () => {
    const store = new LevelStore({ dataDir: dir.path, sweepIntervalMs: 0 });
    await store.open();
    const old = Array.from({ length: 3000 }, (_, i) => put(`k${i}`, 'v', 10, { partition: i % 7 }));
    await store.apply([...old, put('k0', 'v', 10, { index: 'other' }), put('late', 'v', 40)]);
    await store.truncate('default', encodeVersion(30, 0, 1));
    await store.sweep();
    await store.close();

    const raw = new ClassicLevel<Buffer, Buffer>(join(dir.path, 'db'), { keyEncoding: 'buffer', valueEncoding: 'buffer' });
    try {
      const found = await raw.getMany([...old.slice(0, 50), put('k0', 'v', 10, { index: 'other' }), put('late', 'v', 40)].map((r) => encodeDataKey(r.partition, r.index, r.key)));
      assert.deepEqual(found.slice(0, 50).filter((v) => v !== undefined), [], 'the truncated records are gone from disk');
      assert.ok(found[50] && found[51], 'the other index and the newer record stay');
    } finally {
      await raw.close();
    }
  });

  it('keeps the record cache coherent: a cached record of the index reads as absent once truncated', async () => {
    const store = new LevelStore({ dataDir: dir.path, sweepIntervalMs: 0, recordCacheBytes: 1 << 20 });
    await store.open();
    try {
      await store.apply([put('hot', 'v', 10)]);
      const address = { partition: 0, index: 'default', key: Buffer.from('hot') };
      await store.getMany([address]);
      await store.truncate('default', encodeVersion(30, 0, 1));
      assert.equal(store.recordCacheStats()?.entries, 0, 'the cache was emptied');
      assert.deepEqual(await store.getMany([address]), [undefined]);
      await store.apply([put('hot', 'new', 31)]);
      assert.equal((await store.getMany([address]))[0]?.value.toString(), 'new');
    } finally {
      await store.close();
    }
  });
});
