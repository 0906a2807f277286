/**
 * This node as a Paxos acceptor for the keys it is a home replica of. Each
 * key's state lives in the store's consensus keyspace and is written (and
 * fsync'ed when the node runs with `--sync`) before an answer leaves; the
 * steps on one key run one at a time, so concurrent proposers cannot both
 * read the same promise.
 *
 * Steps arrive in batches (a proposer's Batch stream message, or the calls
 * made in one tick in-process): a batch reads the states of all its keys in
 * one `getMany`, and writes every state it changed in one LevelDB batch.
 */
import { acceptRule, prepareRule, decodeAcceptorState, EMPTY_ACCEPTOR_STATE, encodeAcceptorState, MAX_REMEMBERED_OPS, OP_ID_BYTES, type RegisterValue } from '../../consensus/acceptor-state.js';
import type { AcceptorRequest, AcceptorResult, AcceptorTransport, AcceptReply, PrepareReply } from '../../consensus/acceptor-transport.js';
import { AutoBatcher } from '../../client/index.js';
import { ErrorCode, InvalidArgumentError } from '../../errors.js';
import { validateIndex, validateKey, validateValue } from '../../limits.js';
import { partitionOf } from '../../placement/partition.js';
import type { RecordKey, Store, StoredRecord } from '../../storage/store.js';
import { isVersion } from '../../version.js';

/** Most steps the in-process calls of one tick are gathered into. */
const LOCAL_BATCH = 1000;

interface Step {
  /** Position in the batch. */
  at: number;
  request: AcceptorRequest;
  address: RecordKey;
}

/** The local acceptor, behind the same interface as a remote one. */
export class LocalAcceptor implements AcceptorTransport {
  /** The tail of the batches queued per key (map key: partition, index and key bytes). */
  private readonly queues = new Map<string, Promise<void>>();
  /** Gathers the in-process calls of one tick into one batch. */
  private readonly local = new AutoBatcher<AcceptorRequest, AcceptorResult>((_group, requests) => this.run(requests), LOCAL_BATCH);

  constructor(
    private readonly store: Store,
    private readonly partitions: number,
    private readonly maxValueBytes: number,
  ) {}

  /** Phase 1: promises `ballot` unless a higher one was promised; answers what was accepted and what is stored. */
  async prepare(index: string, key: Buffer, ballot: Buffer): Promise<PrepareReply> {
    const result = await this.local.add('', { phase: 'prepare', index, key, ballot });
    if ('error' in result) throw result.error;
    return result.reply as PrepareReply;
  }

  /** Phase 2: accepts `value` under `ballot` unless a higher ballot was promised. */
  async accept(index: string, key: Buffer, ballot: Buffer, value: RegisterValue): Promise<AcceptReply> {
    const result = await this.local.add('', { phase: 'accept', index, key, ballot, value });
    if ('error' in result) throw result.error;
    return result.reply as AcceptReply;
  }

  /**
   * Runs a batch of steps; one result per request, in order. A request that
   * is invalid, or whose state cannot be read, fails alone. Steps on the
   * same key run in their order in the batch, and after every batch that
   * arrived before this one.
   */
  async run(requests: readonly AcceptorRequest[]): Promise<AcceptorResult[]> {
    const results: AcceptorResult[] = new Array(requests.length);
    // A key's n-th step in this batch goes to wave n: a wave holds each key once.
    const waves: Step[][] = [];
    const seen = new Map<string, number>();
    requests.forEach((request, at) => {
      try {
        const address = this.address(request.index, request.key, request.ballot);
        if (request.phase === 'accept') this.validateValue(request.value);
        const id = `${address.partition}\0${address.index}\0${address.key.toString('latin1')}`;
        const wave = seen.get(id) ?? 0;
        seen.set(id, wave + 1);
        (waves[wave] ??= []).push({ at, request, address });
      } catch (error) {
        results[at] = { error };
      }
    });
    if (waves.length === 0) return results;
    const release = await this.lock([...seen.keys()]);
    try {
      for (const wave of waves) await this.runWave(wave, results);
    } finally {
      release();
    }
    return results;
  }

  close(): void {
    // The node owns the store.
  }

