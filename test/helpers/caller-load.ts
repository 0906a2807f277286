/**
 * Many concurrent callers, each awaiting one single-key call at a time, as an
 * application's request handlers would: every acknowledged write remembered,
 * every failure counted, every call's latency kept. Bounded in calls.
 */
import type { Client } from '../../src/index.js';
import { waitFor } from './wait.js';

/** What the callers saw. */
export interface CallerFigures {
  requests: number;
  failed: number;
  maxLatencyMs: number;
  errors: string[];
}

/** Latency percentile `q` (0-1) of `samples`, in ms. */
export function percentile(samples: readonly number[], q: number): number {
  if (samples.length === 0) return 0;
  const sorted = samples.slice().sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * q) - 1)]!;
}

/** Concurrent single-key callers against `client`. */
export class CallerLoad {
  readonly acked = new Map<string, string>();
  readonly latencies: number[] = [];
  /** When each call started (Date.now()), in the order of `latencies`. */
  readonly startedAt: number[] = [];
  readonly figures: CallerFigures = { requests: 0, failed: 0, maxLatencyMs: 0, errors: [] };
  private stopping = false;
  private loops: Promise<void>[] = [];
  private calls = 0;

  constructor(
    private readonly client: Client,
    private readonly options: {
      /** Key prefix of the writes. */
      prefix: string;
      callers: number;
      /** 'put' writes new keys; 'lookup' reads keys from `readKeys`. */
      kind: 'put' | 'lookup';
      readKeys?: ReadonlyMap<string, string>;
      maxCalls?: number;
    },
  ) {}

  /** Starts the callers. */
  start(): void {
    this.loops = Array.from({ length: this.options.callers }, (_, c) => this.caller(c));
  }

  /** Stops the callers and waits for the calls in flight. */
  async stop(): Promise<CallerFigures> {
    this.stopping = true;
    await Promise.all(this.loops);
    return this.figures;
  }

  /** The slowest calls: start time relative to `origin` and latency, in ms. */
  slowest(origin: number, count = 5): string {
    return this.latencies.map((ms, i) => [this.startedAt[i]! - origin, ms] as const).sort((a, b) => b[1] - a[1]).slice(0, count)
      .map(([at, ms]) => `${ms.toFixed(0)} ms at ${at.toFixed(0)}`).join(', ');
  }

  /** Resolves once the callers have made `more` more calls (within a minute). */
  async untilMore(more: number): Promise<void> {
    const target = this.figures.requests + more;
    await waitFor(() => this.figures.requests >= target, `${more} more requests`, 60_000);
  }

  /**
   * The slowest a call may take during a fault: 1 s, or twice the slowest
   * call of the second half of the calls so far (a fault-free warm-up) when
   * the machine is so loaded that calls took over half a second even then.
   * The stalls these limits guard against hold calls for seconds.
   */
  latencyLimit(): number {
    const warm = Math.max(...this.latencies.slice(Math.floor(this.latencies.length / 2)));
    return Math.max(1000, 2 * warm);
  }

  /** Latencies recorded since `from` (an index into `latencies`). */
  since(from: number): number[] {
    return this.latencies.slice(from);
  }

  private note(message: string): void {
    if (this.figures.errors.length < 10) this.figures.errors.push(message);
  }

  private async caller(c: number): Promise<void> {
    const max = this.options.maxCalls ?? 2_000_000;
    const keys = this.options.readKeys ? [...this.options.readKeys.keys()] : [];
    for (let n = 0; !this.stopping && this.calls < max; n++) {
      this.calls += 1;
      const t0 = performance.now();
      try {
        if (this.options.kind === 'put') {
          const key = `${this.options.prefix}-${c}-${n}`;
          const value = `v-${c}-${n}`;
          await this.client.put(key, Buffer.from(value));
          this.acked.set(key, value);
        } else {
          const key = keys[(c * 7919 + n) % keys.length]!;
          const value = await this.client.lookup(key);
          if (value?.toString() !== this.options.readKeys!.get(key)) throw new Error(`read ${key}: ${value === undefined ? 'missing' : 'wrong value'}`);
        }
      } catch (err) {
        this.figures.failed += 1;
        this.note(`${(err as { code?: string }).code ?? ''} ${(err as Error).message}`);
      }
      const ms = performance.now() - t0;
      this.latencies.push(ms);
      this.startedAt.push(Date.now() - ms);
      this.figures.requests += 1;
      if (ms > this.figures.maxLatencyMs) this.figures.maxLatencyMs = ms;
    }
  }
}
