/**
 * The shell's commands: one entry each, with its usage (also the help text)
 * and how it runs against a {@link ShellContext}. A command returns the lines
 * to print; a failure throws a DstashError, which the shell prints as one line.
 */
import { ErrorCode, InvalidArgumentError } from '../../errors.js';
import { validateIndex } from '../../limits.js';
import { columns, memberStatuses, statusLines } from '../cluster-table.js';
import type { ShellContext } from './shell-context.js';
import { displayBytes } from './value-display.js';

/** Consistency levels `consistency` accepts; `default` leaves the choice to the node. */
export const CONSISTENCY_LEVELS = ['one', 'quorum', 'all', 'default'] as const;

/** Most records `scan` lists when no limit is given. */
const DEFAULT_SCAN_LIMIT = 100;

/** One shell command. */
export interface ShellCommand {
  /** Words after the name, for the help: `KEY VALUE [TTL_MS]`. */
  usage: string;
  summary: string;
  /** Least and most arguments. */
  args: [min: number, max: number];
  run(ctx: ShellContext, args: Buffer[]): Promise<string[]>;
}

const text = (b: Buffer): string => b.toString('utf8');

function integer(word: Buffer, name: string): number {
  const s = text(word);
  if (!/^\d{1,15}$/.test(s)) throw new InvalidArgumentError(ErrorCode.InvalidArgument, `${name} must be a whole number, not ${JSON.stringify(s.slice(0, 40))}`);
  return Number(s);
}

/** Every command, by name. */
export const SHELL_COMMANDS: Readonly<Record<string, ShellCommand>> = {
  get: {
    usage: 'KEY', summary: 'print the value of KEY, or (nil)', args: [1, 1],
    async run(ctx, [key]) {
      const res = await ctx.lookup(key!);
      return [res.found ? displayBytes(res.value) : '(nil)'];
    },
  },
  set: {
    usage: 'KEY VALUE [TTL_MS]', summary: 'store VALUE under KEY, expiring after TTL_MS if given', args: [2, 3],
    async run(ctx, [key, value, ttl]) {
      await ctx.put(key!, value!, ttl ? integer(ttl, 'TTL_MS') : 0);
      return ['OK'];
    },
  },
  del: {
    usage: 'KEY', summary: 'delete KEY', args: [1, 1],
    async run(ctx, [key]) {
      await ctx.delete(key!);
      return ['OK'];
    },
  },
  scan: {
    usage: '[PREFIX [LIMIT]]', summary: `list keys and values starting with PREFIX (at most LIMIT, default ${DEFAULT_SCAN_LIMIT})`, args: [0, 2],
    async run(ctx, [prefix, limit]) {
      const entries = await ctx.scan(prefix ?? Buffer.alloc(0), limit ? integer(limit, 'LIMIT') : DEFAULT_SCAN_LIMIT);
      return entries.length ? entries.map((e) => `${displayBytes(e.key)}\t${displayBytes(e.value)}`) : ['(empty)'];
    },
  },
  ttl: {
    usage: 'KEY', summary: 'milliseconds KEY has left to live: a number, "none" without expiry, or (nil)', args: [1, 1],
    async run(ctx, [key]) {
      const res = await ctx.lookup(key!);
      if (!res.found) return ['(nil)'];
      return [res.expiresAtMs ? String(Math.max(0, res.expiresAtMs - Date.now())) : 'none'];
    },
  },
  incr: {
    usage: 'KEY [BY]', summary: 'add BY (default 1) to the counter in KEY, atomically; print the new count', args: [1, 2],
    async run(ctx, [key, by]) {
      const res = await ctx.serial({ key: key!, op: 'SERIAL_OP_INCREMENT', by: by ? text(by) : '1' });
      return [res.value.toString('ascii')];
    },
  },
  append: {
    usage: 'KEY VALUE', summary: 'append VALUE to the value of KEY, atomically', args: [2, 2],
    async run(ctx, [key, value]) {
      await ctx.serial({ key: key!, op: 'SERIAL_OP_APPEND', value: value! });
      return ['OK'];
    },
  },
  use: {
    usage: 'INDEX', summary: 'send the next commands to INDEX', args: [1, 1],
    async run(ctx, [index]) {
      const name = text(index!);
      validateIndex(name);
      ctx.index = name;
      return ['OK'];
    },
  },
  consistency: {
    usage: CONSISTENCY_LEVELS.join('|'), summary: 'replicas that must answer the next commands', args: [1, 1],
    async run(ctx, [level]) {
      const name = text(level!).toLowerCase() as (typeof CONSISTENCY_LEVELS)[number];
      if (!CONSISTENCY_LEVELS.includes(name)) {
        throw new InvalidArgumentError(ErrorCode.InvalidArgument, `consistency is one of ${CONSISTENCY_LEVELS.join(', ')}`);
      }
      ctx.consistency = name === 'default' ? undefined : name;
      return ['OK'];
    },
  },
  status: {
    usage: '', summary: 'members, health, partitions, size, hints and transfers per node', args: [0, 0],
    async run(ctx) {
      const info = await ctx.info();
      return statusLines(info, await memberStatuses(info, ctx.credentials, ctx.timeoutMs, ctx.token));
    },
  },
  members: {
    usage: '', summary: 'the members as the node sees them', args: [0, 0],
    async run(ctx) {
      const info = await ctx.info();
      return columns(info.members.map((m) => [m.id, m.address, m.zone || '-', m.healthy ? 'healthy' : 'UNHEALTHY']));
    },
  },
};

/** The help text: every command, or one. */
export function helpLines(name?: string): string[] {
  if (name !== undefined) {
    const command = SHELL_COMMANDS[name];
    if (!command) throw new InvalidArgumentError(ErrorCode.InvalidArgument, `no command ${JSON.stringify(name)}: type help for the list`);
    return [`${name} ${command.usage}`.trim(), `  ${command.summary}`];
  }
  const rows = Object.entries(SHELL_COMMANDS).map(([n, c]) => [`${n} ${c.usage}`.trim(), c.summary]);
  rows.push(['help [COMMAND]', 'this list, or one command'], ['exit', 'leave (or Ctrl-D)']);
  return [
    ...columns(rows),
    'Quote words with spaces ("a b" or \'a b\'); write any byte as \\xHH. Values that are not printable UTF-8 print as base64:….',
  ];
}
