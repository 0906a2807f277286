import assert from 'node:assert/strict';
import { applyOperation, conditionHolds, counterOf, liveRecord } from '../../../src/consensus/serial-operation.js';
import { currentValue, provablyAbsent } from '../../../src/client/consensus/proposer.js';
import { MAX_REMEMBERED_OPS } from '../../../src/consensus/acceptor-state.js';
import { ErrorCode, hasCode } from '../../../src/errors.js';
import { encodeVersion } from '../../../src/version.js';

const v = (ms: number): Buffer => encodeVersion(ms, 0, 1);
const rec = (text: string, ms: number, extra: { expiresAt?: number; tombstone?: boolean } = {}) => ({ value: Buffer.from(text), version: v(ms), expiresAt: 0, tombstone: false, ...extra });
const NOW = 1_000_000;

describe('serial operations as change functions', () => {
  it('compare-and-set writes under the ballot only when the condition holds', () => {
    const current = rec('a', 5);
    const ok = applyOperation({ kind: 'set', expect: { version: v(5) }, value: Buffer.from('b'), ttlMs: 0 }, current, v(9), NOW, 100);
    assert.equal(ok.outcome.applied, true);
    assert.deepEqual(ok.write?.version, v(9));
    const stale = applyOperation({ kind: 'set', expect: { version: v(4) }, value: Buffer.from('b'), ttlMs: 0 }, current, v(9), NOW, 100);
    assert.equal(stale.write, undefined);
    assert.deepEqual(stale.outcome, { applied: false, found: true, value: Buffer.from('a'), version: v(5), expiresAt: 0 });
    assert.equal(applyOperation({ kind: 'set', expect: { absent: true }, value: Buffer.from('b'), ttlMs: 0 }, current, v(9), NOW, 100).outcome.applied, false);
    const created = applyOperation({ kind: 'set', expect: { absent: true }, value: Buffer.from('b'), ttlMs: 50 }, undefined, v(9), NOW, 100);
    assert.equal(created.write?.expiresAt, NOW + 50);
    // `present`: any live version (HTTP's If-Match: *, the SDK's 'present').
    assert.equal(applyOperation({ kind: 'set', expect: { present: true }, value: Buffer.from('b'), ttlMs: 0 }, current, v(9), NOW, 100).outcome.applied, true);
    const none = applyOperation({ kind: 'set', expect: { present: true }, value: Buffer.from('b'), ttlMs: 0 }, undefined, v(9), NOW, 100);
    assert.equal(none.write, undefined);
    assert.equal(none.outcome.applied, false);
  });

  it('version lists and conjunctions: any of, none of (an absent key is at none), all of', () => {
    assert.equal(conditionHolds({ anyVersion: [v(4), v(5)] }, v(5)), true);
    assert.equal(conditionHolds({ anyVersion: [v(4)] }, v(5)), false);
    assert.equal(conditionHolds({ anyVersion: [] }, v(5)), false, 'an empty list never holds');
    assert.equal(conditionHolds({ anyVersion: [v(5)] }, undefined), false);
    assert.equal(conditionHolds({ noVersion: [v(4), v(5)] }, v(5)), false);
    assert.equal(conditionHolds({ noVersion: [v(4)] }, v(5)), true);
    assert.equal(conditionHolds({ noVersion: [v(5)] }, undefined), true);
    assert.equal(conditionHolds({ all: [{ present: true }, { noVersion: [v(4)] }] }, v(5)), true);
    assert.equal(conditionHolds({ all: [{ present: true }, { absent: true }] }, v(5)), false);
    assert.equal(conditionHolds({ all: [{ present: true }, { absent: true }] }, undefined), false);
    const kept = applyOperation({ kind: 'delete', expect: { all: [{ anyVersion: [v(5)] }, { noVersion: [v(5)] }] } }, rec('a', 5), v(9), NOW, 100);
    assert.equal(kept.outcome.applied, false);
    assert.equal(kept.write, undefined);
  });

  it('deletes with a tombstone; appends and increments keep the expiry', () => {
    assert.equal(applyOperation({ kind: 'delete', expect: { version: v(5) } }, rec('a', 5), v(9), NOW, 100).write?.tombstone, true);
    const appended = applyOperation({ kind: 'append', value: Buffer.from('cd') }, rec('ab', 5, { expiresAt: NOW + 10 }), v(9), NOW, 100);
    assert.equal(appended.write?.value.toString(), 'abcd');
    assert.equal(appended.write?.expiresAt, NOW + 10);
    assert.throws(() => applyOperation({ kind: 'append', value: Buffer.alloc(99) }, rec('ab', 5), v(9), NOW, 100), (err) => hasCode(err, ErrorCode.InvalidValue));
    assert.equal(applyOperation({ kind: 'increment', by: 5n }, undefined, v(9), NOW, 100).write?.value.toString(), '5');
    assert.equal(applyOperation({ kind: 'increment', by: -7n }, rec('5', 1), v(9), NOW, 100).write?.value.toString(), '-2');
  });

  it('counters are signed 64-bit ASCII decimals; anything else is not a counter, overflow is refused', () => {
    assert.equal(counterOf(rec('9223372036854775807', 1)), 2n ** 63n - 1n);
    for (const bad of ['', '01', '1.5', ' 1', 'x', '9223372036854775808', '-0x1']) {
      assert.throws(() => counterOf(rec(bad, 1)), (err) => hasCode(err, ErrorCode.NotACounter), bad);
    }
    assert.throws(() => applyOperation({ kind: 'increment', by: 1n }, rec('9223372036854775807', 1), v(9), NOW, 100), (err) => hasCode(err, ErrorCode.InvalidArgument));
  });

  it('an expired record or a tombstone reads as absent', () => {
    assert.equal(liveRecord(rec('a', 1, { expiresAt: NOW - 1 }), NOW), undefined);
    assert.equal(liveRecord(rec('', 1, { tombstone: true }), NOW), undefined);
    assert.ok(liveRecord(rec('a', 1, { expiresAt: NOW + 1 }), NOW));
  });

  it('the current value is the accepted value of the highest ballot unless a stored record is newer', () => {
    const accepted = (ballotMs: number, text: string, versionMs: number) => ({ promised: true, promisedBallot: v(99), acceptedBallot: v(ballotMs), accepted: { record: rec(text, versionMs), ops: [] } });
    const inFlight = currentValue([accepted(8, 'new', 8), { promised: true, promisedBallot: v(99), acceptedBallot: v(3), accepted: { record: rec('old', 3), ops: [] }, stored: rec('old', 3) }]);
    assert.equal(inFlight.current?.record.value.toString(), 'new');
    assert.equal(inFlight.committed, false, 'no replica stores it yet: it must be finished');
    const committed = currentValue([accepted(8, 'new', 8), { promised: true, promisedBallot: v(99), acceptedBallot: Buffer.alloc(0), stored: rec('new', 8) }]);
    assert.equal(committed.committed, true);
    const plainNewer = currentValue([accepted(8, 'new', 8), { promised: true, promisedBallot: v(99), acceptedBallot: Buffer.alloc(0), stored: rec('plain', 20) }]);
    assert.equal(plainNewer.current?.record.value.toString(), 'plain');
    assert.deepEqual(currentValue([]), { current: undefined, committed: true });
  });

  it('tells an unanswered attempt provably absent only when the remembered operations reach back past its ballot', () => {
    const op = (ms: number): Buffer => Buffer.concat([v(ms), Buffer.alloc(4, 1)]);
    const mine = op(50);
    const value = (ops: Buffer[]) => ({ record: rec('x', 99), ops });
    assert.equal(provablyAbsent(undefined, mine), true);
    assert.equal(provablyAbsent(value([op(60), mine, op(40)]), mine), false, 'it is there');
    assert.equal(provablyAbsent(value([op(60), op(40)]), mine), true, 'fewer than the window: the whole history is there');
    const full = (oldest: number) => value(Array.from({ length: MAX_REMEMBERED_OPS }, (_, i) => op(oldest + MAX_REMEMBERED_OPS - 1 - i)));
    assert.equal(provablyAbsent(full(10), mine), true, 'the window reaches back past it');
    assert.equal(provablyAbsent(full(51), mine), false, 'the window starts after it: it may have fallen out');
  });
});
