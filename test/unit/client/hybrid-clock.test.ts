import assert from 'node:assert/strict';
import { encodeVersion, HybridClock, versionTime, versionWriter } from '../../../src/version.js';

describe('hybrid clock: bounded by the maximum clock offset', () => {
  const physical = 1_700_000_000_000;

  it('ignores a version further ahead than the maximum offset, so later stamps stay on the physical clock', () => {
    const clock = new HybridClock(7, () => physical, 500);
    assert.equal(clock.observe(encodeVersion(physical + 3_600_000, 0, 9)), false);
    assert.equal(versionTime(clock.now()), physical);
  });

  it('moves past a version within the maximum offset', () => {
    const clock = new HybridClock(7, () => physical, 500);
    assert.equal(clock.observe(encodeVersion(physical + 400, 3, 9)), true);
    const next = clock.now();
    assert.equal(versionTime(next), physical + 400);
    assert.equal(next.readUInt16BE(6), 4);
  });

  it('names the writer of a version', () => {
    assert.equal(versionWriter(encodeVersion(physical, 0, 0xabc)), '00000abc');
  });
});
