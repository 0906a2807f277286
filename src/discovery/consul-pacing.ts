/**
 * Pacing of the loops that talk to Consul: backoff after failures, a token
 * bucket so that a churning result cannot turn blocking queries into a busy
 * loop (/api-docs/features/blocking, "Rate limit"), and a sleep that close()
 * can cut short.
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** Exponential backoff with "equal jitter": the delay is in [ceiling/2, ceiling], the ceiling doubling per failure up to `maxMs`. */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next retry; each call counts one more failure. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.minMs * 2 ** this.attempt);
    // Stop growing the exponent once capped so that it cannot overflow.
    if (ceiling < this.maxMs) this.attempt++;
    return ceiling / 2 + (this.random() * ceiling) / 2;
  }

  /** Forgets past failures (after a success). */
  reset(): void {
    this.attempt = 0;
  }
}

/**
 * A token bucket. The docs recommend one with a burst of 2: quick successive
 * deliveries go out at once, sustained churn degrades to one query per `refillMs`.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly burst: number,
    private readonly refillMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.tokens = burst;
    this.last = now();
  }

  /** Takes a token; returns how long to wait before using it (0 when one is available). */
  take(): number {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + (now - this.last) / this.refillMs);
    this.last = now;
    this.tokens -= 1;
    // A negative balance is a reservation: the token is paid for when the wait is over.
    return this.tokens >= 0 ? 0 : -this.tokens * this.refillMs;
  }
}

/** Waits `ms` without holding the process open; resolves early (never rejects) when `signal` aborts. */
export async function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (ms <= 0 || signal.aborted) return;
  try {
    await sleep(ms, undefined, { signal, ref: false });
  } catch {
    // Aborted by close(): the caller checks its own state next.
  }
}
