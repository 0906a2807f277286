/**
 * One replica's lane (a bulkhead): the messages a coordinator sends to one
 * replica run under a concurrency limit of their own, so a replica that
 * stalls fills only its own lane and never a slot the healthy replicas need
 * (DESIGN.md, "Quorums settle at W/R").
 *
 * The lane also watches the replica (outlier detection, as Envoy and
 * Finagle do): when messages have been in flight for `stallMs` and the
 * replica has answered nothing in that time, or when `failuresToEject`
 * messages in a row failed to reach it, the replica is ejected. An ejected
 * lane fails its queued and new messages at once (the coordinator keeps
 * hints for the writes), so nothing piles up behind a frozen process. After
 * `ejectMs` it lets one probe message through; an answer brings the replica
 * back, a failure ejects it again for twice as long (up to 8 × `ejectMs`).
 * Discovery seeing the replica healthy again brings it back at once.
 *
 * Recent latencies (queueing in the lane included) give the delay after
 * which a read asks one more replica (speculative retry, as Cassandra's
 * `speculative_retry = 99p`).
 */
import { DstashError, ErrorCode } from '../errors.js';

/** Tuning of a {@link ReplicaLane}. */
export interface ReplicaLaneOptions {
  /** Messages in flight at once to this replica. */
  concurrency: number;
  /** In flight this long with no answer at all: the replica is ejected, in ms. */
  stallMs: number;
  /** Consecutive unreachable/timeout failures that eject the replica. */
  failuresToEject: number;
  /** First ejection period, in ms; it doubles while probes fail. */
  ejectMs: number;
  /**
   * Asked before ejecting: false keeps the replica in (the coordinator never
   * ejects most of the cluster, nor a replica that is no slower than the
   * others, as when this process itself was stalled).
   * @default always true
   */
  mayEject?: (lane: ReplicaLane, reason: 'stall' | 'failures') => boolean;
}

/** Latency samples kept for the percentile. */
const SAMPLES = 128;
/** New samples after which the percentile is computed again. */
const P99_REFRESH = 8;

/** Error codes that say the replica did not answer (as opposed to answering with an error). */
const UNREACHABLE = new Set<string>([ErrorCode.Timeout, ErrorCode.Unavailable, ErrorCode.Closed]);

interface Waiter {
  start: () => void;
  reject: (err: DstashError) => void;
}

/** The lane of one replica. */
export class ReplicaLane {
  private inFlight = 0;
  private readonly queue: Waiter[] = [];
  /** Start times of the messages in flight, oldest first (Map keeps insertion order). */
  private readonly started = new Map<number, number>();
  private nextTicket = 0;
  /** When the replica last answered anything (Date.now()). */
  lastAnswerAt = Date.now();
  private consecutiveFailures = 0;
  private ejectedUntil = 0;
  private ejections = 0;
  private probing = false;
  private readonly samples = new Float64Array(SAMPLES);
  private sampleCount = 0;
  /** The last p99 computed, and `sampleCount` then. */
  private p99Ms = 0;
  private p99At = 0;
  private stallTimer?: NodeJS.Timeout;

  constructor(
    /** Names the replica in errors. */
    readonly nodeId: string,
    private readonly options: ReplicaLaneOptions,
    /** Told when the replica is ejected or comes back. */
    private readonly onChange: (nodeId: string, ejected: boolean, reason: string) => void = () => undefined,
  ) {}

  /** True while the replica is routed around. */
  get ejected(): boolean {
    return this.ejectedUntil > 0;
  }

  /** Messages waiting for a slot. */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * The 99th percentile of recent answer times, in ms (the speculative-retry
   * delay); `fallbackMs` until enough answers were seen.
   */
  p99(fallbackMs: number): number {
    const n = Math.min(this.sampleCount, SAMPLES);
    if (n < 16) return fallbackMs;
    // Every read message asks for it: sort again only after a few new answers.
    if (this.sampleCount - this.p99At >= P99_REFRESH || this.p99At === 0) {
      const sorted = this.samples.slice(0, n).sort();
      this.p99Ms = sorted[Math.min(n - 1, Math.ceil(n * 0.99) - 1)]!;
      this.p99At = this.sampleCount;
    }
    return this.p99Ms;
  }

  /**
   * Runs `send` in this lane: at once when a slot is free, later otherwise.
   * Rejects at once with DSTASH_UNAVAILABLE while the replica is ejected.
   */
  run<T>(send: () => Promise<T>): Promise<T> {
    this.checkStall();
    const refusal = this.admit();
    if (refusal) return Promise.reject(refusal);
    // Latency counts from here, queueing included: the speculative delay is what a caller waits.
    const t0 = Date.now();
    return new Promise<T>((resolve, reject) => {
      const start = (): void => {
        this.inFlight += 1;
        const ticket = this.nextTicket++;
        this.started.set(ticket, Date.now());
        this.armStallTimer();
        send().then((value) => {
          this.finish(ticket, t0, undefined);
          resolve(value);
        }, (err: unknown) => {
          this.finish(ticket, t0, err);
          reject(err);
        });
      };
      if (this.inFlight < this.options.concurrency) start();
      else this.queue.push({ start, reject });
    });
  }

