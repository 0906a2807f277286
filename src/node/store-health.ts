/**
 * Whether the node's store takes writes. A write that fails in the store
 * makes it read-only or sick, and the node logs one warn line and counts the
 * failures:
 *
 * - Disk full: the store turns **read-only**. LevelDB still reads while its
 *   writes fail, so the node keeps serving reads (health SERVING, readiness
 *   200 saying read-only) and refuses writes at once with `DSTASH_READ_ONLY`,
 *   which coordinators count as a failed replica and cover with a hint. The
 *   store is not reopened while the disk has no room: an open that fails for
 *   lack of space would leave no store to read from.
 * - Any other failure (an I/O error): the store is **sick**. The node reports
 *   NOT_SERVING, so coordinators route around it, and fails readiness.
 *
 * Either way a probe runs every `intervalMs`: it writes a meta entry (once
 * the disk has room again, when read-only), reopens the store when that
 * fails (LevelDB keeps failing every write after a background error until it
 * is reopened), and the first probe write that succeeds makes the store
 * writable again.
 */
import { DstashError, ErrorCode } from '../errors.js';
import type { Logger } from '../logger.js';
import { diskRoom, isDiskFull } from '../storage/disk-room.js';
import type { Store } from '../storage/store.js';

/** The meta entry the probe writes. */
const PROBE_META = 'store-health-probe';

/** Why the store does not take writes: `read-only` (disk full, reads served) or `sick` (NOT_SERVING). */
export interface StoreWriteState {
  mode: 'read-only' | 'sick';
  /** The store's error, as it said it. */
  reason: string;
}

/** What the replica asks before it writes to the store, and tells when a store write failed. */
export interface StoreWrites {
  /** The error to answer writes with instead of trying them; undefined while the store takes them. */
  refusal(): DstashError | undefined;
  /** A store write failed with `err` (not for bad input). */
  failed(err: unknown): void;
}

/** A store that always takes writes and hears of no failure (tests, tools). */
export const ALWAYS_WRITABLE: StoreWrites = Object.freeze({ refusal: () => undefined, failed: () => undefined });

/** Watches the store's writes and brings it back. */
export class StoreHealth implements StoreWrites {
  /** Store writes that failed, since start. */
  failures = 0;
  /** Times the store was reopened to clear an error. */
  reopens = 0;
  /** Probes run while the store did not take writes, since start. */
  probes = 0;
  private current: StoreWriteState | undefined;
  private refused: DstashError | undefined;
  private timer?: NodeJS.Timeout;
  private probing?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly store: Store,
    /** Where the store lives, to measure its disk's free space. */
    private readonly dataDir: string,
    private readonly log: Logger,
    private readonly intervalMs: number,
    /** Told when the store stops taking writes (and why), and when it takes them again (undefined). */
    private readonly onChange: (state: StoreWriteState | undefined) => void,
  ) {}

  /** Why the store does not take writes; undefined while it takes them. */
  get state(): StoreWriteState | undefined {
    return this.current;
  }

  /** Why the store is sick (the node reports NOT_SERVING); undefined while it takes writes or is read-only. */
  get sickReason(): string | undefined {
    return this.current?.mode === 'sick' ? this.current.reason : undefined;
  }

  /** Why the store is read-only (a full disk); undefined otherwise. */
  get readOnlyReason(): string | undefined {
    return this.current?.mode === 'read-only' ? this.current.reason : undefined;
  }

  refusal(): DstashError | undefined {
    return this.refused;
  }

  failed(err: unknown): void {
    this.failures += 1;
    if (this.current !== undefined || this.stopped) return;
    this.enter(this.stateFor(err));
    const { mode, reason } = this.current!;
    if (mode === 'read-only') this.log.warn({ err: reason }, 'the store is read-only (disk full): serving reads, refusing writes until space is freed');
    else this.log.warn({ err: reason }, 'the store fails writes: reporting NOT_SERVING until a probe write succeeds');
    this.schedule();
  }

  /** Stops probing. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.probing;
  }

  /** Runs one probe now (tests and the schedule); resolves when it is done. */
  probeNow(): Promise<void> {
    this.probing ??= this.probe().finally(() => {
      this.probing = undefined;
    });
    return this.probing;
  }

  private schedule(): void {
    if (this.stopped || this.current === undefined) return;
    this.timer = setTimeout(() => void this.probeNow().then(() => this.schedule()), this.intervalMs);
    this.timer.unref();
  }

  private async probe(): Promise<void> {
    if (this.current === undefined || this.stopped) return;
    this.probes += 1;
    try {
      if (this.current.mode === 'read-only') {
        const room = await diskRoom(this.dataDir);
        if (room.freeBytes < room.reopenBytes) return;
      }
      await this.probeWrite();
    } catch (err) {
      this.failures += 1;
      const next = this.stateFor(err);
      this.log.debug({ err: next.reason }, 'store probe write failed');
      if (next.mode !== this.current.mode) this.enter(next);
      else this.current = next;
      return;
    }
    this.log.info({ failures: this.failures, reopens: this.reopens }, 'the store takes writes again: serving');
    this.enter(undefined);
  }

  /** Writes the probe entry; reopens the store when that fails (or when an earlier reopen left it closed) and writes again. */
  private async probeWrite(): Promise<void> {
    if (this.store.isOpen) {
      try {
        await this.store.putMeta(PROBE_META, String(Date.now()));
        return;
      } catch {
        // LevelDB may stay in its background-error state after space came back: reopen, then try once more.
      }
      await this.store.close();
    }
    await this.store.open();
    this.reopens += 1;
    await this.store.putMeta(PROBE_META, String(Date.now()));
  }

  /** Read-only for a full disk while the store can still serve reads; sick otherwise. */
  private stateFor(err: unknown): StoreWriteState {
    const reason = (err as Error)?.message ?? String(err);
    return { mode: isDiskFull(err) && this.store.isOpen ? 'read-only' : 'sick', reason };
  }

  private enter(state: StoreWriteState | undefined): void {
    this.current = state;
    this.refused = state?.mode === 'read-only'
      ? new DstashError(ErrorCode.ReadOnly, `the store is read-only until space is freed: ${state.reason}`)
      : undefined;
    this.onChange(state);
  }
}
