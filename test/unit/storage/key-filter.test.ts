/** KeyFilter: never rules out a key it was given, and rules out most others. */
import assert from 'node:assert/strict';
import { KeyFilter } from '../../../src/storage/key-filter.js';
import { encodeDataKey } from '../../../src/storage/key-layout.js';

describe('KeyFilter', () => {
  const dataKey = (i: number): Buffer => encodeDataKey(i % 1024, 'default', Buffer.from(`key-${i}`));

  it('answers "maybe" for every key until it is complete', () => {
    const filter = new KeyFilter(1024);
    assert.equal(filter.ready, false);
    assert.equal(filter.mayContain(dataKey(1)), true);
    filter.markComplete();
    assert.equal(filter.ready, true);
    assert.equal(filter.mayContain(dataKey(1)), false);
  });

  it('never rules out an added key, and rules out most others', () => {
    const filter = new KeyFilter(1 << 20);
    filter.markComplete();
    const n = 100_000;
    for (let i = 0; i < n; i++) filter.add(dataKey(i));
    for (let i = 0; i < n; i++) assert.equal(filter.mayContain(dataKey(i)), true, `key ${i}`);
    let maybe = 0;
    for (let i = n; i < 2 * n; i++) if (filter.mayContain(dataKey(i))) maybe += 1;
    // 8 Mbit for 100k keys, 4 probes: about 0.01% expected; 1% is a broken hash.
    assert.ok(maybe < n / 100, `${maybe} false "maybe" answers of ${n}`);
  });

  it('tells keys apart by every byte, the empty key included', () => {
    const filter = new KeyFilter(1 << 16);
    filter.markComplete();
    filter.add(Buffer.from([1, 2, 3]));
    assert.equal(filter.mayContain(Buffer.from([1, 2, 3])), true);
    filter.add(Buffer.alloc(0));
    assert.equal(filter.mayContain(Buffer.alloc(0)), true);
  });
});
