/**
 * List commands (pushes, pops, LRANGE, LLEN). A list is one record (see
 * redis-value.ts): reads decode it, every push or pop is one compare-and-set
 * of the record, a list left empty is deleted, as in Redis, and a list is
 * bounded by the value limit.
 */
import type { Change, Stored } from '../keyspace.js';
import { encodeList } from '../redis-value.js';
import { NULL_ARRAY, RedisReplyError, wrongType, type Reply } from '../resp-reply.js';
import { int, oneKey, type Command, type CommandContext, type CommandDocs } from './command.js';
import { remainingTtl } from './string-commands.js';

/** The elements of a list (empty when the key is missing); WRONGTYPE for another type. */
function itemsOf(s: Stored | undefined): Buffer[] {
  if (!s) return [];
  if (s.value.type !== 'list') throw wrongType();
  return s.value.items;
}

async function readList(ctx: CommandContext, key: Buffer): Promise<Buffer[]> {
  return itemsOf((await ctx.keyspace.read(ctx.session.index, [key], ctx.session.consistency))[0]);
}

/** Changes a list atomically: `change` edits a copy of the elements and answers. */
function changeList(ctx: CommandContext, key: Buffer, change: (items: Buffer[]) => { changed: boolean; result: Reply }): Promise<Reply> {
  return ctx.keyspace.modify(ctx.session.index, key, (current): Change<Reply> => {
    const items = [...itemsOf(current)];
    const { changed, result } = change(items);
    if (!changed) return { result };
    if (items.length === 0) return { write: current ? 'delete' : undefined, result };
    const value = encodeList(items);
    if (value.length > ctx.maxValueBytes) throw new RedisReplyError(`ERR list larger than the value limit of ${ctx.maxValueBytes} bytes (--max-value-bytes)`);
    return { write: { value, ttlMs: remainingTtl(current, Date.now()) }, result };
  });
}

const PUSH_COMPLEXITY = 'O(1) for each element added, so O(N) to add N elements when the command is called with multiple arguments.';

function push(name: string, head: boolean, docs: CommandDocs): Command {
  return {
    name,
    arity: -3,
    flags: ['write', 'denyoom', 'fast'],
    categories: ['list'],
    keys: oneKey('RW', 'insert'),
    docs,
    run: (ctx, args) => changeList(ctx, args[1]!, (items) => {
      const added = args.slice(2).map((a) => Buffer.from(a));
      if (head) items.unshift(...added.reverse());
      else items.push(...added);
      return { changed: true, result: items.length };
    }),
  };
}

/** LPOP and RPOP: one element (nil when missing), or with a count an array of up to that many (nil when missing). */
function pop(name: string, head: boolean, summary: string): Command {
  return {
    name,
    arity: -2,
    flags: ['write', 'fast'],
    categories: ['list'],
    keys: oneKey('RW', 'access', 'delete'),
    docs: { summary, since: '1.0.0', group: 'list', complexity: 'O(N) where N is the number of elements returned' },
    run: (ctx, args) => {
      if (args.length > 3) throw new RedisReplyError(`ERR wrong number of arguments for '${name}' command`);
      const count = args.length === 3 ? int(args[2]!) : undefined;
      if (count !== undefined && count < 0) throw new RedisReplyError('ERR value is out of range, must be positive');
      return changeList(ctx, args[1]!, (items) => {
        if (items.length === 0) return { changed: false, result: count === undefined ? null : NULL_ARRAY };
        const n = Math.min(count ?? 1, items.length);
        const taken = head ? items.splice(0, n) : items.splice(items.length - n, n).reverse();
        return { changed: n > 0, result: count === undefined ? taken[0]! : taken };
      });
    },
  };
}

/** LRANGE's positions, as Redis clamps them. */
function listRange(start: number, end: number, length: number): [number, number] | undefined {
  const s = Math.max(0, start < 0 ? length + start : start);
  const e = Math.min(length - 1, end < 0 ? length + end : end);
  return s > e || s >= length ? undefined : [s, e];
}

/** List commands, with what Redis 7.0 tells of each. */
export const LIST_COMMANDS: readonly Command[] = [
  push('rpush', false, { summary: 'Append one or multiple elements to a list', since: '1.0.0', group: 'list', complexity: PUSH_COMPLEXITY }),
  push('lpush', true, { summary: 'Prepend one or multiple elements to a list', since: '1.0.0', group: 'list', complexity: PUSH_COMPLEXITY }),
  pop('lpop', true, 'Remove and get the first elements in a list'),
  pop('rpop', false, 'Remove and get the last elements in a list'),
  {
    name: 'llen',
    arity: 2,
    flags: ['readonly', 'fast'],
    categories: ['list'],
    keys: oneKey('RO'),
    docs: { summary: 'Get the length of a list', since: '1.0.0', group: 'list', complexity: 'O(1)' },
    run: async (ctx, args) => (await readList(ctx, args[1]!)).length,
  },
  {
    name: 'lrange',
    arity: 4,
    flags: ['readonly'],
    categories: ['list'],
    keys: oneKey('RO', 'access'),
    docs: {
      summary: 'Get a range of elements from a list',
      since: '1.0.0',
      group: 'list',
      complexity:
        'O(S+N) where S is the distance of start offset from HEAD for small lists, from nearest end (HEAD or TAIL) for large lists; and N is the number of elements in the specified range.',
    },
    run: async (ctx, args) => {
      const start = int(args[2]!);
      const end = int(args[3]!);
      const items = await readList(ctx, args[1]!);
      const r = listRange(start, end, items.length);
      return r ? items.slice(r[0], r[1] + 1) : [];
    },
  },
];