  /**
   * Discovery saw the replica healthy again (it answered a health probe):
   * route to it again at once. A half-open lane that let one probe message
   * through and failed the others until it answered would fail the writes
   * that need this replica, as when a restarted node is back and the next
   * one stops.
   */
  readmit(): void {
    if (this.ejectedUntil === 0) return;
    this.probing = false;
    this.consecutiveFailures = 0;
    this.restore();
  }

  /** Fails everything queued (the lane is closing). */
  close(): void {
    if (this.stallTimer) clearTimeout(this.stallTimer);
    this.stallTimer = undefined;
    this.rejectQueued(new DstashError(ErrorCode.Closed, `the lane to ${this.nodeId} is closed`));
  }

  /** Undefined when a message may go now; otherwise why not. */
  private admit(): DstashError | undefined {
    if (this.ejectedUntil === 0) return undefined;
    if (!this.probing && Date.now() >= this.ejectedUntil) {
      // Half-open: one probe message; the others still fail fast until it answers.
      this.probing = true;
      return undefined;
    }
    return this.refusal();
  }

  private refusal(): DstashError {
    return new DstashError(ErrorCode.Unavailable, `${this.nodeId} is routed around: it stopped answering (outlier detection; option stallMs)`);
  }

  private finish(ticket: number, t0: number, err: unknown): void {
    this.inFlight -= 1;
    this.started.delete(ticket);
    const now = Date.now();
    const unreachable = err instanceof DstashError && UNREACHABLE.has(err.code);
    if (!unreachable) {
      // Any answer, errors included, shows the replica is alive.
      this.lastAnswerAt = now;
      this.consecutiveFailures = 0;
      this.samples[this.sampleCount++ % SAMPLES] = now - t0;
      if (this.ejectedUntil > 0) this.restore();
    } else {
      this.consecutiveFailures += 1;
      if (this.probing || this.consecutiveFailures >= this.options.failuresToEject) this.eject(`${this.consecutiveFailures} message(s) in a row did not reach it`, 'failures');
    }
    this.probing = false;
    this.pump();
  }

  /** Starts queued messages while slots are free; fails them while ejected. */
  private pump(): void {
    if (this.ejectedUntil > 0) {
      this.rejectQueued(this.refusal());
      return;
    }
    while (this.inFlight < this.options.concurrency && this.queue.length > 0) this.queue.shift()!.start();
    if (this.inFlight === 0 && this.stallTimer) {
      clearTimeout(this.stallTimer);
      this.stallTimer = undefined;
    }
  }

  /** Start time of the oldest message in flight (Date.now()), or undefined. */
  oldestInFlight(): number | undefined {
    return this.started.values().next().value;
  }

  /** Ejects the replica when its oldest message waited `stallMs` with no answer since. */
  private checkStall(): void {
    const oldest = this.oldestInFlight();
    if (oldest === undefined || this.ejectedUntil > 0) return;
    const now = Date.now();
    if (now - oldest >= this.options.stallMs && now - this.lastAnswerAt >= this.options.stallMs) {
      this.eject(`no answer for ${now - this.lastAnswerAt} ms with ${this.inFlight} message(s) in flight`, 'stall');
    }
  }

  private armStallTimer(): void {
    if (this.stallTimer) return;
    const tick = (): void => {
      this.stallTimer = undefined;
      this.checkStall();
      if (this.inFlight > 0 && this.ejectedUntil === 0) {
        this.stallTimer = setTimeout(tick, this.options.stallMs / 2);
        this.stallTimer.unref();
      }
    };
    this.stallTimer = setTimeout(tick, this.options.stallMs / 2);
    this.stallTimer.unref();
  }

  private eject(reason: string, kind: 'stall' | 'failures'): void {
    const first = this.ejectedUntil === 0;
    if (first && this.options.mayEject && !this.options.mayEject(this, kind)) return;
    const period = this.options.ejectMs * 2 ** Math.min(this.ejections, 3);
    this.ejections += 1;
    this.ejectedUntil = Date.now() + period;
    if (first) this.onChange(this.nodeId, true, reason);
    this.rejectQueued(this.refusal());
  }

  private restore(): void {
    this.ejectedUntil = 0;
    this.ejections = 0;
    this.onChange(this.nodeId, false, 'answered again');
  }

  private rejectQueued(err: DstashError): void {
    for (const w of this.queue.splice(0)) w.reject(err);
  }
}
