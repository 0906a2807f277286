/**
 * A remote acceptor over gRPC: the internal dstash.v1.Paxos service. The
 * prepares and accepts made in one tick, on any keys, are gathered
 * (auto-batching) and sent as one message of the `Batch` stream, as single
 * puts ride the Apply stream; one unary call per phase cost more CPU than
 * the consensus itself. A node of an earlier version, which has no Batch
 * stream, gets the unary Prepare and Accept calls instead.
 */
import type * as grpc from '@grpc/grpc-js';
import type { RegisterValue } from '../../consensus/acceptor-state.js';
import type { AcceptorRequest, AcceptorResult, AcceptorTransport, AcceptReply, PrepareReply } from '../../consensus/acceptor-transport.js';
import { DstashError, ErrorCode, hasCode } from '../../errors.js';
import { PaxosService } from '../../protocol/definitions.js';
import type { PaxosBatch } from '../../protocol/generated/dstash/v1/PaxosBatch.js';
import type { PaxosBatchResult__Output } from '../../protocol/generated/dstash/v1/PaxosBatchResult.js';
import type { PaxosClient } from '../../protocol/generated/dstash/v1/Paxos.js';
import { fromAcceptResponse, fromPaxosEntryResult, fromPrepareResponse, toPaxosEntry, toPaxosValue } from '../../protocol/paxos-wire.js';
import { fromServiceError } from '../../protocol/status.js';
import { AutoBatcher } from '../auto-batcher.js';
import { BatchStream } from '../batch-stream.js';
import type { CoordinatorOptions } from '../client-options.js';
import { channelOptions } from '../grpc-replica-transport.js';
import { withToken, type TokenSource } from '../../protocol/bearer-token.js';

/** What bounds the transport's messages (the coordinator's options of the same names). */
export type AcceptorTransportLimits = Pick<CoordinatorOptions, 'maxMessageBytes' | 'maxBatchEntries' | 'maxBatchBytes'>;

/** One step waiting for its batch: the request, and when its caller stops waiting (Date.now()). */
interface Queued {
  request: AcceptorRequest;
  deadline: number;
}

/** A step's result, settling when its own answer comes (not when the whole batch's does). */
interface Pending {
  result: Promise<AcceptorResult>;
}

/** How long steps go as unary calls after a node said it has no Batch stream, before the stream is tried again. */
const UNARY_FALLBACK_MS = 60_000;

/** Bytes of a step besides its key and value: index, ballot, record fields and framing, about. */
const STEP_OVERHEAD = 128;

/** One remote acceptor. */
export class GrpcAcceptorTransport implements AcceptorTransport {
  private readonly client: PaxosClient;
  private readonly stream: BatchStream<PaxosBatch, PaxosBatchResult__Output>;
  private readonly batcher: AutoBatcher<Queued, Pending>;
  /** Until then (Date.now()), steps go as unary calls: the node answered that it has no Batch stream. */
  private unaryUntil = 0;

  constructor(
    readonly address: string,
    credentials: grpc.ChannelCredentials,
    limits: AcceptorTransportLimits,
    token?: TokenSource | string,
  ) {
    this.client = new PaxosService(address, credentials, withToken(channelOptions(limits.maxMessageBytes), token));
    this.stream = new BatchStream(() => this.client.Batch(), address, (batch) => batch.entries?.length ?? 0);
    this.batcher = new AutoBatcher((_group, steps) => this.sendBatch(steps), limits.maxBatchEntries, { sizeOf: stepBytes, maxBytes: limits.maxBatchBytes });
  }

  /** Batch messages sent so far. */
  get messagesSent(): number {
    return this.stream.messagesSent;
  }

  async prepare(index: string, key: Buffer, ballot: Buffer, timeoutMs: number): Promise<PrepareReply> {
    return (await this.step({ phase: 'prepare', index, key, ballot }, timeoutMs)) as PrepareReply;
  }

