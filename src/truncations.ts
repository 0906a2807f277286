/**
 * Truncations (Redis FLUSHDB / FLUSHALL, Cassandra's TRUNCATE): per index, a
 * version at or below which every record of the index is gone. Kept instead
 * of deleting every key first, so that a truncation is one small durable
 * write, and so that the old records stay gone whichever path brings them
 * back later (hints, read repair, anti-entropy, transfers, a returning
 * node): the store hides them on every read, refuses them on every write, and
 * its sweep purges them in the background; a coordinator hides them too in
 * what it merges from replicas that have not heard of the truncation yet.
 */
import { InvalidArgumentError, ErrorCode } from './errors.js';
import { ALL_INDEXES, validateTruncationTarget } from './limits.js';
import { compareVersions, isVersion } from './version.js';

/**
 * An immutable set of truncations: a store swaps in a new one on each
 * truncation, so a batch reads one consistent set. It remembers the last
 * index it was asked about, so that a batch of one index (every replica
 * message is one) costs one map lookup, not one a key.
 */
export class Truncations {
  /** No truncation at all: the hot paths skip their checks. */
  static readonly NONE = new Truncations(new Map());

  private lastIndex: string | undefined;
  private lastCut: Buffer | undefined;

  private constructor(private readonly cuts: ReadonlyMap<string, Buffer>) {}

  /** True when there is no truncation. */
  get empty(): boolean {
    return this.cuts.size === 0;
  }

  /** Every truncation: index (or {@link ALL_INDEXES}) → version. */
  entries(): ReadonlyMap<string, Buffer> {
    return this.cuts;
  }

  /** The version at or below which records of `index` are gone: the newer of its own and the all-index truncation. */
  cutOf(index: string): Buffer | undefined {
    if (index === this.lastIndex) return this.lastCut;
    const own = this.cuts.get(index);
    const all = this.cuts.get(ALL_INDEXES);
    this.lastIndex = index;
    this.lastCut = own === undefined ? all : all === undefined || compareVersions(own, all) >= 0 ? own : all;
    return this.lastCut;
  }

  /** True when a record of `index` at `version` is truncated. */
  hides(index: string, version: Buffer): boolean {
    if (this.cuts.size === 0) return false;
    const cut = this.cutOf(index);
    return cut !== undefined && compareVersions(version, cut) <= 0;
  }

  /**
   * These truncations with `index` truncated at `version`, or undefined when
   * that changes nothing (the index is truncated at that version or a newer
   * one already: truncations only move forward, so that each replica ends at
   * the same one, whatever order they arrive in).
   */
  with(index: string, version: Buffer): Truncations | undefined {
    checkTruncation(index, version);
    const current = this.cuts.get(index);
    if (current !== undefined && compareVersions(current, version) >= 0) return undefined;
    return new Truncations(new Map(this.cuts).set(index, Buffer.from(version)));
  }

  /** The text stored in the store's metadata. */
  encode(): string {
    return JSON.stringify(Object.fromEntries([...this.cuts].map(([index, version]) => [index, version.toString('hex')])));
  }

  /** Reads what {@link encode} wrote (nothing stored: no truncation). */
  static decode(text: string | undefined): Truncations {
    if (text === undefined) return Truncations.NONE;
    const stored = JSON.parse(text) as Record<string, string>;
    return new Truncations(new Map(Object.entries(stored).map(([index, hex]) => [index, Buffer.from(hex, 'hex')])));
  }
}

/** Throws `DSTASH_INVALID_INDEX` or `DSTASH_INVALID_ARGUMENT` unless `index` is an index name or {@link ALL_INDEXES} and `version` a version. */
export function checkTruncation(index: string, version: Uint8Array): void {
  validateTruncationTarget(index);
  if (!isVersion(version)) throw new InvalidArgumentError(ErrorCode.InvalidArgument, `invalid truncation version: ${version.length} bytes, expected 12`);
}

/** Sets to undefined, in place, each record that `truncations` hides (records[i] being the record at keys[i]); returns `records`. */
export function hideTruncated<T extends { version: Buffer }>(truncations: Truncations, keys: readonly { index: string }[], records: (T | undefined)[]): (T | undefined)[] {
  if (truncations.empty) return records;
  for (let i = 0; i < records.length; i++) {
    const record = records[i];
    if (record !== undefined && truncations.hides(keys[i]!.index, record.version)) records[i] = undefined;
  }
  return records;
}
