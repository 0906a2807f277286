/**
 * What the node does when its store meets damaged files (a corrupt table
 * block, a write-ahead log replayed with records dropped): it counts and logs
 * it once, stops trusting its copy (reads say "syncing", so coordinators
 * neither count its answers toward R nor answer a ONE read from it), puts the
 * damaged LevelDB directory aside under the data dir (`db.corrupt-<ISO
 * time>`, kept for the operator), reopens on what LevelDB's repair could
 * recover, and pulls every partition it home-owns again from its peers through
 * rebalancing's rate-limited transfer. Writes keep reaching it meanwhile, so
 * it converges; it is trusted again once every partition was received.
 */
import type { Logger } from '../logger.js';
import type { CorruptionReport } from '../storage/level-corruption.js';
import type { Store } from '../storage/store.js';
import type { SyncState } from './self-healing/sync-state.js';

/** How far the node's copy is from trusted: `corrupt` while the damage is put aside, `rebuilding` while partitions are pulled again. */
export type StoreRecoveryState = 'ok' | 'corrupt' | 'rebuilding';

/** The node's parts a recovery works with, known once the store is open. */
export interface RecoveryParts {
  store: Store;
  sync: SyncState;
  /** Starts a rebalancing run, which pulls the partitions marked not received. */
  pull: () => void;
}

/** Handles the store's corruption reports and follows the rebuild. */
export class StoreRecovery {
  /** Damaged-file discoveries since start. */
  corruptions = 0;
  /** Where the damaged files of each discovery were put. */
  readonly quarantined: string[] = [];
  private quarantining = false;
  private rebuilding = false;
  private parts?: RecoveryParts;
  private pending?: CorruptionReport;
  private running?: Promise<void>;

  constructor(
    private readonly log: Logger,
    private readonly partitions: number,
    /** Told of each discovery (the metric). */
    private readonly onCorruption: () => void,
  ) {}

  /** The store's `onCorruption` option. */
  readonly report = (report: CorruptionReport): void => {
    this.corruptions += 1;
    this.onCorruption();
    this.log.warn({ ...report }, 'the store met damaged files: putting them aside and rebuilding this replica from its peers');
    if (this.parts) this.start(report);
    else this.pending = report;
  };

  /** Gives the parts once the store is open, and handles a report of that open (a damaged log) before the node serves. */
  async attach(parts: RecoveryParts): Promise<void> {
    this.parts = parts;
    const pending = this.pending;
    this.pending = undefined;
    if (pending) this.start(pending);
    await this.running;
  }

  /** Waits for a quarantine in progress. */
  async settled(): Promise<void> {
    await this.running;
  }

  /** Rebuilds from the peers as if the store had been found damaged (`dstash node rebuild`), keeping the files as they are. */
  rebuild(): Promise<void> {
    this.start(undefined);
    return this.running ?? Promise.resolve();
  }

  /** Where the node stands. */
  get state(): StoreRecoveryState {
    if (this.quarantining) return 'corrupt';
    if (!this.rebuilding) return 'ok';
    const sync = this.parts!.sync;
    if (sync.ownedKnown && sync.syncing().length === 0) {
      this.rebuilding = false;
      this.log.info({ quarantined: this.quarantined }, 'replica rebuilt from its peers: serving reads again');
      return 'ok';
    }
    return 'rebuilding';
  }

  /** True while store errors come from the recovery itself (the store closed to be put aside), not from the disk. */
  get busy(): boolean {
    return this.quarantining;
  }

  /** True when reads of `partition` must say the node is still receiving it. */
  distrusts(partition: number): boolean {
    if (this.quarantining) return true;
    const sync = this.parts!.sync;
    return this.state === 'rebuilding' ? !sync.isSynced(partition) : sync.isSyncing(partition);
  }

  private start(report: CorruptionReport | undefined): void {
    if (this.running) return;
    this.quarantining = true;
    this.running = this.recover(report).catch((err: unknown) => {
      this.log.error({ err: (err as Error).message }, 'could not put the damaged store aside: this replica keeps saying it is incomplete; restart the node to try again');
    }).finally(() => {
      this.quarantining = false;
      this.running = undefined;
    });
  }

  private async recover(report: CorruptionReport | undefined): Promise<void> {
    const { store, sync, pull } = this.parts!;
    let at = report?.quarantinedAt;
    if (report && at === undefined && store.quarantine) at = await store.quarantine();
    if (at !== undefined) this.quarantined.push(at);
    const all = Array.from({ length: this.partitions }, (_, p) => p);
    await sync.mark(all, false);
    this.rebuilding = true;
    this.log.warn({ quarantinedAt: at, partitions: this.partitions }, 'rebuilding every partition of this replica from its peers');
    pull();
  }
}
