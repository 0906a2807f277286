/**
 * Whether the node's store takes writes. A write that fails in the store
 * (disk full, I/O error) makes the store sick: the node then reports
 * NOT_SERVING, so coordinators route around it, fails readiness with the
 * reason, logs one warn line and counts the failures. While sick, a probe
 * write runs every `intervalMs`; when it fails again the store is reopened
 * (LevelDB keeps failing every write after a background error until it is),
 * and the first probe that succeeds makes the store healthy again.
 */
import type { Logger } from '../logger.js';
import type { Store } from '../storage/store.js';

/** The meta entry the probe writes. */
const PROBE_META = 'store-health-probe';

/** Watches the store's writes and brings it back. */
export class StoreHealth {
  /** Store writes that failed, since start. */
  failures = 0;
  /** Times the store was reopened to clear an error. */
  reopens = 0;
  private reason: string | undefined;
  private timer?: NodeJS.Timeout;
  private probing?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly store: Store,
    private readonly log: Logger,
    private readonly intervalMs: number,
    /** Told when the store becomes sick (with the reason) and healthy again (undefined). */
    private readonly onChange: (reason: string | undefined) => void,
  ) {}

  /** Why the store fails writes; undefined while it takes them. */
  get sickReason(): string | undefined {
    return this.reason;
  }

  /** A store write failed with `err`. */
  failed(err: unknown): void {
    this.failures += 1;
    if (this.reason !== undefined || this.stopped) return;
    this.reason = (err as Error)?.message ?? String(err);
    this.log.warn({ err: this.reason }, 'the store fails writes: reporting NOT_SERVING until a probe write succeeds');
    this.onChange(this.reason);
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
    if (this.stopped || this.reason === undefined) return;
    this.timer = setTimeout(() => void this.probeNow().then(() => this.schedule()), this.intervalMs);
    this.timer.unref();
  }

  private async probe(): Promise<void> {
    if (this.reason === undefined || this.stopped) return;
    try {
      await this.store.putMeta(PROBE_META, String(Date.now()));
    } catch (first) {
      // LevelDB may stay in its background-error state after space came back: reopen, then try once more.
      try {
        await this.store.close();
        await this.store.open();
        this.reopens += 1;
        await this.store.putMeta(PROBE_META, String(Date.now()));
      } catch (err) {
        this.failures += 1;
        this.reason = (err as Error)?.message ?? (first as Error)?.message ?? String(err);
        this.log.debug({ err: this.reason }, 'store probe write failed');
        return;
      }
    }
    this.reason = undefined;
    this.log.info({ failures: this.failures, reopens: this.reopens }, 'the store takes writes again: serving');
    this.onChange(undefined);
  }
}
