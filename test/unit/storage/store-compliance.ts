/**
 * The compliance suite of the `Store` seam: every implementation runs it
 * (level-store.test.ts, memory-store.test.ts). Time-dependent behaviour is
 * driven through record times and `sweep(now)`, never by waiting.
 */
import assert from 'node:assert/strict';
import { ErrorCode, type ErrorCodeValue, hasCode } from '../../../src/errors.js';
import { DEFAULT_STORE_OPTIONS } from '../../../src/storage/store-options.js';
import { isLive, type KeyedRecord, type RecordKey, type Store, type StoredRecord } from '../../../src/storage/store.js';
import { ALL_INDEXES } from '../../../src/limits.js';
import { encodeVersion } from '../../../src/version.js';

/** A store under test and how to dispose of it. */
export interface StoreFixture {
  store: Store;
  cleanup(): Promise<void>;
}

/** The version written at `wallMs` by writer 1 (a later wall time is a newer version). */
export function version(wallMs: number, logical = 0): Buffer {
  return encodeVersion(wallMs, logical, 1);
}

/** A put of `value` in the default index, partition 0, unless `fields` say otherwise. */
export function put(key: string, value: string, wallMs: number, fields: Partial<KeyedRecord> = {}): KeyedRecord {
  return { partition: 0, index: 'default', key: Buffer.from(key), value: Buffer.from(value), version: version(wallMs), expiresAt: 0, tombstone: false, ...fields };
}

/** A delete (tombstone) of `key`. */
export function tombstone(key: string, wallMs: number, fields: Partial<KeyedRecord> = {}): KeyedRecord {
  return put(key, '', wallMs, { tombstone: true, ...fields });
}

/** Everything an async iterable yields. */
export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Asserts that `promise` rejects with a dstash error of `code`. */
export async function rejectsWithCode(promise: Promise<unknown>, code: ErrorCodeValue): Promise<void> {
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(hasCode(err, code), `expected ${code}, got ${String(err)}`);
    return true;
  });
}

const keysOf = (records: readonly KeyedRecord[]): string[] => records.map((r) => `${r.partition}/${r.index}/${r.key.toString()}`);
const valueOf = (record: StoredRecord | undefined): string | undefined => record?.value.toString();
const GRACE = DEFAULT_STORE_OPTIONS.tombstoneGraceMs;
const FAR_FUTURE = Date.now() + 365 * 24 * 3600 * 1000;

