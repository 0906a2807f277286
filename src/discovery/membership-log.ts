/**
 * The shared member list of a static cluster: per address, its latest event
 * (joined or left, and when). Merging keeps the newer event of each address,
 * a leave winning a tie, so that members exchanging their logs in any order
 * converge on the same list (a last-writer-wins set).
 */
import { ErrorCode, InvalidArgumentError } from '../errors.js';
import { parsePeer } from './static-discovery.js';

/** One address's latest membership event. */
export interface MembershipEntry {
  /** `host:port` of the member's gRPC endpoint. */
  address: string;
  /** True once the member has left (drained). */
  left: boolean;
  /** When it happened, in ms since the epoch; 0 for a configured peer. */
  atMs: number;
}

/**
 * Most entries a log keeps or accepts in one exchange. Leave entries are kept
 * (within this bound): forgetting one would let an older join, such as a
 * configured peer's, bring a drained member back.
 */
export const MAX_MEMBERSHIP_ENTRIES = 4096;

/** Membership events by address. */
export class MembershipLog {
  private readonly byAddress = new Map<string, MembershipEntry>();

  /** Records that `address` joined now (or at `atMs`). */
  join(address: string, atMs = Date.now()): boolean {
    return this.merge([{ address, left: false, atMs }]);
  }

  /** Records that `address` left now. */
  leave(address: string, atMs = Date.now()): boolean {
    return this.merge([{ address, left: true, atMs }]);
  }

  /**
   * Merges entries from another member; true when the list of members changed.
   * Throws DSTASH_INVALID_ARGUMENT on a malformed address or too many entries.
   */
  merge(entries: readonly MembershipEntry[]): boolean {
    if (entries.length > MAX_MEMBERSHIP_ENTRIES) throw new InvalidArgumentError(ErrorCode.InvalidArgument, `too many membership entries: ${entries.length} > ${MAX_MEMBERSHIP_ENTRIES}`);
    const valid = entries.map((e) => ({ address: parsePeer(e.address).address, left: Boolean(e.left), atMs: Number(e.atMs) || 0 }));
    let changed = false;
    for (const e of valid) {
      const old = this.byAddress.get(e.address);
      if (old && (old.atMs > e.atMs || (old.atMs === e.atMs && (old.left || !e.left)))) continue;
      if (!old && this.byAddress.size >= MAX_MEMBERSHIP_ENTRIES) continue;
      if (!old || old.left !== e.left) changed = true;
      this.byAddress.set(e.address, e);
    }
    return changed;
  }

  /** Addresses that are members (joined, not left), sorted. */
  members(): string[] {
    return [...this.byAddress.values()].filter((e) => !e.left).map((e) => e.address).sort();
  }

  /** Whether `address` is a member. */
  has(address: string): boolean {
    const e = this.byAddress.get(address);
    return e !== undefined && !e.left;
  }

  /** Every entry, for an exchange. */
  entries(): MembershipEntry[] {
    return [...this.byAddress.values()];
  }
}
