/**
 * How a node that was down during a truncation learns it: as it starts, it
 * asks every other member it knows for the truncations they keep (the
 * Replica service's Info carries them) and applies the ones it missed, before
 * its store serves anything (LocalReplica.holdUntil); and it asks again each
 * member that turns healthy in its view (a partition that healed). Pulled
 * from the peers rather than exchanged with the membership list: every
 * discovery (Consul, DNS, static, join) has members to ask, while only join
 * discovery exchanges a list.
 */
import type { Member } from '../discovery/discovery.js';
import type { Logger } from '../logger.js';
import type { InfoResponse__Output } from '../protocol/generated/dstash/v1/InfoResponse.js';
import type { Store } from '../storage/store.js';

/** The truncations `store` keeps, as the Info answer carries them. */
export function truncationsOf(store: Store | undefined): { index: string; version: Buffer }[] {
  return store ? [...store.truncations()].map(([index, version]) => ({ index, version })) : [];
}

/**
 * Asks each member but `selfId` (through `info`) for its truncations and
 * keeps them (`truncate`, the local replica's); resolves with how many moved
 * the store's forward.
 * A member that does not answer is logged and skipped: the others, which all
 * acknowledged a truncation that succeeded, tell the same.
 */
export async function learnTruncations(
  truncate: (index: string, version: Buffer) => Promise<boolean>,
  members: readonly Member[],
  selfId: string,
  info: (member: Member) => Promise<InfoResponse__Output>,
  log: Logger,
): Promise<number> {
  let learned = 0;
  await Promise.all(members.filter((m) => m.id !== selfId).map(async (member) => {
    let answer: InfoResponse__Output;
    try {
      answer = await info(member);
    } catch (err) {
      log.warn({ member: member.id, err: (err as Error).message }, 'could not ask a member for its truncations; the others tell them');
      return;
    }
    for (const { index, version } of answer.truncations) {
      try {
        if (await truncate(index, version)) learned += 1;
      } catch (err) {
        log.warn({ member: member.id, index, err: (err as Error).message }, 'a member sent a truncation this node cannot keep');
      }
    }
  }));
  if (learned > 0) log.info({ learned }, 'learned truncations missed while stopped');
  return learned;
}
