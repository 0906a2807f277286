/**
 * Which partitions this node holds in full. A partition it home-owns but has
 * not received yet (it joined, or ownership moved to it) is "syncing": reads
 * say so, and coordinators then also ask the previous owners. Kept in the
 * store's metadata, so a restarted node does not pull again what it has.
 */
import type { Store } from '../../storage/store.js';

const META_KEY = 'synced-partitions';

/** A bitmap of synced partitions. */
export class SyncState {
  private bits: Uint8Array;
  private owned = new Set<number>();

  private constructor(
    private readonly store: Store,
    readonly partitions: number,
    bits: Uint8Array,
  ) {
    this.bits = bits;
  }

  /** Loads the state from the store's metadata. */
  static async load(store: Store, partitions: number): Promise<SyncState> {
    const saved = await store.getMeta(META_KEY);
    const bits = new Uint8Array(Math.ceil(partitions / 8));
    if (saved) bits.set(Buffer.from(saved, 'base64').subarray(0, bits.length));
    return new SyncState(store, partitions, bits);
  }

  /** Sets the partitions this node now home-owns. */
  setOwned(owned: Iterable<number>): void {
    this.owned = new Set(owned);
  }

  /** True once the partitions this node home-owns were set. */
  get ownedKnown(): boolean {
    return this.owned.size > 0;
  }

  /** True when `partition` is home-owned here but not received yet. */
  isSyncing(partition: number): boolean {
    return this.owned.has(partition) && !this.isSynced(partition);
  }

  /** True when this node holds `partition` in full. */
  isSynced(partition: number): boolean {
    return (this.bits[partition >> 3]! & (1 << (partition & 7))) !== 0;
  }

  /** Home-owned partitions not received yet. */
  syncing(): number[] {
    return [...this.owned].filter((p) => !this.isSynced(p)).sort((a, b) => a - b);
  }

  /** Marks partitions as held in full (`true`) or not, and saves. */
  async mark(partitions: readonly number[], synced: boolean): Promise<void> {
    if (partitions.length === 0) return;
    for (const p of partitions) {
      if (synced) this.bits[p >> 3]! |= 1 << (p & 7);
      else this.bits[p >> 3]! &= ~(1 << (p & 7));
    }
    await this.store.putMeta(META_KEY, Buffer.from(this.bits).toString('base64'));
  }
}
