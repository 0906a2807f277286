/**
 * The batch streams a node serves, so that its stop can end them. Callers
 * keep a batch stream open between batches, and a graceful gRPC shutdown
 * waits for every open stream to end: left alone, a stop would wait for its
 * whole grace period. Ended here, a stream first answers the batches it is
 * working on, then ends with UNAVAILABLE, and the caller's coordinator sends
 * what comes next to another replica.
 */

/** Ends one served stream once it has answered what it took. */
export type EndStream = () => void;

/** The open batch streams of one gRPC port. */
export class OpenStreams {
  private readonly open = new Set<EndStream>();
  private closing = false;
  /** When a stream last received a batch (performance.now()). */
  private lastBatchAt = 0;

  /** A stream received a batch. */
  received(): void {
    this.lastBatchAt = performance.now();
  }

  /**
   * Resolves once no stream has received a batch for `quietMs`, or after
   * `maxMs`: a node that reports NOT_SERVING waits so for its callers to
   * route elsewhere before it ends their streams.
   */
  async quiet(quietMs: number, maxMs: number): Promise<void> {
    const deadline = performance.now() + maxMs;
    for (;;) {
      const now = performance.now();
      const wait = Math.min(this.lastBatchAt + quietMs, deadline) - now;
      if (wait <= 0) return;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  /** Registers a stream; returns the function that unregisters it. A stream opened after `endAll()` is ended at once. */
  add(end: EndStream): () => void {
    if (this.closing) {
      end();
      return () => undefined;
    }
    this.open.add(end);
    return () => this.open.delete(end);
  }

  /** Ends every open stream, and every stream opened from now on. */
  endAll(): void {
    this.closing = true;
    const open = [...this.open];
    this.open.clear();
    for (const end of open) end();
  }
}
