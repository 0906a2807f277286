/**
 * Requests and their latency over the last minutes, in fixed windows, for the
 * dashboard: a ring of `slots` windows of `sampleMs` each, every window with a
 * small log-scale latency histogram. Memory is fixed (slots x buckets
 * numbers); a window is reset when the ring comes back to it. Prometheus keeps
 * the long-term numbers: this only answers "what happened in the last five
 * minutes" without a scraper.
 */

/** Upper bounds of the latency buckets, in ms: 0.05 ms to about a minute, 25 % apart. */
const BOUNDS_MS: readonly number[] = Array.from({ length: 64 }, (_, i) => 0.05 * 1.25 ** i);

/** One window of the ring. */
interface Slot {
  /** Start of the window (ms since the epoch); -1 while unused. */
  startMs: number;
  requests: number;
  buckets: number[];
}

/** A finished window: when it started, how many requests, their p99 (ms). */
export interface LoadSample {
  startMs: number;
  requests: number;
  p99Ms: number;
}

/** Counts requests per window over the last `slots x sampleMs` ms. */
export class LoadWindow {
  private readonly ring: Slot[];

  /** `sampleMs` is the width of a window, `slots` how many the ring keeps (default: 5 s x 60 = 5 minutes). */
  constructor(
    readonly sampleMs = 5_000,
    private readonly slots = 60,
    private readonly now: () => number = Date.now,
  ) {
    this.ring = Array.from({ length: slots }, () => ({ startMs: -1, requests: 0, buckets: new Array<number>(BOUNDS_MS.length + 1).fill(0) }));
  }

  /** Counts one request that took `ms`. */
  record(ms: number): void {
    const slot = this.slotAt(this.now());
    slot.requests++;
    let i = 0;
    while (i < BOUNDS_MS.length && ms > BOUNDS_MS[i]!) i++;
    slot.buckets[i]!++;
  }

  /** The windows of the last `slots x sampleMs` ms, oldest first, the current one included; empty windows count 0. */
  samples(): LoadSample[] {
    const current = Math.floor(this.now() / this.sampleMs) * this.sampleMs;
    const out: LoadSample[] = [];
    for (let k = this.slots - 1; k >= 0; k--) {
      const startMs = current - k * this.sampleMs;
      const slot = this.ring[(startMs / this.sampleMs) % this.slots]!;
      out.push(slot.startMs === startMs ? { startMs, requests: slot.requests, p99Ms: p99(slot) } : { startMs, requests: 0, p99Ms: 0 });
    }
    return out;
  }

  private slotAt(nowMs: number): Slot {
    const startMs = Math.floor(nowMs / this.sampleMs) * this.sampleMs;
    const slot = this.ring[(startMs / this.sampleMs) % this.slots]!;
    if (slot.startMs !== startMs) {
      slot.startMs = startMs;
      slot.requests = 0;
      slot.buckets.fill(0);
    }
    return slot;
  }
}

/** The upper bound of the bucket that holds the 99th percentile (the last bucket reports the largest bound). */
function p99(slot: Slot): number {
  if (slot.requests === 0) return 0;
  const rank = Math.ceil(slot.requests * 0.99);
  let seen = 0;
  for (let i = 0; i < slot.buckets.length; i++) {
    seen += slot.buckets[i]!;
    if (seen >= rank) return Number(BOUNDS_MS[Math.min(i, BOUNDS_MS.length - 1)]!.toPrecision(3));
  }
  return 0;
}