/** Defines the compliance tests of `Store` for one implementation. */
export function storeCompliance(name: string, makeStore: (options?: { maxHints?: number }) => Promise<StoreFixture>): void {
  describe(`Store compliance: ${name}`, () => {
    let fixture: StoreFixture;
    let store: Store;

    beforeEach(async () => {
      fixture = await makeStore();
      store = fixture.store;
      await store.open();
    });

    afterEach(async () => {
      await store.close();
      await fixture.cleanup();
    });

    const get = async (key: string, fields: { partition?: number; index?: string } = {}): Promise<StoredRecord | undefined> =>
      (await store.getMany([{ partition: fields.partition ?? 0, index: fields.index ?? 'default', key: Buffer.from(key) }]))[0];

    describe('lifecycle', () => {
      it('is open between open() and close(), and close() is idempotent', async () => {
        assert.equal(store.isOpen, true);
        await store.close();
        assert.equal(store.isOpen, false);
        await store.close();
        assert.equal(store.isOpen, false);
      });

      it('refuses every operation after close with DSTASH_NOT_OPEN', async () => {
        await store.close();
        await rejectsWithCode(store.apply([put('k', 'v', 1)]), ErrorCode.NotOpen);
        await rejectsWithCode(store.getMany([{ partition: 0, index: 'default', key: Buffer.from('k') }]), ErrorCode.NotOpen);
        await rejectsWithCode(collect(store.scan({ index: 'default' })), ErrorCode.NotOpen);
        await rejectsWithCode(collect(store.partition(0)), ErrorCode.NotOpen);
        await rejectsWithCode(store.sweep(1), ErrorCode.NotOpen);
        await rejectsWithCode(store.getMeta('m'), ErrorCode.NotOpen);
        await rejectsWithCode(store.putMeta('m', 'v'), ErrorCode.NotOpen);
        await rejectsWithCode(store.approximateSize(), ErrorCode.NotOpen);
      });

      it('refuses operations before open with DSTASH_NOT_OPEN', async () => {
        const fresh = await makeStore();
        try {
          assert.equal(fresh.store.isOpen, false);
          await rejectsWithCode(fresh.store.apply([put('k', 'v', 1)]), ErrorCode.NotOpen);
          await rejectsWithCode(collect(fresh.store.scan({ index: 'default' })), ErrorCode.NotOpen);
          await rejectsWithCode(fresh.store.getMeta('m'), ErrorCode.NotOpen);
        } finally {
          await fresh.store.close();
          await fresh.cleanup();
        }
      });

      it('finishes writes in progress before close() resolves', async () => {
        const writes = [store.apply([put('a', '1', 1)]), store.apply([put('b', '2', 1)])];
        await store.close();
        assert.deepEqual(await Promise.all(writes), [[true], [true]]);
        await store.open();
        assert.equal(valueOf(await get('b')), '2');
      });
    });

    describe('apply and getMany', () => {
      it('round-trips every field of a record', async () => {
        const record = put('k', 'hello', 1000, { expiresAt: FAR_FUTURE });
        assert.deepEqual(await store.apply([record]), [true]);
        const [stored] = await store.getMany([record]);
        assert.ok(stored);
        assert.deepEqual(
          { value: stored.value.toString(), version: stored.version.toString('hex'), expiresAt: stored.expiresAt, tombstone: stored.tombstone },
          { value: 'hello', version: record.version.toString('hex'), expiresAt: FAR_FUTURE, tombstone: false },
        );
      });

      it('answers in the order asked, undefined where nothing is stored', async () => {
        await store.apply([put('a', '1', 1), put('c', '3', 1)]);
        const keys = ['c', 'b', 'a', 'c'].map((key) => ({ partition: 0, index: 'default', key: Buffer.from(key) }));
        assert.deepEqual((await store.getMany(keys)).map(valueOf), ['3', undefined, '1', '3']);
        assert.deepEqual(await store.getMany([]), []);
        assert.deepEqual(await store.apply([]), []);
      });

      it('tells a missing key from an empty value', async () => {
        await store.apply([put('empty', '', 1)]);
        const [empty, missing] = await store.getMany([put('empty', '', 0), put('missing', '', 0)]);
        assert.ok(empty);
        assert.equal(empty.value.length, 0);
        assert.equal(isLive(empty), true);
        assert.equal(missing, undefined);
      });

      it('keeps the same key apart in other partitions and indexes, and binary keys intact', async () => {
        const binary = Buffer.from([0x00, 0xff, 0x00, 0x01]);
        await store.apply([
          put('k', 'p0', 1),
          put('k', 'p1', 1, { partition: 1 }),
          put('k', 'other', 1, { index: 'other' }),
          put('', 'binary', 1, { key: binary }),
          put('', 'binary-prefix', 1, { key: binary.subarray(0, 2) }),
        ]);
        assert.equal(valueOf(await get('k')), 'p0');
        assert.equal(valueOf(await get('k', { partition: 1 })), 'p1');
        assert.equal(valueOf(await get('k', { index: 'other' })), 'other');
        const [full, short] = await store.getMany([
          { partition: 0, index: 'default', key: binary },
          { partition: 0, index: 'default', key: binary.subarray(0, 2) },
        ]);
        assert.equal(valueOf(full), 'binary');
        assert.equal(valueOf(short), 'binary-prefix');
      });

      it('copies what it stores: changing the caller buffers afterwards changes nothing', async () => {
        const record = put('k', 'value', 1);
        await store.apply([record]);
        record.value.fill(0x21);
        record.key.fill(0x21);
        assert.equal(valueOf(await get('k')), 'value');
      });
    });

    describe('last-writer-wins', () => {
      it('applies a newer version, ignores an older or equal one and reports it', async () => {
        assert.deepEqual(await store.apply([put('k', 'v2', 2)]), [true]);
        assert.deepEqual(await store.apply([put('k', 'v1', 1)]), [false]);
        assert.equal(valueOf(await get('k')), 'v2');
        assert.deepEqual(await store.apply([put('k', 'v2-again', 2)]), [false]);
        assert.equal(valueOf(await get('k')), 'v2');
        assert.deepEqual(await store.apply([put('k', 'v3', 3)]), [true]);
        assert.equal(valueOf(await get('k')), 'v3');
      });

      it('compares the whole version: logical counter and writer id break ties', async () => {
        await store.apply([{ ...put('k', 'writer-1', 5), version: encodeVersion(5, 0, 1) }]);
        assert.deepEqual(await store.apply([{ ...put('k', 'writer-2', 5), version: encodeVersion(5, 0, 2) }]), [true]);
        assert.deepEqual(await store.apply([{ ...put('k', 'logical', 5), version: encodeVersion(5, 1, 0) }]), [true]);
        assert.equal(valueOf(await get('k')), 'logical');
      });

      it('resolves the same key twice in one call by version, whatever the order', async () => {
        assert.deepEqual(await store.apply([put('a', 'new', 2), put('a', 'old', 1)]), [true, false]);
        assert.deepEqual(await store.apply([put('b', 'old', 1), put('b', 'new', 2)]), [false, true]);
        assert.deepEqual(await store.apply([put('c', 'first', 1), put('c', 'second', 1)]), [true, false]);
        assert.deepEqual((await store.getMany([put('a', '', 0), put('b', '', 0), put('c', '', 0)])).map(valueOf), ['new', 'new', 'first']);
        assert.deepEqual(await store.apply([put('a', 'newest', 3), put('a', 'stale', 1)]), [true, false]);
      });

      it('ends with the newest version when many callers write the same key at once', async () => {
        const walls = Array.from({ length: 64 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
        const results = await Promise.all(walls.map((wall) => store.apply([put('hot', `v${wall}`, wall), put(`own-${wall}`, 'x', wall)])));
        assert.equal(valueOf(await get('hot')), 'v64');
        assert.deepEqual(results[walls.indexOf(64)], [true, true]);
        assert.ok(results.every(([, own]) => own));
        assert.equal((await collect(store.scan({ index: 'default' }))).length, 65);
      });

      it('applies nothing of a call with an invalid record', async () => {
        const bad = [put('ok', 'v', 1), { ...put('bad-version', 'v', 1), version: Buffer.alloc(3) }];
        await rejectsWithCode(store.apply(bad), ErrorCode.InvalidArgument);
        await rejectsWithCode(store.apply([put('ok', 'v', 1), put('bad-partition', 'v', 1, { partition: 1 << 20 })]), ErrorCode.InvalidArgument);
        await rejectsWithCode(store.apply([put('ok', 'v', 1), put('bad-ttl', 'v', 1, { expiresAt: -1 })]), ErrorCode.InvalidArgument);
        await rejectsWithCode(store.apply([put('ok', 'v', 1), put('bad-index', 'v', 1, { index: 'no spaces' })]), ErrorCode.InvalidIndex);
        assert.equal(await get('ok'), undefined);
      });
    });

    describe('tombstones', () => {
      it('stores a delete as a tombstone that reads as not live and beats older puts', async () => {
        await store.apply([put('k', 'v', 1)]);
        assert.deepEqual(await store.apply([tombstone('k', 2)]), [true]);
        const stored = await get('k');
        assert.ok(stored);
        assert.equal(stored.tombstone, true);
        assert.equal(isLive(stored), false);
        assert.deepEqual(await store.apply([put('k', 'late', 1, { version: version(1, 5) })]), [false]);
        assert.deepEqual(await store.apply([put('k', 'again', 3)]), [true]);
        assert.equal(isLive(await get('k')), true);
      });

      it('purges a tombstone only once the grace period after its version has passed', async () => {
        await store.apply([tombstone('gone', 1000), put('kept', 'v', 1000)]);
        assert.deepEqual(await store.sweep(1000 + GRACE - 1), { expired: 0, tombstones: 0 });
        assert.ok(await get('gone'));
        assert.deepEqual(await store.sweep(1000 + GRACE), { expired: 0, tombstones: 1 });
        assert.equal(await get('gone'), undefined);
        assert.equal(valueOf(await get('kept')), 'v');
      });

      it('does not purge a record that replaced a tombstone', async () => {
        await store.apply([tombstone('k', 1000)]);
        await store.apply([put('k', 'back', 2000)]);
        assert.deepEqual(await store.sweep(FAR_FUTURE), { expired: 0, tombstones: 0 });
        assert.equal(valueOf(await get('k')), 'back');
      });
    });

    describe('TTL', () => {
      it('reads an expired record as not live and sweeps it out', async () => {
        const now = Date.now();
        await store.apply([put('expired', 'v', 1, { expiresAt: now - 1 }), put('fresh', 'v', 1, { expiresAt: FAR_FUTURE }), put('forever', 'v', 1)]);
        const expired = await get('expired');
        assert.ok(expired);
        assert.equal(isLive(expired, now), false);
        assert.equal(isLive(await get('fresh'), now), true);
        assert.deepEqual(await store.sweep(now), { expired: 0, tombstones: 0 }, 'kept through the grace period, so that no older value can come back');
        assert.deepEqual(await store.sweep(now - 1 + GRACE), { expired: 1, tombstones: 0 });
        assert.equal(await get('expired'), undefined);
        assert.deepEqual(await store.sweep(FAR_FUTURE + GRACE), { expired: 1, tombstones: 0 });
        assert.equal(await get('fresh'), undefined);
        assert.equal(valueOf(await get('forever')), 'v');
      });

      it('judges by the current record: a newer version without TTL is not swept, a newer TTL replaces the old one', async () => {
        await store.apply([put('a', 'old', 1, { expiresAt: 5000 }), put('b', 'old', 1), put('c', 'old', 1, { expiresAt: 5000 })]);
        await store.apply([put('a', 'new', 2), put('b', 'new', 2, { expiresAt: 5000 }), put('c', 'new', 2, { expiresAt: 9000 })]);
        assert.deepEqual(await store.sweep(5000 + GRACE), { expired: 1, tombstones: 0 });
        assert.deepEqual((await store.getMany([put('a', '', 0), put('b', '', 0), put('c', '', 0)])).map(valueOf), ['new', undefined, 'new']);
        assert.deepEqual(await store.sweep(9000 + GRACE), { expired: 1, tombstones: 0 });
        assert.equal(await get('c'), undefined);
      });

      it('sweeps nothing from an empty store, and refuses a time that is not one', async () => {
        assert.deepEqual(await store.sweep(FAR_FUTURE), { expired: 0, tombstones: 0 });
        await rejectsWithCode(store.sweep(Number.NaN), ErrorCode.InvalidArgument);
      });
    });

    describe('scan', () => {
      beforeEach(async () => {
        await store.apply([
          put('b', '', 1, { partition: 2 }),
          put('a', '', 1, { partition: 2 }),
          put('z', '', 1, { partition: 0 }),
          put('ab', '', 1, { partition: 1023 }),
          put('aa', '', 1, { partition: 1 }),
          tombstone('ac', 2, { partition: 1 }),
          put('ad', '', 1, { partition: 1, expiresAt: 1 }),
          put('a', '', 1, { partition: 1, index: 'other' }),
          put('a', '', 1, { partition: 1, index: 'default2' }),
        ]);
      });

      it('yields one index, live records only, in token order (partition, then key bytes)', async () => {
        assert.deepEqual(keysOf(await collect(store.scan({ index: 'default' }))), ['0/default/z', '1/default/aa', '2/default/a', '2/default/b', '1023/default/ab']);
        assert.deepEqual(keysOf(await collect(store.scan({ index: 'other' }))), ['1/other/a']);
        assert.deepEqual(await collect(store.scan({ index: 'none' })), []);
      });

      it('includes tombstones and expired records with includeDead', async () => {
        const all = await collect(store.scan({ index: 'default', includeDead: true }));
        assert.deepEqual(keysOf(all), ['0/default/z', '1/default/aa', '1/default/ac', '1/default/ad', '2/default/a', '2/default/b', '1023/default/ab']);
        assert.equal(all[2].tombstone, true);
        assert.equal(all[3].expiresAt, 1);
      });

      it('filters by prefix, stops at limit and resumes strictly after startAfter', async () => {
        assert.deepEqual(keysOf(await collect(store.scan({ index: 'default', prefix: Buffer.from('a') }))), ['1/default/aa', '2/default/a', '1023/default/ab']);
        assert.deepEqual(keysOf(await collect(store.scan({ index: 'default', prefix: Buffer.from('aa') }))), ['1/default/aa']);
        assert.deepEqual(keysOf(await collect(store.scan({ index: 'default', limit: 2 }))), ['0/default/z', '1/default/aa']);
        assert.deepEqual(keysOf(await collect(store.scan({ index: 'default', startAfter: { partition: 2, key: Buffer.from('a') } }))), ['2/default/b', '1023/default/ab']);
        assert.deepEqual(keysOf(await collect(store.scan({ index: 'default', startAfter: { partition: 1, key: Buffer.from('zz') } }))), ['2/default/a', '2/default/b', '1023/default/ab']);
        assert.deepEqual(keysOf(await collect(store.scan({ index: 'default', startAfter: { partition: 0, key: Buffer.from('') } }))), ['0/default/z', '1/default/aa', '2/default/a', '2/default/b', '1023/default/ab']);
        assert.deepEqual(
          keysOf(await collect(store.scan({ index: 'default', prefix: Buffer.from('b'), startAfter: { partition: 2, key: Buffer.from('a') } }))),
          ['2/default/b'],
        );
        assert.deepEqual(await collect(store.scan({ index: 'default', startAfter: { partition: 1023, key: Buffer.from('ab') } })), []);
      });

      it('pages through everything with limit and startAfter', async () => {
        const pages: string[] = [];
        let startAfter: { partition: number; key: Buffer } | undefined;
        for (;;) {
          const page = await collect(store.scan({ index: 'default', limit: 2, startAfter, includeDead: true }));
          if (page.length === 0) break;
          pages.push(...keysOf(page));
          startAfter = page[page.length - 1];
        }
        assert.deepEqual(pages, keysOf(await collect(store.scan({ index: 'default', includeDead: true }))));
      });

      it('rejects an invalid index or limit', async () => {
        await rejectsWithCode(collect(store.scan({ index: '' })), ErrorCode.InvalidIndex);
        await rejectsWithCode(collect(store.scan({ index: 'default', limit: -1 })), ErrorCode.InvalidArgument);
      });
    });

    describe('partition', () => {
      it('yields every record of one partition, dead ones included, in (index, key) order', async () => {
        await store.apply([
          put('b', '', 1, { partition: 7, index: 'b' }),
          put('a', '', 1, { partition: 7, index: 'aa' }),
          put('z', '', 1, { partition: 7, index: 'a' }),
          tombstone('y', 1, { partition: 7, index: 'a' }),
          put('x', '', 1, { partition: 7, index: 'a', expiresAt: 1 }),
          put('other', '', 1, { partition: 6, index: 'a' }),
          put('other', '', 1, { partition: 8, index: 'a' }),
        ]);
        const records = await collect(store.partition(7));
        assert.deepEqual(keysOf(records), ['7/a/x', '7/a/y', '7/a/z', '7/aa/a', '7/b/b']);
        assert.equal(records[1].tombstone, true);
        assert.deepEqual(await collect(store.partition(9)), []);
      });

      it('rejects a partition out of range', async () => {
        await rejectsWithCode(collect(store.partition(-1)), ErrorCode.InvalidArgument);
        await rejectsWithCode(collect(store.partition(DEFAULT_STORE_OPTIONS.partitions)), ErrorCode.InvalidArgument);
      });
    });

    describe('metadata and size', () => {
      it('stores small named values', async () => {
        assert.equal(await store.getMeta('node-id'), undefined);
        await store.putMeta('node-id', 'n-1');
        await store.putMeta('greeting', 'héllo ✓');
        await store.putMeta('node-id', 'n-2');
        assert.equal(await store.getMeta('node-id'), 'n-2');
        assert.equal(await store.getMeta('greeting'), 'héllo ✓');
      });

      it('keeps metadata apart from records', async () => {
        await store.putMeta('default', 'meta');
        assert.deepEqual(await collect(store.scan({ index: 'default', includeDead: true })), []);
      });

      it('keeps consensus state per key, apart from records and from the same key elsewhere', async () => {
        const address = { partition: 3, index: 'default', key: Buffer.from('k') };
        const other = { partition: 3, index: 'default', key: Buffer.from('l') };
        assert.deepEqual(await store.getPaxosStates([address]), [undefined]);
        const state = Buffer.from([1, 2, 3]);
        await store.putPaxosStates([{ key: address, state }, { key: other, state: Buffer.from([4]) }]);
        state[0] = 9;
        assert.deepEqual(await store.getPaxosStates([address, other]), [Buffer.from([1, 2, 3]), Buffer.from([4])], 'copies are stored');
        await store.putPaxosStates([{ key: other, state: Buffer.from([5]) }, { key: other, state: Buffer.from([6]) }]);
        assert.deepEqual(await store.getPaxosStates([other]), [Buffer.from([6])], 'the last state of a key given twice');
        assert.deepEqual(await store.getPaxosStates([{ ...address, partition: 4 }, { ...address, index: 'other' }]), [undefined, undefined]);
        assert.deepEqual(await store.getMany([address]), [undefined]);
        assert.deepEqual(await collect(store.partition(3)), []);
        await rejectsWithCode(store.putPaxosStates([{ key: other, state: Buffer.from([7]) }, { key: { ...address, partition: -1 }, state }]), ErrorCode.InvalidArgument);
        assert.deepEqual(await store.getPaxosStates([other]), [Buffer.from([6])], 'a batch with a bad key writes nothing');
        assert.deepEqual(await store.putPaxosStates([]), undefined);
      });

      it('reports an approximate size that counts what was just written', async () => {
        const before = await store.approximateSize();
        assert.ok(Number.isFinite(before) && before >= 0);
        // 1 MiB: well under LevelDB's write buffer, so all of it is still in the log.
        await store.apply(Array.from({ length: 64 }, (_, i) => put(`big-${i}`, 'x'.repeat(16 * 1024), 10)));
        assert.ok(await store.approximateSize() >= before + 1024 * 1024, 'the size grows by the bytes written');
      });
    });

    describe('batches', () => {
      it('applies, reads and scans a batch of 10,000 records', async () => {
        const records = Array.from({ length: 10_000 }, (_, i) => put(`key-${i}`, `value-${i}`, 10, { partition: i % 16 }));
        const applied = await store.apply(records);
        assert.equal(applied.length, 10_000);
        assert.ok(applied.every(Boolean));
        const stored = await store.getMany(records);
        assert.ok(stored.every((record, i) => valueOf(record) === `value-${i}`));
        assert.equal((await collect(store.scan({ index: 'default' }))).length, 10_000);
        assert.deepEqual(await store.apply(records.slice(0, 3)), [false, false, false]);
      });
    });

    describe('truncation', () => {
      const other = { index: 'other' };

      it('hides the records of the index at or below the version everywhere, keeps other indexes and newer writes', async () => {
        await store.apply([put('a', 'old', 10), tombstone('b', 20, { partition: 3 }), put('c', 'new', 31), put('a', 'kept', 10, other)]);
        assert.equal(await store.truncate('default', version(30)), true);
        assert.deepEqual([...store.truncations()], [['default', version(30)]]);
        assert.deepEqual((await store.getMany([{ partition: 0, index: 'default', key: Buffer.from('a') }, { partition: 3, index: 'default', key: Buffer.from('b') }])), [undefined, undefined]);
        assert.equal(valueOf(await get('c')), 'new', 'a version after the truncation stays');
        assert.equal(valueOf(await get('a', other)), 'kept', 'another index is untouched');
        assert.deepEqual(keysOf(await collect(store.scan({ index: 'default', includeDead: true }))), ['0/default/c']);
        assert.deepEqual(keysOf(await collect(store.partition(0))), ['0/default/c', '0/other/a']);
        assert.deepEqual(keysOf(await collect(store.partition(3))), [], 'digests and transfers see no truncated record');
      });

      it('ignores writes at or below the truncation (reported as not applied) and applies newer ones', async () => {
        await store.truncate('default', version(30));
        assert.deepEqual(await store.apply([put('a', 'late', 30), put('b', 'late', 29, other), tombstone('c', 12)]), [false, true, false]);
        assert.equal(await get('a'), undefined);
        assert.deepEqual(await store.apply([put('a', 'after', 31)]), [true]);
        assert.equal(valueOf(await get('a')), 'after');
      });

      it('truncates every index with ALL_INDEXES, the newer of it and an index\'s own counting', async () => {
        await store.apply([put('a', 'v', 10), put('a', 'v', 10, other), put('b', 'v', 25, other)]);
        await store.truncate('other', version(30));
        await store.truncate(ALL_INDEXES, version(20));
        assert.equal(await get('a'), undefined);
        assert.equal(await get('a', other), undefined);
        assert.equal(await get('b', other), undefined, 'the index\'s own truncation is the newer one');
        assert.deepEqual(await store.apply([put('c', 'v', 21), put('c', 'v', 21, other)]), [true, false]);
      });

      it('only moves forward, keeps truncations across close and reopen, and refuses a bad index or version', async () => {
        await store.apply([put('a', 'v', 10)]);
        assert.equal(await store.truncate('default', version(30)), true);
        assert.equal(await store.truncate('default', version(20)), false, 'an older truncation changes nothing');
        assert.equal(await store.truncate('default', version(30)), false, 'the same one again changes nothing');
        await store.close();
        await store.open();
        assert.deepEqual([...store.truncations()], [['default', version(30)]]);
        assert.equal(await get('a'), undefined);
        assert.deepEqual(await store.apply([put('a', 'v', 25)]), [false]);
        await rejectsWithCode(store.truncate('bad index', version(40)), ErrorCode.InvalidIndex);
        await rejectsWithCode(store.truncate('default', Buffer.alloc(3)), ErrorCode.InvalidArgument);
      });

      it('keeps truncated records hidden through a sweep, which leaves the others', async () => {
        await store.apply([put('a', 'v', 10), put('t', 'v', 10, { expiresAt: 5000 }), put('a', 'v', 10, other)]);
        await store.truncate('default', version(30));
        assert.deepEqual(await store.sweep(FAR_FUTURE), { expired: 1, tombstones: 0 }, 'a truncated record that is due counts as it would have');
        assert.equal(await get('a'), undefined);
        assert.equal(valueOf(await get('a', other)), 'v');
        assert.deepEqual(await store.apply([put('a', 'v', 31)]), [true], 'the purged key takes a new write');
        assert.deepEqual(await store.sweep(FAR_FUTURE + GRACE), { expired: 0, tombstones: 0 }, 'no purge entry of a truncated record is left behind');
      });
    });

    describe('hints and hand-over', () => {
      const address = (key: string, partition = 0): RecordKey => ({ partition, index: 'default', key: Buffer.from(key) });

      it('keeps hints per target apart from the records, once per key, and removes delivered ones', async () => {
        assert.deepEqual(await store.addHints('node-b', [address('k1'), address('k2', 5), address('k1')]), { kept: 2, dropped: 0 });
        assert.deepEqual(await store.addHints('node-c', [address('k1')]), { kept: 1, dropped: 0 });
        assert.deepEqual(await store.addHints('node-b', [address('k2', 5)]), { kept: 0, dropped: 0 }, 'a hint already kept is not counted twice');
        assert.deepEqual([...store.hintCounts()].sort(), [['node-b', 2], ['node-c', 1]]);
        assert.equal(await get('k1'), undefined, 'a hint is not a record');
        assert.deepEqual((await store.hintsFor('node-b', 10)).map((k) => `${k.partition}/${k.index}/${k.key.toString()}`).sort(), ['0/default/k1', '5/default/k2']);
        assert.equal((await store.hintsFor('node-b', 1)).length, 1);
        await store.removeHints('node-b', [address('k1'), address('never-hinted')]);
        assert.deepEqual([...store.hintCounts()].sort(), [['node-b', 1], ['node-c', 1]]);
        await store.removeHints('node-b', [address('k2', 5)]);
        assert.equal(store.hintCounts().has('node-b'), false);
        assert.deepEqual(await store.hintsFor('node-b', 10), []);
      });

      it('drops hints past maxHints', async () => {
        const small = await makeStore({ maxHints: 2 });
        await small.store.open();
        try {
          assert.deepEqual(await small.store.addHints('t', [address('a'), address('b'), address('c')]), { kept: 2, dropped: 1 });
          assert.deepEqual(await small.store.addHints('u', [address('d')]), { kept: 0, dropped: 1 });
        } finally {
          await small.store.close();
          await small.cleanup();
        }
      });

      it('deletes a handed-over record only while its version is the one sent', async () => {
        await store.apply([put('same', 'v', 10), put('newer', 'v', 10), tombstone('dead', 10, { partition: 3 })]);
        await store.apply([put('newer', 'v2', 20)]);
        const deleted = await store.deleteIfVersion([
          { ...address('same'), version: version(10) },
          { ...address('newer'), version: version(10) },
          { ...address('dead', 3), version: version(10) },
          { ...address('missing'), version: version(10) },
        ]);
        assert.equal(deleted, 2);
        assert.equal(await get('same'), undefined);
        assert.equal(valueOf(await get('newer')), 'v2', 'a version written after the transfer stays');
        assert.equal(await get('dead', { partition: 3 }), undefined);
        assert.deepEqual(await store.sweep(FAR_FUTURE + GRACE), { expired: 0, tombstones: 0 }, 'no purge entry is left behind');
      });
    });
  });
}
