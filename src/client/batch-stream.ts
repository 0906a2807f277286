/**
 * Many batches over one bidirectional stream: each request gets an id, each
 * answer is matched back to its caller by that id. An answer too large for
 * one message comes in several with the same id, their results in order: the
 * batch is answered once it holds one result per entry. A stream that fails fails
 * only the batches sent on it; the next batch opens a new one, so a node that
 * comes back is used again without re-creating anything.
 */
import type * as grpc from '@grpc/grpc-js';
import { DstashError, ErrorCode } from '../errors.js';
import { fromServiceError } from '../protocol/status.js';

interface Pending<Res> {
  resolve(res: Res): void;
  reject(err: DstashError): void;
  timer: NodeJS.Timeout;
  /** Entries of the batch: results to wait for. */
  entries: number;
  /** The parts received so far, when the answer came split. */
  parts?: Res[];
  received: number;
}

interface OpenStream<Req, Res> {
  call: grpc.ClientDuplexStream<Req, Res>;
  pending: Map<number, Pending<Res>>;
}

/** A multiplexed batch stream to one peer. */
export class BatchStream<Req extends { id?: unknown }, Res extends { id: number; results: unknown[] }> {
  private current?: OpenStream<Req, Res>;
  private nextId = 1;
  /** Messages written, for statistics. */
  messagesSent = 0;

  constructor(
    private readonly open: () => grpc.ClientDuplexStream<Req, Res>,
    /** Names the peer in errors. */
    private readonly peer: string,
    /** The entries of a batch: its answer has one result for each. */
    private readonly entries: (request: Req) => number,
  ) {}

  /** Sends one batch and resolves with its answer; rejects on timeout or stream failure. */
  send(request: Req, timeoutMs: number): Promise<Res> {
    const stream = this.current ?? this.start();
    const id = this.nextId++;
    return new Promise<Res>((resolve, reject) => {
      const timer = setTimeout(() => {
        stream.pending.delete(id);
        reject(new DstashError(ErrorCode.Timeout, `${this.peer} did not answer a batch within ${timeoutMs} ms (option timeoutMs)`));
      }, timeoutMs);
      stream.pending.set(id, { resolve, reject, timer, entries: this.entries(request), received: 0 });
      request.id = id;
      this.messagesSent += 1;
      stream.call.write(request);
    });
  }

  /** Ends the stream; batches still in flight fail with DSTASH_CLOSED. */
  close(): void {
    const stream = this.current;
    if (!stream) return;
    this.current = undefined;
    this.failAll(stream, new DstashError(ErrorCode.Closed, `stream to ${this.peer} closed`));
    stream.call.end();
    stream.call.cancel();
  }

  private start(): OpenStream<Req, Res> {
    const call = this.open();
    const stream: OpenStream<Req, Res> = { call, pending: new Map() };
    this.current = stream;
    call.on('data', (res: Res) => {
      const id = Number(res.id);
      const p = stream.pending.get(id);
      if (!p) return; // timed out already
      p.received += res.results.length;
      if (p.received < p.entries) {
        (p.parts ??= []).push(res);
        // A peer that sends the parts of a long answer is answering: each part gives it the timeout again.
        p.timer.refresh();
        return;
      }
      stream.pending.delete(id);
      clearTimeout(p.timer);
      if (p.parts) res.results = [...p.parts, res].flatMap((part) => part.results);
      p.resolve(res);
    });
    const broken = (err: DstashError): void => {
      if (this.current === stream) this.current = undefined;
      this.failAll(stream, err);
    };
    call.on('error', (err) => broken(fromServiceError(err, this.peer)));
    call.on('end', () => broken(new DstashError(ErrorCode.Unavailable, `${this.peer} ended the stream`)));
    return stream;
  }

  private failAll(stream: OpenStream<Req, Res>, err: DstashError): void {
    for (const p of stream.pending.values()) {
      clearTimeout(p.timer);
      p.reject(err);
    }
    stream.pending.clear();
  }
}
