/**
 * Serves a bidirectional batch stream: each request message carries a batch
 * and an id, each answer echoes the id. Batches run concurrently up to a
 * bound; past it, and whenever the outgoing side is full, the stream stops
 * reading (backpressure), so a fast sender cannot make the node buffer
 * without limit. At shutdown the stream answers the batches it took, takes
 * no more, and ends with UNAVAILABLE (open-streams.ts).
 */
import type * as grpc from '@grpc/grpc-js';
import { DstashError, ErrorCode, InvalidArgumentError } from '../../errors.js';
import { toServiceError } from '../../protocol/status.js';
import type { PartLimits } from '../read-in-parts.js';
import type { OpenStreams } from './open-streams.js';

/**
 * Handles one batch; must resolve (per-entry errors go in the answer). An
 * answer too large for one message goes out in parts with the batch's id,
 * results in order: every part but the last through `writePart` (resolved
 * when the stream can take more), the last as the handler's answer.
 */
export type BatchHandler<Req, Res> = (request: Req, writePart: (part: Res) => Promise<void>) => Promise<Res>;

/** Bounds of a batch stream. */
export interface BatchLimits {
  /** Batches in progress at once before the stream stops reading. */
  maxInFlight: number;
  /** Most entries in one batch (node option maxBatchEntries). */
  maxEntries: number;
  /** The parts that a read's answer is sent in (node options maxMessageBytes, maxValueBytes). */
  parts: PartLimits;
  /** The port's open streams, which its shutdown ends; a stream served without it lives until its caller ends it. */
  streams?: OpenStreams;
}

/**
 * Serves `call` with `handle`, at most `limits.maxInFlight` batches at once.
 * A batch of more than `limits.maxEntries` entries (as `entries` counts
 * them) ends the stream with INVALID_ARGUMENT naming the limit.
 * Batches that arrive after `limits.streams` ended the stream are not
 * answered: the UNAVAILABLE status that follows fails them on the caller's side.
 */
export function serveBatchStream<Req, Res>(
  call: grpc.ServerDuplexStream<Req, Res>,
  handle: BatchHandler<Req, Res>,
  limits: BatchLimits,
  entries: (request: Req) => number,
): void {
  const { maxInFlight, maxEntries } = limits;
  let inFlight = 0;
  let writeBlocked = false;
  let inputEnded = false;
  let shuttingDown = false;
  let finished = false;
  let unregister = (): void => undefined;

  const finish = (): void => {
    if (finished || inFlight > 0 || writeBlocked || !(inputEnded || shuttingDown)) return;
    finished = true;
    unregister();
    if (inputEnded) call.end();
    else call.emit('error', toServiceError(new DstashError(ErrorCode.Unavailable, 'the node is shutting down: send to another replica')));
  };
  const maybeResume = (): void => {
    if (!finished && !inputEnded && !writeBlocked && inFlight < maxInFlight) call.resume();
  };
  const onShutdown = (): void => {
    shuttingDown = true;
    finish();
  };

  const writePart = async (part: Res): Promise<void> => {
    if (call.cancelled) finished = true;
    // The handler stops with the stream; the rejection ends in the error path below, which sees `finished`.
    if (finished) throw new DstashError(ErrorCode.Closed, 'the stream ended while its answer was being sent');
    if (!call.write(part)) await drained(call);
  };

  call.on('data', (request: Req) => {
    limits.streams?.received();
    if (finished || shuttingDown) return;
    const count = entries(request);
    if (count > maxEntries) {
      finished = true;
      unregister();
      call.emit('error', toServiceError(new InvalidArgumentError(
        ErrorCode.InvalidArgument,
        `a batch of ${count} entries is over this node's limit of ${maxEntries} (node option maxBatchEntries, --max-batch-entries): send smaller batches`,
      )));
      return;
    }
    inFlight += 1;
    if (inFlight >= maxInFlight) call.pause();
    void handle(request, writePart).then((response) => {
      inFlight -= 1;
      if (finished || call.cancelled) return;
      if (!call.write(response)) {
        writeBlocked = true;
        call.pause();
        call.once('drain', () => {
          writeBlocked = false;
          maybeResume();
          finish();
        });
        return;
      }
      maybeResume();
      finish();
    }, (err: unknown) => {
      // A handler bug, not bad input: end this stream with a status, keep the node up.
      if (finished) return;
      finished = true;
      unregister();
      call.emit('error', toServiceError(err));
    });
  });
  call.on('end', () => {
    inputEnded = true;
    finish();
  });
  const stop = (): void => {
    finished = true;
    unregister();
  };
  call.on('cancelled', stop);
  call.on('error', stop);
  if (limits.streams) {
    const remove = limits.streams.add(onShutdown);
    unregister = () => void remove();
  }
}

/** Resolves when `call` can take more writes, or was cancelled. */
function drained(call: NodeJS.EventEmitter): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      call.off('drain', done);
      call.off('cancelled', done);
      resolve();
    };
    call.once('drain', done);
    call.once('cancelled', done);
  });
}

/**
 * Streams `items` to a server-streaming `call` in messages of `chunkSize`
 * items, waiting while the client is not reading, and ends the call (with an
 * error status when producing the items fails). Stops when the client cancels.
 */
export async function streamInChunks<T, M>(
  call: grpc.ServerWritableStream<unknown, M>,
  items: () => AsyncIterable<T>,
  toMessage: (chunk: T[]) => M,
  chunkSize = 256,
): Promise<void> {
  try {
    let chunk: T[] = [];
    for await (const item of items()) {
      if (call.cancelled) return;
      chunk.push(item);
      if (chunk.length >= chunkSize) {
        const more = call.write(toMessage(chunk));
        chunk = [];
        if (!more) await drained(call);
      }
    }
    if (chunk.length > 0) call.write(toMessage(chunk));
    call.end();
  } catch (err) {
    call.emit('error', toServiceError(err));
  }
}
