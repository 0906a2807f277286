/**
 * FLUSHDB and FLUSHALL: a truncation of the connection's index (the SELECT'ed
 * database) or of every index, on every member (see client/truncate-round.ts).
 * SYNC (the default, as Redis's with lazyfree-lazy-user-flush off) replies
 * once every member acknowledged; ASYNC once the truncation is in force on
 * this node, the others acknowledging in the background, as Redis replies
 * before the memory is freed. Either way, what this connection reads next no
 * longer holds the old keys: this node's coordinator hides them from then on.
 *
 * Under tokens they need the `admin` role, above the `write` their Redis
 * flags give: Redis files them under @dangerous (with @keyspace @write @slow),
 * and emptying a whole index is an admin's operation on every other front
 * door (the Admin service, `POST /v1/truncate/:index`).
 */
import { ALL_INDEXES } from '../../../limits.js';
import { logger } from '../../../logger.js';
import { OK, syntaxError, type Reply } from '../resp-reply.js';
import { word, type Command, type CommandContext, type CommandSpec } from './command.js';

const log = logger('redis');

/** What FLUSHDB and FLUSHALL share: Redis 7.0's record but for the name and docs. */
const FLUSH: Omit<CommandSpec, 'name' | 'docs'> = {
  arity: -1,
  flags: ['write'],
  categories: ['keyspace', 'dangerous'],
  tips: ['request_policy:all_shards', 'response_policy:all_succeeded'],
  role: 'admin',
};

/** Truncates `index` as `FLUSHDB` / `FLUSHALL [ASYNC|SYNC]` ask. */
async function flush(ctx: CommandContext, args: Buffer[], index: string): Promise<Reply> {
  if (args.length > 2) throw syntaxError();
  const mode = args.length === 2 ? word(args[1]!) : 'SYNC';
  if (mode !== 'SYNC' && mode !== 'ASYNC') throw syntaxError();
  const run = ctx.coordinator.truncate(index, { first: ctx.server.nodeId() });
  if (mode === 'SYNC') {
    await run.done;
    return OK;
  }
  await run.started;
  run.done.catch((err: unknown) => log.warn({ index, err: (err as Error).message }, 'FLUSH ASYNC: not every member acknowledged; they learn it when they start again'));
  return OK;
}

/** The flush commands' records. */
export const FLUSH_COMMANDS: readonly Command[] = [
  {
    name: 'flushdb',
    ...FLUSH,
    docs: { summary: 'Remove all keys from the current database', since: '1.0.0', group: 'server', complexity: 'O(N) where N is the number of keys in the selected database' },
    run: (ctx, args) => flush(ctx, args, ctx.session.index),
  },
  {
    name: 'flushall',
    ...FLUSH,
    docs: { summary: 'Remove all keys from all databases', since: '1.0.0', group: 'server', complexity: 'O(N) where N is the total number of keys in all databases' },
    run: (ctx, args) => flush(ctx, args, ALL_INDEXES),
  },
];
