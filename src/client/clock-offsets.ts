/**
 * Clock offsets to the members, measured NTP-style (DESIGN.md, Consistency,
 * "Bounded clocks"): the caller reads its clock before (t0) and after (t1)
 * asking a member for its clock; the member's offset is its time minus the
 * midpoint of t0 and t1, uncertain by half the round trip. An offset counts
 * as beyond the bound only when it is beyond it by more than that
 * uncertainty, so a slow round trip under load raises no false alarm.
 */

/** One measurement of a member's clock. */
export interface ClockSample {
  /** The member's clock minus ours, in ms (positive: the member is ahead). */
  offsetMs: number;
  /** Round trip of the measurement, in ms; the offset is uncertain by half of it. */
  rttMs: number;
}

/** The sample of one exchange: our clock at send (`t0`) and at receipt (`t1`), the member's clock in between. */
export function clockSample(t0: number, remoteMs: number, t1: number): ClockSample {
  const rttMs = Math.max(0, t1 - t0);
  return { offsetMs: remoteMs - (t0 + t1) / 2, rttMs };
}

/** True when two clocks, each measured against ours, are surely more than `maxOffsetMs` apart. */
export function beyondBound(a: ClockSample, b: ClockSample, maxOffsetMs: number): boolean {
  return Math.abs(a.offsetMs - b.offsetMs) - (a.rttMs + b.rttMs) / 2 > maxOffsetMs;
}

/** Our own clock, as a sample: no offset, no uncertainty. */
export const OWN_CLOCK: ClockSample = Object.freeze({ offsetMs: 0, rttMs: 0 });

/**
 * True when `clock` is beyond the bound from a majority of `members` (the
 * members not measured yet count as within it): the rule by which a
 * coordinator stops stamping writes, and by which `cluster status` marks a
 * member as an offender.
 */
export function outOfBounds(clock: ClockSample, members: readonly (ClockSample | undefined)[], maxOffsetMs: number): boolean {
  let beyond = 0;
  for (const m of members) if (m && beyondBound(clock, m, maxOffsetMs)) beyond += 1;
  return beyond > members.length / 2;
}
