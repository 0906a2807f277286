/** The linearizability checker and the models the tests check against. */
export { checkLinearizable, type CheckResult, type HistoryOperation, type Verdict } from './checker.js';
export { registerModel, type Model, type RegisterInput, type RegisterOutput } from './model.js';
