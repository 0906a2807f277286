/**
 * Record versions: a hybrid logical clock (HLC) timestamp with the writer's id
 * as tie-break, encoded in 12 bytes so that replicas compare versions as plain
 * unsigned bytes (DESIGN.md, Data model; proto/dstash/v1/types.proto).
 *
 *   bytes 0-5  wall-clock milliseconds since the epoch (big-endian)
 *   bytes 6-7  logical counter (big-endian)
 *   bytes 8-11 writer id (big-endian)
 */
import { randomInt } from 'node:crypto';

/** Size of an encoded version, in bytes. */
export const VERSION_BYTES = 12;

/** The empty version: older than every real version. */
export const NO_VERSION: Buffer = Buffer.alloc(0);

/** Compares two versions: negative when `a` is older, 0 when equal, positive when newer. */
export function compareVersions(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

/** Wall-clock milliseconds of a version (0 for the empty version). */
export function versionTime(version: Uint8Array): number {
  return version.length === VERSION_BYTES ? wallOf(version) : 0;
}

/** Bytes 0-5 of a version, big-endian (read in place: replicas call it for every record). */
function wallOf(v: Uint8Array): number {
  return (v[0]! * 0x100 + v[1]!) * 0x100000000 + ((v[2]! << 24) >>> 0) + ((v[3]! << 16) | (v[4]! << 8) | v[5]!);
}

/** True when `version` is a well-formed 12-byte version. */
export function isVersion(version: Uint8Array): boolean {
  return version.length === VERSION_BYTES;
}

/** A new random 32-bit writer id. */
export function randomWriterId(): number {
  return randomInt(0, 2 ** 32 - 1);
}

/**
 * A hybrid logical clock. `now()` never goes backwards and never repeats,
 * even when the wall clock does; `observe()` moves it past a version seen from
 * another writer, so causally later writes get later versions, but never
 * further than `maxForwardMs` ahead of the physical clock: a version stamped
 * by a clock far ahead cannot drag this one (and every later write) with it.
 */
export class HybridClock {
  private wall = 0;
  private logical = 0;

  constructor(
    /** Tie-break between writers that stamp the same timestamp. */
    readonly writerId: number = randomWriterId(),
    private readonly physicalNow: () => number = Date.now,
    /** How far ahead of the physical clock an observed version may move this one, in ms (the maximum clock offset). */
    private readonly maxForwardMs: number = Number.POSITIVE_INFINITY,
  ) {}

  /** Stamps a new version. */
  now(): Buffer {
    const physical = this.physicalNow();
    if (physical > this.wall) {
      this.wall = physical;
      this.logical = 0;
    } else if (this.logical < 0xffff) {
      this.logical += 1;
    } else {
      // The counter is exhausted within one millisecond: borrow the next one.
      this.wall += 1;
      this.logical = 0;
    }
    return encodeVersion(this.wall, this.logical, this.writerId);
  }

  /**
   * Moves the clock past `version` (another writer's stamp); ignores it
   * (returns false) when it is more than `maxForwardMs` ahead of the physical clock.
   */
  observe(version: Uint8Array): boolean {
    if (!isVersion(version)) return false;
    const wall = wallOf(version);
    if (wall - this.physicalNow() > this.maxForwardMs) return false;
    const logical = (version[6]! << 8) | version[7]!;
    if (wall > this.wall || (wall === this.wall && logical > this.logical)) {
      this.wall = wall;
      this.logical = logical;
    }
    return true;
  }
}

/** Writer id of a version (its tie-break), as 8 hex digits; '' for the empty version. */
export function versionWriter(version: Uint8Array): string {
  return isVersion(version) ? Buffer.from(version.buffer, version.byteOffset, VERSION_BYTES).readUInt32BE(8).toString(16).padStart(8, '0') : '';
}

/** Encodes the parts of a version. */
export function encodeVersion(wallMs: number, logical: number, writerId: number): Buffer {
  const out = Buffer.allocUnsafe(VERSION_BYTES);
  out.writeUIntBE(wallMs, 0, 6);
  out.writeUInt16BE(logical, 6);
  out.writeUInt32BE(writerId >>> 0, 8);
  return out;
}