  async accept(index: string, key: Buffer, ballot: Buffer, value: RegisterValue, timeoutMs: number): Promise<AcceptReply> {
    return (await this.step({ phase: 'accept', index, key, ballot, value }, timeoutMs)) as AcceptReply;
  }

  /** Ends the stream; steps in flight fail with DSTASH_CLOSED. */
  close(): void {
    this.stream.close();
    this.client.close();
  }

  private async step(request: AcceptorRequest, timeoutMs: number): Promise<PrepareReply | AcceptReply> {
    const deadline = Date.now() + timeoutMs;
    const settled = Date.now() < this.unaryUntil ? await this.unaryStep(request, deadline) : await (await this.batcher.add('', { request, deadline })).result;
    if ('error' in settled) throw settled.error;
    return settled.reply;
  }

  /**
   * Sends one batch; each step's result settles on its own. The message
   * waits as long as its most patient step; a step whose own deadline comes
   * first fails then with DSTASH_TIMEOUT (its answer, should it come later,
   * is dropped).
   */
  private async sendBatch(steps: readonly Queued[]): Promise<Pending[]> {
    const now = Date.now();
    const deadline = Math.max(...steps.map((s) => s.deadline));
    const answer = this.stream.send({ id: 0, entries: steps.map((s) => toPaxosEntry(s.request)) }, Math.max(1, deadline - now)).then((res) => {
      if (res.results.length !== steps.length) throw new DstashError(ErrorCode.Internal, `${this.address} answered ${res.results.length} results to a batch of ${steps.length}`);
      return res.results.map((r, i) => fromPaxosEntryResult(r, steps[i]!.request.phase));
    }, (err: unknown) => {
      if (!hasCode(err, ErrorCode.Unsupported)) throw err;
      // A node of an earlier version, without the Batch stream (nothing of the batch ran): one call per step for a while.
      this.unaryUntil = Date.now() + UNARY_FALLBACK_MS;
      return Promise.all(steps.map((s) => this.unaryStep(s.request, s.deadline)));
    });
    return steps.map((s, i) => {
      const own = answer.then((all) => all[i]!);
      return { result: s.deadline === deadline ? own : this.within(own, s.deadline - now) };
    });
  }

  /** One step as a unary call (Prepare or Accept), for nodes without the Batch stream. */
  private unaryStep(request: AcceptorRequest, deadline: number): Promise<AcceptorResult> {
    return new Promise((resolve) => {
      const { index, key, ballot } = request;
      const done = (err: grpc.ServiceError | null): boolean => {
        if (err) resolve({ error: fromServiceError(err, this.address) });
        return !err;
      };
      if (request.phase === 'prepare') {
        this.client.Prepare({ index, key, ballot }, { deadline }, (err, res) => done(err) && resolve({ phase: 'prepare', reply: fromPrepareResponse(res!) }));
      } else {
        this.client.Accept({ index, key, ballot, value: toPaxosValue(key, request.value) }, { deadline }, (err, res) => done(err) && resolve({ phase: 'accept', reply: fromAcceptResponse(res!) }));
      }
    });
  }

  /** `answer`, or a DSTASH_TIMEOUT result after `ms`. */
  private within(answer: Promise<AcceptorResult>, ms: number): Promise<AcceptorResult> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve({ error: this.timeout(ms) }), Math.max(1, ms));
      answer.then((r) => {
        clearTimeout(timer);
        resolve(r);
      }, (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  }

  private timeout(ms: number): DstashError {
    return new DstashError(ErrorCode.Timeout, `${this.address} did not answer a Paxos step within ${ms} ms (option timeoutMs)`);
  }
}

function stepBytes({ request }: Queued): number {
  return request.key.length * (request.phase === 'accept' ? 2 : 1) + (request.phase === 'accept' ? request.value.record.value.length + request.value.ops.length * 16 : 0) + STEP_OVERHEAD;
}
