/**
 * Every Redis command dstash serves, one record each (defined beside its
 * handler), and the dispatch of one request: the name looked up (`ERR
 * unknown command …` otherwise), the arity and the role required read from
 * the record (a `write` command needs a write token, a `no_auth` one none,
 * one with a `role` that role),
 * the handler run, and any failure turned into an error reply: the Redis one
 * when there is one (`WRONGTYPE`, `ERR syntax error`, …), else the dstash
 * error code followed by its message (`DSTASH_WRITE_QUORUM …`).
 */
import { DstashError } from '../../../errors.js';
import { logger } from '../../../logger.js';
import { roleAllows } from '../../../protocol/bearer-token.js';
import { RedisReplyError, type Reply } from '../resp-reply.js';
import { commandCommand } from './command-command.js';
import { wrongArity, type Command, type CommandContext, type PipelineOverlap } from './command.js';
import { CONFIG_COMMAND } from './config-command.js';
import { CONNECTION_COMMANDS } from './connection-commands.js';
import { FLUSH_COMMANDS } from './flush-commands.js';
import { FUNCTION_COMMAND } from './function-command.js';
import { HASH_COMMANDS } from './hash-commands.js';
import { KEY_COMMANDS } from './key-commands.js';
import { LIST_COMMANDS } from './list-commands.js';
import { MEMORY_COMMAND } from './memory-command.js';
import { STRING_COMMANDS } from './string-commands.js';
import { WAIT_COMMAND } from './wait-command.js';

const log = logger('redis');

const COMMANDS = new Map<string, Command>([...CONNECTION_COMMANDS, ...STRING_COMMANDS, ...KEY_COMMANDS, ...HASH_COMMANDS, ...LIST_COMMANDS, ...FLUSH_COMMANDS, CONFIG_COMMAND, WAIT_COMMAND, FUNCTION_COMMAND, MEMORY_COMMAND].map((c) => [c.name, c]));
COMMANDS.set('command', commandCommand(COMMANDS));

/** The records of the commands served, by name. */
export function commandRecords(): ReadonlyMap<string, Command> {
  return COMMANDS;
}

/** The record of a request's command; undefined for an unknown one. */
function recordOf(args: Buffer[]): Command | undefined {
  return COMMANDS.get(args[0]!.toString('latin1').toLowerCase());
}

/**
 * How a pipelined request may run at once with the ones before it (see
 * {@link PipelineOverlap}), and the key it must not share with them;
 * undefined when it runs alone.
 */
export function pipelineOverlap(args: Buffer[]): { kind: PipelineOverlap; key: Buffer } | undefined {
  const command = recordOf(args);
  if (!command?.overlap || args.length !== Math.abs(command.arity)) return undefined;
  return { kind: command.overlap, key: args[command.keys!.first]! };
}

/**
 * With tokens: the error reply of a command the connection may not run
 * (`NOAUTH` before AUTH, `NOPERM` for a role below the command's), or
 * undefined when it may.
 */
function refusal(ctx: CommandContext, command: Command): Reply | undefined {
  if (!ctx.auth || command.flags.includes('no_auth')) return undefined;
  const role = ctx.session.role;
  if (role === undefined) return { error: 'NOAUTH Authentication required.' };
  const needed = command.role ?? (command.flags.includes('write') ? 'write' : 'read');
  return roleAllows(role, needed) ? undefined : { error: `NOPERM User ${role} has no permissions to run the '${command.name}' command` };
}

/** Runs one request; never throws. */
export async function dispatch(ctx: CommandContext, args: Buffer[]): Promise<Reply> {
  const command = recordOf(args);
  if (!command) {
    const shown = args.slice(1, 8).map((a) => `'${printable(a)}' `).join('');
    return { error: `ERR unknown command '${printable(args[0]!)}', with args beginning with: ${shown}` };
  }
  if (command.arity > 0 ? args.length !== command.arity : args.length < -command.arity) return { error: wrongArity(command.name).reply };
  const refused = refusal(ctx, command);
  if (refused) return refused;
  ctx.session.lastActiveAt = Date.now();
  ctx.session.lastCommand = runName(command, args);
  try {
    const reply = await command.run(ctx, args);
    if (command.flags.includes('write') && !isError(reply)) ctx.session.lastWrite = ctx.session.consistency;
    return reply;
  } catch (err) {
    return errorReply(err, command.name);
  }
}

/** The name CLIENT LIST gives a request: its subcommand's (`client|list`) where the record has one by that name. */
function runName(command: Command, args: Buffer[]): string {
  if (!command.subcommands || args.length < 2) return command.name;
  const name = `${command.name}|${args[1]!.toString('latin1').toLowerCase()}`;
  return command.subcommands.some((s) => s.name === name) ? name : command.name;
}

function isError(reply: Reply): boolean {
  return typeof reply === 'object' && reply !== null && !Buffer.isBuffer(reply) && 'error' in reply;
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
