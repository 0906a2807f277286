/**
 * A linearizability checker: the Wing–Gong search with Lowe's memoization,
 * as Porcupine (Athalye) implements it, over histories of operations with a
 * call time and a return time. Operations whose outcome is unknown (a timeout)
 * have no return time: they may take effect at any point after their call, or
 * never. Histories are split by the model's partition (P-compositionality,
 * Horn and Kroening) and each part is searched on its own.
 */
import type { Model } from './model.js';

/** One operation of a history. */
export interface HistoryOperation<I, O> {
  input: I;
  /** When it was called (any monotonic clock, e.g. ms). */
  call: number;
  /** What it answered; undefined when unknown (then `ret` is undefined too). */
  output?: O;
  /** When it returned; undefined when it never did (timed out). */
  ret?: number;
}

/** The checker's verdict. */
export type Verdict = 'ok' | 'illegal' | 'unknown';

/** A verdict, with the part of the history that failed. */
export interface CheckResult {
  verdict: Verdict;
  /** The partition that is not linearizable, when one is not. */
  partition?: string;
  /** Search steps taken, over all parts. */
  steps: number;
}

interface Entry<I, O> {
  id: number;
  isCall: boolean;
  time: number;
  op: HistoryOperation<I, O>;
  match?: Entry<I, O>;
  prev?: Entry<I, O>;
  next?: Entry<I, O>;
}

/**
 * Checks `history` against `model`. `maxSteps` bounds the search (the problem
 * is NP-complete): past it the verdict is `unknown`.
 */
export function checkLinearizable<S, I, O>(model: Model<S, I, O>, history: readonly HistoryOperation<I, O>[], maxSteps = 5_000_000): CheckResult {
  const parts = new Map<string, HistoryOperation<I, O>[]>();
  for (const op of history) {
    const part = model.partition?.(op.input) ?? '';
    let list = parts.get(part);
    if (!list) parts.set(part, (list = []));
    list.push(op);
  }
  let steps = 0;
  for (const [partition, ops] of parts) {
    const { verdict, steps: used } = checkPart(model, ops, maxSteps - steps);
    steps += used;
    if (verdict !== 'ok') return { verdict, partition, steps };
  }
  return { verdict: 'ok', steps };
}

function checkPart<S, I, O>(model: Model<S, I, O>, ops: readonly HistoryOperation<I, O>[], maxSteps: number): { verdict: Verdict; steps: number } {
  const head = buildList(ops);
  const n = ops.length;
  const linearized = new Uint32Array(Math.ceil(n / 32) + 1);
  const cache = new Set<string>();
  const calls: { entry: Entry<I, O>; state: S }[] = [];
  let state = model.init();
  let entry = head.next;
  let steps = 0;
  while (head.next) {
    if (++steps > maxSteps) return { verdict: 'unknown', steps };
    if (!entry) return { verdict: 'illegal', steps };
    if (entry.isCall) {
      const result = model.step(state, entry.op.input, entry.op.output);
      if (result.ok) {
        set(linearized, entry.id, true);
        const key = `${Array.from(linearized).join(',')}|${model.key(result.state)}`;
        if (!cache.has(key)) {
          cache.add(key);
          calls.push({ entry, state });
          state = result.state;
          lift(entry);
          entry = head.next;
          continue;
        }
        set(linearized, entry.id, false);
      }
      entry = entry.next;
    } else {
      // A return whose call is not linearized yet: undo the last choice.
      const last = calls.pop();
      if (!last) return { verdict: 'illegal', steps };
      state = last.state;
      set(linearized, last.entry.id, false);
      unlift(last.entry);
      entry = last.entry.next;
    }
  }
  return { verdict: 'ok', steps };
}

/** The call and return events in time order (calls first on ties), as a list after a sentinel head. */
function buildList<I, O>(ops: readonly HistoryOperation<I, O>[]): Entry<I, O> {
  const events: Entry<I, O>[] = [];
  ops.forEach((op, id) => {
    const call: Entry<I, O> = { id, isCall: true, time: op.call, op };
    // An operation that never returned may take effect at any time after its call: its return goes last.
    const ret: Entry<I, O> = { id, isCall: false, time: op.ret ?? Number.POSITIVE_INFINITY, op };
    call.match = ret;
    events.push(call, ret);
  });
  events.sort((a, b) => a.time - b.time || Number(b.isCall) - Number(a.isCall));
  const head: Entry<I, O> = { id: -1, isCall: false, time: Number.NEGATIVE_INFINITY, op: undefined as never };
  let prev = head;
  for (const e of events) {
    prev.next = e;
    e.prev = prev;
    prev = e;
  }
  return head;
}

/** Removes a call and its return from the list. */
function lift<I, O>(call: Entry<I, O>): void {
  call.prev!.next = call.next;
  if (call.next) call.next.prev = call.prev;
  const ret = call.match!;
  ret.prev!.next = ret.next;
  if (ret.next) ret.next.prev = ret.prev;
}

/** Puts a lifted call and its return back where they were. */
function unlift<I, O>(call: Entry<I, O>): void {
  const ret = call.match!;
  ret.prev!.next = ret;
  if (ret.next) ret.next.prev = ret;
  call.prev!.next = call;
  if (call.next) call.next.prev = call;
}

function set(bits: Uint32Array, i: number, on: boolean): void {
  const word = i >>> 5;
  const mask = 1 << (i & 31);
  bits[word] = on ? bits[word]! | mask : bits[word]! & ~mask;
}
