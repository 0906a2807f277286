/**
 * FUNCTION FLUSH only: dstash runs no scripts and holds no functions, so
 * there is never one to delete, and clients (Redis's own test harness among
 * them) that clear functions before they start get Redis's answer.
 */
import { OK, RedisReplyError, type Reply } from '../resp-reply.js';
import { word, type Command } from './command.js';

function fn(args: Buffer[]): Reply {
  if (word(args[1]!) !== 'FLUSH') throw new RedisReplyError(`ERR unknown subcommand '${args[1]!.toString().slice(0, 64)}'. Try FUNCTION HELP.`);
  if (args.length > 3) throw new RedisReplyError(`ERR unknown subcommand or wrong number of arguments for '${args[1]!.toString()}'. Try FUNCTION HELP.`);
  if (args.length === 3 && !['SYNC', 'ASYNC'].includes(word(args[2]!))) throw new RedisReplyError('ERR FUNCTION FLUSH only supports SYNC|ASYNC option');
  return OK;
}

/** The FUNCTION record (FLUSH its only subcommand), with what Redis 7.0 tells of it. */
export const FUNCTION_COMMAND: Command = {
  name: 'function',
  arity: -2,
  flags: [],
  docs: { summary: 'A container for function commands', since: '7.0.0', group: 'scripting', complexity: 'Depends on subcommand.' },
  subcommands: [
    {
      name: 'function|flush',
      arity: -2,
      flags: ['write', 'noscript'],
      categories: ['scripting'],
      tips: ['request_policy:all_shards', 'response_policy:all_succeeded'],
      docs: { summary: 'Deleting all functions', since: '7.0.0', group: 'scripting', complexity: 'O(N) where N is the number of functions deleted' },
    },
  ],
  run: (_ctx, args) => fn(args),
};