  /** One read of every state (and, for prepares, record) of the wave, the rules, one write of every changed state. */
  private async runWave(wave: readonly Step[], results: AcceptorResult[]): Promise<void> {
    const prepares = wave.filter((s) => s.request.phase === 'prepare');
    let states: (Buffer | undefined)[];
    let stored: (StoredRecord | undefined)[];
    try {
      [states, stored] = await Promise.all([
        this.store.getPaxosStates(wave.map((s) => s.address)),
        prepares.length > 0 ? this.store.getMany(prepares.map((s) => s.address)) : [],
      ]);
    } catch (error) {
      for (const s of wave) results[s.at] = { error };
      return;
    }
    const writes: { key: RecordKey; state: Buffer }[] = [];
    const answers: { step: Step; result: AcceptorResult }[] = [];
    let nextPrepare = 0;
    wave.forEach((step, i) => {
      const record = step.request.phase === 'prepare' ? stored[nextPrepare++] : undefined;
      try {
        const bytes = states[i];
        const state = bytes ? decodeAcceptorState(bytes) : EMPTY_ACCEPTOR_STATE;
        const { request } = step;
        if (request.phase === 'prepare') {
          const { promised, next } = prepareRule(state, request.ballot);
          if (next) writes.push({ key: step.address, state: encodeAcceptorState(next) });
          const now = next ?? state;
          answers.push({ step, result: { phase: 'prepare', reply: { promised, promisedBallot: now.promised, acceptedBallot: now.acceptedBallot, accepted: now.accepted, stored: record } } });
        } else {
          const { accepted, next } = acceptRule(state, request.ballot, request.value);
          if (next) writes.push({ key: step.address, state: encodeAcceptorState(next) });
          answers.push({ step, result: { phase: 'accept', reply: { accepted, promisedBallot: (next ?? state).promised } } });
        }
      } catch (error) {
        // A state that does not decode fails its own step only.
        results[step.at] = { error };
      }
    });
    try {
      // Durable before any answer of the wave leaves.
      if (writes.length > 0) await this.store.putPaxosStates(writes);
    } catch (error) {
      for (const { step } of answers) results[step.at] = { error };
      return;
    }
    for (const { step, result } of answers) results[step.at] = result;
  }

  /**
   * Waits until every batch queued before on any of `ids` has finished, and
   * queues this one on all of them at once; resolves with the release. Since
   * a batch queues on all its keys in one go, in arrival order, batches wait
   * only for earlier ones: there is no cycle.
   */
  private async lock(ids: readonly string[]): Promise<() => void> {
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const before: Promise<void>[] = [];
    for (const id of ids) {
      const tail = this.queues.get(id);
      if (tail) before.push(tail);
      this.queues.set(id, done);
    }
    if (before.length > 0) await Promise.all(before);
    return () => {
      for (const id of ids) if (this.queues.get(id) === done) this.queues.delete(id);
      release();
    };
  }

  private address(index: string, key: Buffer, ballot: Buffer): RecordKey {
    validateIndex(index);
    validateKey(key);
    if (!isVersion(ballot)) throw new InvalidArgumentError(ErrorCode.InvalidArgument, `invalid ballot: ${ballot.length} bytes, expected 12`);
    return { partition: partitionOf(index, key, this.partitions), index, key };
  }

  private validateValue({ record, ops }: RegisterValue): void {
    validateValue(record.value, this.maxValueBytes);
    if (!isVersion(record.version)) throw new InvalidArgumentError(ErrorCode.InvalidArgument, `invalid version: ${record.version.length} bytes, expected 12`);
    if (!Number.isSafeInteger(record.expiresAt) || record.expiresAt < 0) throw new InvalidArgumentError(ErrorCode.InvalidArgument, `invalid expiry ${record.expiresAt}`);
    if (ops.length > MAX_REMEMBERED_OPS || ops.some((op) => op.length !== OP_ID_BYTES)) {
      throw new InvalidArgumentError(ErrorCode.InvalidArgument, `invalid operation ids: at most ${MAX_REMEMBERED_OPS} of ${OP_ID_BYTES} bytes`);
    }
  }
}
