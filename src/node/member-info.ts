/**
 * The members as this node describes them in its Info answer: address, zone,
 * health, and the clock offset its coordinator last measured to each.
 */
import type { Coordinator } from '../client/index.js';
import type { MemberInfo } from '../protocol/generated/dstash/v1/MemberInfo.js';

/** Every member the coordinator sees, with its measured clock offset when there is one. */
export function membersWithClocks(coordinator: Coordinator | undefined): MemberInfo[] {
  if (!coordinator) return [];
  const offsets = new Map(coordinator.clockGuard.offsets().map((o) => [o.id, o]));
  return coordinator.members().map((m) => {
    const o = offsets.get(m.id);
    return {
      id: m.id,
      address: m.address,
      zone: m.zone ?? '',
      healthy: m.healthy,
      clock: o ? { offsetMs: Math.round(o.offsetMs), rttMs: o.rttMs, offender: o.offender } : null,
    };
  });
}
