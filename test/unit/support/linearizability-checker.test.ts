import assert from 'node:assert/strict';
import { checkLinearizable, registerModel, type HistoryOperation, type RegisterInput, type RegisterOutput } from '../../support/linearizability/index.js';

type Op = HistoryOperation<RegisterInput & { key?: string }, RegisterOutput>;
const read = (call: number, ret: number, value: string | null, key?: string): Op => ({ input: { kind: 'read', key }, call, ret, output: { kind: 'read', value } });
const write = (call: number, ret: number | undefined, value: string | null, key?: string): Op =>
  ({ input: { kind: 'write', value, key }, call, ret, output: ret === undefined ? undefined : { kind: 'write' } });
const cas = (call: number, ret: number, expected: string | null, value: string, applied: boolean): Op =>
  ({ input: { kind: 'cas', expected, value }, call, ret, output: { kind: 'cas', applied } });
const check = (history: Op[]): string => checkLinearizable(registerModel, history).verdict;

describe('linearizability checker (Wing-Gong with memoization, register with CAS)', () => {
  it('accepts a sequential history and an empty one', () => {
    assert.equal(check([]), 'ok');
    assert.equal(check([write(0, 1, 'a'), read(2, 3, 'a'), cas(4, 5, 'a', 'b', true), read(6, 7, 'b'), cas(8, 9, 'a', 'c', false), read(10, 11, 'b')]), 'ok');
  });

  it('accepts a read concurrent with a write seeing either value', () => {
    assert.equal(check([write(0, 10, 'a'), read(1, 2, null), read(3, 4, 'a')]), 'ok');
    assert.equal(check([write(0, 10, 'a'), read(1, 2, 'a')]), 'ok');
  });

  it('rejects a stale read after a write completed', () => {
    assert.equal(check([write(0, 1, 'a'), read(2, 3, null)]), 'illegal');
    assert.equal(check([write(0, 1, 'a'), write(2, 3, 'b'), read(4, 5, 'a')]), 'illegal');
  });

  it('rejects a value read back to its old state by a later read (no flip-flop)', () => {
    assert.equal(check([write(0, 10, 'a'), read(1, 2, 'a'), read(3, 4, null)]), 'illegal');
  });

  it('rejects two compare-and-sets from the same state that both applied', () => {
    assert.equal(check([cas(0, 5, null, 'a', true), cas(1, 6, null, 'b', true)]), 'illegal');
    assert.equal(check([cas(0, 5, null, 'a', true), cas(1, 6, null, 'b', false), read(7, 8, 'a')]), 'ok');
  });

  it('rejects a read of a value nobody wrote, and a failed CAS whose condition held', () => {
    assert.equal(check([write(0, 1, 'a'), read(2, 3, 'z')]), 'illegal');
    assert.equal(check([write(0, 1, 'a'), cas(2, 3, 'a', 'b', false)]), 'illegal');
  });

  it('lets an operation of unknown outcome take effect later, or never, but not undo itself', () => {
    assert.equal(check([write(0, undefined, 'x'), read(1, 2, null), read(3, 4, 'x')]), 'ok', 'took effect between the reads');
    assert.equal(check([write(0, undefined, 'x'), read(1, 2, null), read(3, 4, null)]), 'ok', 'never took effect');
    assert.equal(check([write(0, undefined, 'x'), read(1, 2, 'x'), read(3, 4, null)]), 'illegal');
    assert.equal(check([read(0, 1, 'x'), write(2, undefined, 'x')]), 'illegal', 'not before its call');
  });

  it('checks keys independently and names the key that fails', () => {
    const result = checkLinearizable(registerModel, [write(0, 1, 'a', 'k1'), read(2, 3, null, 'k2'), read(4, 5, 'a', 'k1'), write(6, 7, 'b', 'k2'), read(8, 9, null, 'k2')]);
    assert.equal(result.verdict, 'illegal');
    assert.equal(result.partition, 'k2');
  });

  it('handles many concurrent operations (memoization) and says unknown past its step budget', () => {
    const history: Op[] = [];
    for (let i = 0; i < 200; i++) history.push(write(i, i + 6, `v${i}`));
    history.push(read(300, 301, 'v199'));
    const result = checkLinearizable(registerModel, history);
    assert.equal(result.verdict, 'ok');
    history.push(read(302, 303, 'v197'));
    assert.equal(checkLinearizable(registerModel, history).verdict, 'illegal');
    assert.equal(checkLinearizable(registerModel, history, 10).verdict, 'unknown');
  });
});
