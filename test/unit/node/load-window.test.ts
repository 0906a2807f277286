import assert from 'node:assert/strict';
import { LoadWindow } from '../../../src/node/metrics/load-window.js';

describe('LoadWindow: requests and p99 of the last minutes', () => {
  it('counts requests per window and reports the p99 bucket bound', () => {
    let now = 1_000_000;
    const w = new LoadWindow(1000, 5, () => now);
    for (let i = 0; i < 99; i++) w.record(1);
    w.record(500);
    let samples = w.samples();
    assert.equal(samples.length, 5);
    const last = samples.at(-1)!;
    assert.equal(last.startMs, 1_000_000);
    assert.equal(last.requests, 100);
    assert.ok(last.p99Ms >= 1 && last.p99Ms < 1.3, `p99 ${last.p99Ms} is the bound of the bucket holding 1 ms`);
    now += 1000;
    for (let i = 0; i < 10; i++) w.record(500);
    samples = w.samples();
    assert.deepEqual(samples.slice(-2).map((s) => s.requests), [100, 10]);
    assert.ok(samples.at(-1)!.p99Ms >= 500 && samples.at(-1)!.p99Ms < 625);
    assert.deepEqual(samples.slice(0, 3).map((s) => s.requests), [0, 0, 0], 'windows without requests count 0');
  });

  it('forgets windows older than the ring, and reuses their slots', () => {
    let now = 0;
    const w = new LoadWindow(1000, 3, () => now);
    w.record(2);
    now = 3000; // the slot of window 0 is window 3's now
    w.record(2);
    w.record(2);
    const samples = w.samples();
    assert.deepEqual(samples.map((s) => [s.startMs, s.requests]), [[1000, 0], [2000, 0], [3000, 2]]);
    now = 10_000;
    assert.ok(w.samples().every((s) => s.requests === 0 && s.p99Ms === 0), 'nothing left after a long pause');
  });
});
