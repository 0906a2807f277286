/** RecordCache on its own: answers, bounds, eviction order, and the rule that keeps a slow read from filling it with a stale record. */
import assert from 'node:assert/strict';
import { keyHash } from '../../../src/storage/key-filter.js';
import { RecordCache } from '../../../src/storage/record-cache.js';

const MIN = 64 * 1024;
const bytes = (text: string): Buffer => Buffer.from(text);

/** The cache's calls by key text; `hash` replaces the key hash (to force collisions). */
interface Calls {
  write(key: string, record: Buffer | null): void;
  get(key: string): Buffer | null | undefined;
  fill(key: string, record: Buffer | null, since: number): void;
}
function calls(cache: RecordCache, hash: (key: Buffer) => number = keyHash): Calls {
  return {
    write: (key, record) => { const k = bytes(key); cache.write(k, 0, k.length, hash(k), record); },
    get: (key) => { const k = bytes(key); return cache.get(k, 0, k.length, hash(k)); },
    fill: (key, record, since) => { const k = bytes(key); cache.fill(k, 0, k.length, hash(k), record, since); },
  };
}

describe('RecordCache', () => {
  it('answers what was written, null for a key known absent, undefined for one it does not know, and counts hits and misses', () => {
    const cache = new RecordCache(MIN);
    const c = calls(cache);
    c.write('a', bytes('one'));
    c.write('gone', null);
    assert.equal(c.get('a')?.toString(), 'one');
    assert.equal(c.get('gone'), null);
    assert.equal(c.get('never'), undefined);
    c.write('a', bytes('two'));
    assert.equal(c.get('a')?.toString(), 'two', 'the newest write wins');
    const stats = cache.stats();
    assert.deepEqual([stats.hits, stats.misses, stats.entries], [3, 1, 2]);
  });

  it('hands out copies: a later write over the same bytes of the ring does not change a record already returned', () => {
    const cache = new RecordCache(MIN);
    const c = calls(cache);
    c.write('k', bytes('original'));
    const got = c.get('k')!;
    for (let i = 0; i < 5000; i++) c.write(`filler-${i}`, Buffer.alloc(40, i));
    assert.equal(got.toString(), 'original');
  });

  it('stays within its limit, entries and index overhead counted, and evicts the oldest first', () => {
    const cache = new RecordCache(MIN);
    const c = calls(cache);
    for (let i = 0; i < 20_000; i++) {
      c.write(`key-${i}`, Buffer.alloc(100, i));
      const { bytes: held, maxBytes } = cache.stats();
      assert.ok(held <= maxBytes, `${held} bytes held after ${i + 1} writes, limit ${maxBytes}`);
    }
    assert.equal(c.get('key-0'), undefined, 'the oldest went');
    assert.equal(c.get('key-19999')?.[0], 19_999 & 0xff, 'the newest stays');
    const { entries } = cache.stats();
    assert.ok(entries > 100 && entries * 100 <= MIN, `${entries} entries`);
  });

  it('keeps an entry that is read while it ages (copied to the front), and lets an unread one go', () => {
    const cache = new RecordCache(MIN);
    const c = calls(cache);
    c.write('hot', bytes('h'));
    c.write('cold', bytes('c'));
    for (let i = 0; i < 20_000; i++) {
      c.write(`key-${i}`, Buffer.alloc(60));
      if (i % 50 === 0) assert.equal(c.get('hot')?.toString(), 'h', `hot still there after ${i} writes`);
    }
    assert.equal(c.get('cold'), undefined);
  });

  it('does not hold a record too large for it, and forgets the key instead of keeping an older one', () => {
    const cache = new RecordCache(MIN);
    const c = calls(cache);
    c.write('big', bytes('small first'));
    c.write('big', Buffer.alloc(MIN));
    assert.equal(c.get('big'), undefined);
  });

  it('fills from a read only when no write of the key can have happened since the read started', () => {
    const cache = new RecordCache(MIN);
    const c = calls(cache);
    const before = cache.sequence;
    c.write('k', bytes('new'));
    c.fill('k', bytes('old, read before the write'), before);
    assert.equal(c.get('k')?.toString(), 'new', 'a key written since keeps the write');

    // The write's entry was evicted before the slow read came back: the read may be older, so it does not fill.
    const slow = cache.sequence;
    c.write('x', bytes('newer'));
    for (let i = 0; i < 20_000; i++) c.write(`filler-${i}`, Buffer.alloc(60));
    assert.equal(c.get('x'), undefined);
    c.fill('x', bytes('older'), slow);
    assert.equal(c.get('x'), undefined);

    // A read that started after every eviction fills; the cache is full, so it is let in on the fourth such miss.
    const admitted = [];
    for (let miss = 1; miss <= 4 && c.get('x') === undefined; miss++) {
      c.fill('x', bytes('current'), cache.sequence);
      if (c.get('x') !== undefined) admitted.push(miss);
    }
    assert.deepEqual(admitted, [4], 'one miss in four is admitted once the cache is full');
    assert.equal(c.get('x')?.toString(), 'current');
  });

  it('fills every miss while it has room, and one miss in four once full (a scan does not flush it)', () => {
    const roomy = new RecordCache(MIN);
    const r = calls(roomy);
    for (let i = 0; i < 100; i++) r.fill(`k${i}`, i % 2 ? null : bytes(`v${i}`), roomy.sequence);
    for (let i = 0; i < 100; i++) assert.equal(r.get(`k${i}`)?.toString() ?? r.get(`k${i}`), i % 2 ? null : `v${i}`);

    const full = new RecordCache(MIN);
    const f = calls(full);
    for (let i = 0; i < 20_000; i++) f.write(`hot-${i}`, Buffer.alloc(60));
    const resident = (): number => Array.from({ length: 20_000 }, (_, i) => f.get(`hot-${i}`)).filter((v) => v !== undefined).length;
    const before = resident();
    for (let i = 0; i < 4000; i++) f.fill(`scan-${i}`, Buffer.alloc(60), full.sequence);
    const scanned = Array.from({ length: 4000 }, (_, i) => f.get(`scan-${i}`)).filter((v) => v !== undefined).length;
    assert.ok(scanned > 0 && scanned <= 1000, `${scanned} of 4000 scanned keys let in`);
    assert.ok(resident() >= before - 1000, 'the scan evicted at most one entry a quarter of its misses');
  });

  for (const [name, hash] of [['the key hash', keyHash], ['a 3-bit hash (every key collides)', (k: Buffer) => keyHash(k) & 7]] as const) {
  it(`agrees with a plain map over random writes, deletes, fills and reads while the ring wraps, with ${name} (model check)`, () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    const cache = new RecordCache(MIN);
    const c = calls(cache, hash);
    const model = new Map<string, string | null>();
    let answered = 0;
    for (let step = 0; step < 100_000; step++) {
      const key = `k${random(2000)}`;
      const op = random(10);
      if (op < 4) {
        const value = `v${step}-${'x'.repeat(random(200))}`;
        c.write(key, bytes(value));
        model.set(key, value);
      } else if (op < 5) {
        c.write(key, null);
        model.set(key, null);
      } else if (op < 6) {
        // A read of the store that started now: it finds what the model holds.
        const value = model.get(key);
        c.fill(key, value === undefined || value === null ? null : bytes(value), cache.sequence);
        if (value === undefined) model.set(key, null);
      } else {
        const got = c.get(key);
        if (got === undefined) continue;
        answered++;
        const want = model.get(key);
        assert.equal(got === null ? null : got.toString(), want === undefined ? null : want, `step ${step}, ${key}`);
      }
      if (step % 1000 === 0) assert.ok(cache.stats().bytes <= MIN);
    }
    assert.ok(answered > 10_000, `the cache answered ${answered} reads`);
  });
  }

  it('is off below 64 KiB', () => {
    assert.equal(RecordCache.create(0), undefined);
    assert.equal(RecordCache.create(MIN - 1), undefined);
    assert.ok(RecordCache.create(MIN) instanceof RecordCache);
  });
});
