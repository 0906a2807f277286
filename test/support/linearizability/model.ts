/**
 * Sequential specifications for the linearizability checker: a model says,
 * for a state and an operation's input and output, whether the operation
 * could have produced that output, and the state after it.
 */

/** A sequential specification. */
export interface Model<S, I, O> {
  /** The state before any operation. */
  init(): S;
  /**
   * Applies an operation. `output` is undefined when the operation's outcome
   * is unknown (it timed out): any output is then admissible.
   */
  step(state: S, input: I, output: O | undefined): { ok: boolean; state: S };
  /** Equal states have equal keys (the checker caches on them). */
  key(state: S): string;
  /** Splits a history into independent parts (by key); one part when absent. */
  partition?(input: I): string;
}

/** An operation on a register of strings; `null` is "absent". */
export type RegisterInput =
  | { kind: 'read' }
  | { kind: 'write'; value: string | null }
  /** Writes `value` when the register holds `expected`. */
  | { kind: 'cas'; expected: string | null; value: string | null };

/** What a register operation answered. */
export type RegisterOutput =
  | { kind: 'read'; value: string | null }
  | { kind: 'write' }
  | { kind: 'cas'; applied: boolean };

/** A register with read, write and compare-and-set, one per key. */
export const registerModel: Model<string | null, RegisterInput & { key?: string }, RegisterOutput> = {
  init: () => null,
  step(state, input, output) {
    switch (input.kind) {
      case 'read':
        return { ok: output === undefined || (output.kind === 'read' && output.value === state), state };
      case 'write':
        return { ok: true, state: input.value };
      case 'cas': {
        const applies = state === input.expected;
        const ok = output === undefined || (output.kind === 'cas' && output.applied === applies);
        return { ok, state: applies ? input.value : state };
      }
    }
  },
  key: (state) => (state === null ? '\0' : `=${state}`),
  partition: (input) => input.key ?? '',
};
