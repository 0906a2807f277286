import assert from 'node:assert/strict';
import { beyondBound, clockSample, OWN_CLOCK, outOfBounds } from '../../../src/client/clock-offsets.js';

describe('clock offsets: NTP-style measurement and the majority rule', () => {
  it('takes the offset against the midpoint of the round trip', () => {
    // Sent at 1000, answered 1100 by a clock that read 61_050: one minute ahead, ±50 ms.
    assert.deepEqual(clockSample(1000, 61_050, 1100), { offsetMs: 60_000, rttMs: 100 });
    assert.deepEqual(clockSample(1000, 950, 1000), { offsetMs: -50, rttMs: 0 });
  });

  it('counts an offset as beyond the bound only past the round-trip uncertainty', () => {
    assert.equal(beyondBound(OWN_CLOCK, { offsetMs: 600, rttMs: 0 }, 500), true);
    assert.equal(beyondBound(OWN_CLOCK, { offsetMs: -600, rttMs: 0 }, 500), true);
    // A slow round trip (load) makes the same reading uncertain: no alarm.
    assert.equal(beyondBound(OWN_CLOCK, { offsetMs: 600, rttMs: 400 }, 500), false);
    assert.equal(beyondBound({ offsetMs: 300, rttMs: 0 }, { offsetMs: -300, rttMs: 0 }, 500), true);
    assert.equal(beyondBound({ offsetMs: 300, rttMs: 0 }, { offsetMs: 300, rttMs: 0 }, 500), false);
  });

  it('is out of bounds only beyond a majority of the members; unmeasured members count as within', () => {
    const hourAhead = { offsetMs: 3_600_000, rttMs: 2 };
    const near = { offsetMs: 3, rttMs: 2 };
    assert.equal(outOfBounds(OWN_CLOCK, [near, hourAhead, hourAhead], 500), true, 'two of three an hour away');
    assert.equal(outOfBounds(OWN_CLOCK, [near, near, hourAhead], 500), false, 'one of three');
    assert.equal(outOfBounds(OWN_CLOCK, [hourAhead, undefined, undefined], 500), false, 'only one measured');
    assert.equal(outOfBounds(OWN_CLOCK, [near, hourAhead], 500), false, 'a tie is not a majority');
    // The member an hour ahead, judged against the others from the same vantage point.
    assert.equal(outOfBounds(hourAhead, [near, near, hourAhead], 500), true);
    assert.equal(outOfBounds(near, [near, near, hourAhead], 500), false);
  });
});
