/**
 * WAIT numreplicas timeout. A write of the Redis port returns once the
 * replicas its consistency requires acknowledged it, so there is nothing
 * to wait for afterwards: WAIT answers at once with the replicas known to
 * hold the connection's last write, minus one (Redis counts the replicas of
 * a primary, the primary itself left out). The count is a floor: the
 * replicas the consistency required (ONE 1, QUORUM W, ALL N, SERIAL a
 * majority; atomic commands reach a majority whatever the consistency); a
 * write's outcome does not say how many more acknowledged it. Before any
 * write it is every replica of a partition but one, as Redis counts every
 * connected replica then.
 */
import { requiredReplicas } from '../../../client/index.js';
import { RedisReplyError, type Reply } from '../resp-reply.js';
import { int64, type Command, type CommandContext } from './command.js';

/** Replicas that a successful write of the connection reached at least, the local copy included; before any write, all of a partition's. */
function acknowledgements(ctx: CommandContext): number {
  const { replicas, writeQuorum } = ctx.coordinator.options;
  const available = Math.min(replicas, Math.max(1, ctx.coordinator.members().length));
  const c = ctx.session.lastWrite;
  if (c === undefined) return available;
  return c === 'SERIAL' ? Math.floor(available / 2) + 1 : requiredReplicas(c, writeQuorum, available);
}

function wait(ctx: CommandContext, args: Buffer[]): Reply {
  // The timeout is checked first, as in Redis; it is never waited for (see above).
  let timeout: bigint;
  try {
    timeout = int64(args[2]!);
  } catch {
    throw new RedisReplyError('ERR timeout is not an integer or out of range');
  }
  if (timeout < 0n) throw new RedisReplyError('ERR timeout is negative');
  int64(args[1]!);
  return acknowledgements(ctx) - 1;
}

/** The WAIT record, with what Redis 7.0 tells of it. */
export const WAIT_COMMAND: Command = {
  name: 'wait',
  arity: 3,
  flags: ['noscript'],
  categories: ['connection'],
  tips: ['request_policy:all_shards', 'response_policy:agg_min'],
  docs: {
    summary: 'Wait for the synchronous replication of all the write commands sent in the context of the current connection',
    since: '3.0.0',
    group: 'generic',
    complexity: 'O(1)',
  },
  run: wait,
};
