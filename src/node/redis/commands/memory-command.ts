/**
 * MEMORY USAGE only: the bytes of the key and of its record as stored,
 * without what the store adds per record (version, expiry) or its caches.
 * Redis counts the allocations of its objects; the two are comparable in
 * scale, not equal.
 */
import { encodeValue } from '../redis-value.js';
import { RedisReplyError, syntaxError, type Reply } from '../resp-reply.js';
import { int64, word, wrongArity, type Command, type CommandContext } from './command.js';

async function memory(ctx: CommandContext, args: Buffer[]): Promise<Reply> {
  if (word(args[1]!) !== 'USAGE') throw new RedisReplyError(`ERR unknown subcommand '${args[1]!.toString().slice(0, 64)}'. Try MEMORY HELP.`);
  if (args.length < 3) throw wrongArity('memory|usage');
  for (let i = 3; i < args.length; i++) {
    // SAMPLES changes nothing here: the record is measured whole.
    if (word(args[i]!) !== 'SAMPLES' || i + 1 >= args.length) throw syntaxError();
    if (int64(args[++i]!) < 0n) throw syntaxError();
  }
  const [s] = await ctx.keyspace.read(ctx.session.index, [args[2]!], ctx.session.consistency);
  return s ? args[2]!.length + encodeValue(s.value).length : null;
}

/** The MEMORY record (USAGE its only subcommand), with what Redis 7.0 tells of it. */
export const MEMORY_COMMAND: Command = {
  name: 'memory',
  arity: -2,
  flags: [],
  docs: { summary: 'A container for memory diagnostics commands', since: '4.0.0', group: 'server', complexity: 'Depends on subcommand.' },
  subcommands: [
    {
      name: 'memory|usage',
      arity: -3,
      flags: ['readonly'],
      keys: { first: 2, last: 2, step: 1, flags: ['RO'] },
      docs: { summary: 'Estimate the memory usage of a key', since: '4.0.0', group: 'server', complexity: 'O(N) where N is the number of samples.' },
    },
  ],
  run: memory,
};
