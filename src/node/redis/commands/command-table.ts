/**
 * Every Redis command dstash serves, and the dispatch of one request: the
 * name looked up (`ERR unknown command …` otherwise), the arity checked, the
 * handler run, and any failure turned into an error reply: the Redis one
 * when there is one (`WRONGTYPE`, `ERR syntax error`, …), else the dstash
 * error code followed by its message (`DSTASH_WRITE_QUORUM …`).
 */
import { DstashError } from '../../../errors.js';
import { logger } from '../../../logger.js';
import { roleAllows } from '../../../protocol/bearer-token.js';
import { bulk, RedisReplyError, type Reply } from '../resp-reply.js';
import { wrongArity, word, type Command, type CommandContext } from './command.js';
import { CONNECTION_COMMANDS } from './connection-commands.js';
import { HASH_COMMANDS } from './hash-commands.js';
import { KEY_COMMANDS } from './key-commands.js';
import { STRING_COMMANDS } from './string-commands.js';

const log = logger('redis');

const COMMANDS = new Map<string, Command>(Object.entries({ ...CONNECTION_COMMANDS, ...STRING_COMMANDS, ...KEY_COMMANDS, ...HASH_COMMANDS }));

/** COMMAND: COUNT, DOCS (none: redis-cli then shows no hints), INFO, and the list. */
COMMANDS.set('command', {
  arity: -1,
  run: (_ctx, args) => {
    const sub = args.length > 1 ? word(args[1]!) : '';
    const describe = (name: string): Reply => {
      const c = COMMANDS.get(name);
      return c ? [bulk(name), c.arity, [], 0, 0, 0] : null;
    };
    if (sub === 'COUNT') return COMMANDS.size;
    if (sub === 'DOCS') return { map: [] };
    if (sub === 'INFO') return args.slice(2).map((a) => describe(a.toString('latin1').toLowerCase()));
    if (sub === '') return [...COMMANDS.keys()].map(describe);
    throw new RedisReplyError(`ERR unknown subcommand '${args[1]!.toString().slice(0, 64)}'. Try COMMAND HELP.`);
  },
});

/** The names of the commands served. */
export function commandNames(): string[] {
  return [...COMMANDS.keys()];
}

/** Commands a connection may send before AUTH when the node asks for tokens (as Redis allows them). */
const BEFORE_AUTH = new Set(['auth', 'hello', 'quit']);
/** Commands that change data: they need a token of role write. */
const WRITES = new Set([
  'set', 'setnx', 'setex', 'psetex', 'getset', 'getdel', 'mset', 'msetnx', 'append', 'incr', 'decr', 'incrby', 'decrby', 'incrbyfloat',
  'del', 'unlink', 'persist', 'hset', 'hmset', 'hsetnx', 'hdel', 'hincrby',
]);

/**
 * With tokens: the error reply of a command the connection may not run
 * (`NOAUTH` before AUTH, `NOPERM` for a role below the command's), or
 * undefined when it may.
 */
function refusal(ctx: CommandContext, name: string): Reply | undefined {
  if (!ctx.auth || BEFORE_AUTH.has(name)) return undefined;
  const role = ctx.session.role;
  if (role === undefined) return { error: 'NOAUTH Authentication required.' };
  const needed = WRITES.has(name) ? 'write' : 'read';
  return roleAllows(role, needed) ? undefined : { error: `NOPERM User ${role} has no permissions to run the '${name}' command` };
}

/** Runs one request; never throws. */
export async function dispatch(ctx: CommandContext, args: Buffer[]): Promise<Reply> {
  const name = args[0]!.toString('latin1').toLowerCase();
  const command = COMMANDS.get(name);
  if (!command) {
    const shown = args.slice(1, 8).map((a) => `'${printable(a)}' `).join('');
    return { error: `ERR unknown command '${printable(args[0]!)}', with args beginning with: ${shown}` };
  }
  if (command.arity > 0 ? args.length !== command.arity : args.length < -command.arity) return { error: wrongArity(name).reply };
  const refused = refusal(ctx, name);
  if (refused) return refused;
  try {
    return await command.run(ctx, args);
  } catch (err) {
    return errorReply(err, name);
  }
}

/** The error reply of a failure. */
export function errorReply(err: unknown, name: string): Reply {
  if (err instanceof RedisReplyError) return { error: err.reply };
  if (err instanceof DstashError) return { error: `${err.code} ${err.message}` };
  log.error({ command: name, err: (err as Error).message }, 'redis command failed unexpectedly');
  return { error: `ERR internal error: ${(err as Error).message}` };
}

function printable(arg: Buffer): string {
  return arg.toString('latin1', 0, Math.min(arg.length, 128)).replace(/[^\x20-\x7e]/g, '?');
}
