// Backoff after failures and the query token bucket, with an injected clock and randomness.
import assert from 'node:assert/strict';
import { Backoff, TokenBucket } from '../../../src/discovery/consul-pacing.js';

describe('Consul pacing', () => {
  it('backs off exponentially within [ceiling/2, ceiling], capped, and starts over after reset', () => {
    const low = new Backoff(100, 1000, () => 0);
    assert.deepEqual([low.next(), low.next(), low.next(), low.next(), low.next(), low.next()], [50, 100, 200, 400, 500, 500]);
    const high = new Backoff(100, 1000, () => 1);
    assert.deepEqual([high.next(), high.next(), high.next(), high.next(), high.next()], [100, 200, 400, 800, 1000]);
    high.reset();
    assert.equal(high.next(), 100);
  });

  it('lets a burst of 2 through at once, then one query per refill period', () => {
    let now = 0;
    const bucket = new TokenBucket(2, 250, () => now);
    assert.deepEqual([bucket.take(), bucket.take()], [0, 0]);
    assert.equal(bucket.take(), 250);
    now = 250;
    assert.equal(bucket.take(), 250, 'the token that refilled was already reserved');
    now = 10_000;
    assert.deepEqual([bucket.take(), bucket.take(), bucket.take()], [0, 0, 250], 'refills up to the burst only');
  });
});
