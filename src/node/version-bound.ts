/**
 * The replica's side of bounded clocks (DESIGN.md, Consistency): a version
 * more than the maximum clock offset ahead of this node's clock was stamped
 * by a clock that is off (or this node's is), and would win against every
 * correct write for as long as the difference lasts. The replica refuses it
 * with DSTASH_CLOCK_SKEW, naming the writer and the offset.
 */
import { ClockSkewError } from '../errors.js';
import { versionTime, versionWriter } from '../version.js';

/** Refuses versions too far ahead of the local clock, and counts them. */
export class VersionBound {
  /** Versions refused so far. */
  refused = 0;

  constructor(
    /** The maximum clock offset, in ms; Infinity = no bound. */
    readonly maxOffsetMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Throws DSTASH_CLOCK_SKEW when `version` is more than the maximum offset ahead of this node's clock. */
  check(version: Uint8Array): void {
    const aheadMs = versionTime(version) - this.now();
    if (aheadMs <= this.maxOffsetMs) return;
    this.refused += 1;
    throw new ClockSkewError(`writer ${versionWriter(version)}`, aheadMs, this.maxOffsetMs, 'version refused: it is ahead of this replica\'s clock');
  }
}
