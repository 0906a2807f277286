import assert from 'node:assert/strict';
import { MembershipLog, MAX_MEMBERSHIP_ENTRIES, type MembershipEntry } from '../../../src/discovery/membership-log.js';
import { ErrorCode, type DstashError } from '../../../src/index.js';

describe('membership log', () => {
  it('keeps the newer event of each address, a leave winning a tie, whatever the order of merges', () => {
    const events: MembershipEntry[] = [
      { address: 'a:1', left: false, atMs: 0 },
      { address: 'b:1', left: false, atMs: 10 },
      { address: 'b:1', left: true, atMs: 20 },
      { address: 'c:1', left: false, atMs: 30 },
      { address: 'c:1', left: true, atMs: 30 },
      { address: 'd:1', left: true, atMs: 5 },
      { address: 'd:1', left: false, atMs: 6 },
    ];
    const forward = new MembershipLog();
    for (const e of events) forward.merge([e]);
    const backward = new MembershipLog();
    for (const e of [...events].reverse()) backward.merge([e]);
    assert.deepEqual(forward.members(), ['a:1', 'd:1']);
    assert.deepEqual(backward.members(), forward.members());
  });

  it('says whether the member list changed', () => {
    const log = new MembershipLog();
    assert.equal(log.join('a:1', 5), true);
    assert.equal(log.join('a:1', 6), false, 'a newer join of a member changes no list');
    assert.equal(log.leave('a:1', 4), false, 'an older leave loses');
    assert.equal(log.leave('a:1', 7), true);
    assert.equal(log.has('a:1'), false);
  });

  it('rejects malformed addresses and oversized exchanges with a stable code', () => {
    const log = new MembershipLog();
    const invalid = (code: string) => (e: DstashError) => e.code === code;
    assert.throws(() => log.merge([{ address: 'not an address', left: false, atMs: 1 }]), invalid(ErrorCode.InvalidOptions));
    const many = Array.from({ length: MAX_MEMBERSHIP_ENTRIES + 1 }, (_, i) => ({ address: `h${i}:1`, left: false, atMs: 1 }));
    assert.throws(() => log.merge(many), invalid(ErrorCode.InvalidArgument));
    assert.deepEqual(log.members(), []);
  });
});
