/**
 * This node as a Paxos acceptor for the keys it is a home replica of. Each
 * key's state lives in the store's consensus keyspace and is written (and
 * fsync'ed when the node runs with `--sync`) before an answer leaves; the
 * steps on one key run one at a time, so concurrent proposers cannot both
 * read the same promise.
 */
import { acceptRule, prepareRule, decodeAcceptorState, EMPTY_ACCEPTOR_STATE, encodeAcceptorState, MAX_REMEMBERED_OPS, OP_ID_BYTES, type AcceptorState, type RegisterValue } from '../../consensus/acceptor-state.js';
import type { AcceptorTransport, AcceptReply, PrepareReply } from '../../consensus/acceptor-transport.js';
import { ErrorCode, InvalidArgumentError } from '../../errors.js';
import { validateIndex, validateKey, validateValue } from '../../limits.js';
import { partitionOf } from '../../placement/partition.js';
import type { RecordKey, Store } from '../../storage/store.js';
import { isVersion } from '../../version.js';

/** The local acceptor, behind the same interface as a remote one. */
export class LocalAcceptor implements AcceptorTransport {
  /** The tail of the steps queued per key (map key: partition, index and key bytes). */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    private readonly store: Store,
    private readonly partitions: number,
    private readonly maxValueBytes: number,
  ) {}

  /** Phase 1: promises `ballot` unless a higher one was promised; answers what was accepted and what is stored. */
  async prepare(index: string, key: Buffer, ballot: Buffer): Promise<PrepareReply> {
    const address = this.address(index, key, ballot);
    return this.serialise(address, async () => {
      const state = await this.load(address);
      const [stored] = await this.store.getMany([address]);
      const { promised, next } = prepareRule(state, ballot);
      if (next) await this.store.putPaxosState(address, encodeAcceptorState(next));
      const now = next ?? state;
      return { promised, promisedBallot: now.promised, acceptedBallot: now.acceptedBallot, accepted: now.accepted, stored };
    });
  }

  /** Phase 2: accepts `value` under `ballot` unless a higher ballot was promised. */
  async accept(index: string, key: Buffer, ballot: Buffer, value: RegisterValue): Promise<AcceptReply> {
    const address = this.address(index, key, ballot);
    this.validateValue(value);
    return this.serialise(address, async () => {
      const state = await this.load(address);
      const { accepted, next } = acceptRule(state, ballot, value);
      if (next) await this.store.putPaxosState(address, encodeAcceptorState(next));
      return { accepted, promisedBallot: (next ?? state).promised };
    });
  }

  close(): void {
    // The node owns the store.
  }

  private async load(address: RecordKey): Promise<AcceptorState> {
    const bytes = await this.store.getPaxosState(address);
    return bytes ? decodeAcceptorState(bytes) : EMPTY_ACCEPTOR_STATE;
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

  private serialise<T>(address: RecordKey, step: () => Promise<T>): Promise<T> {
    const id = `${address.partition}\0${address.index}\0${address.key.toString('latin1')}`;
    const run = (this.queues.get(id) ?? Promise.resolve()).then(step, step);
    const tail = run.then(noop, noop);
    this.queues.set(id, tail);
    void tail.then(() => {
      if (this.queues.get(id) === tail) this.queues.delete(id);
    });
    return run;
  }
}

function noop(): void {
  // Only the order matters here.
}
