/**
 * Hash commands. A hash is one record (see redis-value.ts): reads decode it,
 * changes are one compare-and-set of the record, and a hash left without
 * fields is deleted, as in Redis.
 */
import type { Change, Stored } from '../keyspace.js';
import { globMatch } from '../redis-glob.js';
import { encodeHash, fieldName, type HashFields } from '../redis-value.js';
import { RedisReplyError, wrongType, type Reply } from '../resp-reply.js';
import { int64, oneKey, pairs, type Command, type CommandContext } from './command.js';
import { scanFilter } from './key-commands.js';
import { remainingTtl } from './string-commands.js';

/** The fields of a hash (empty when the key is missing); WRONGTYPE for another type. */
function fieldsOf(s: Stored | undefined): HashFields {
  if (!s) return new Map();
  if (s.value.type !== 'hash') throw wrongType();
  return s.value.fields;
}

async function readHash(ctx: CommandContext, key: Buffer): Promise<HashFields> {
  return fieldsOf((await ctx.keyspace.read(ctx.session.index, [key], ctx.session.consistency))[0]);
}

/** Changes a hash atomically: `change` edits the fields in place and answers. */
function changeHash(ctx: CommandContext, key: Buffer, change: (fields: HashFields) => { changed: boolean; result: Reply }): Promise<Reply> {
  return ctx.keyspace.modify(ctx.session.index, key, (current): Change<Reply> => {
    const fields = new Map(fieldsOf(current));
    const { changed, result } = change(fields);
    if (!changed) return { result };
    if (fields.size === 0) return { write: current ? 'delete' : undefined, result };
    const value = encodeHash(fields);
    if (value.length > ctx.maxValueBytes) throw new RedisReplyError(`ERR hash larger than the value limit of ${ctx.maxValueBytes} bytes (--max-value-bytes)`);
    return { write: { value, ttlMs: remainingTtl(current, Date.now()) }, result };
  });
}

function hset(ctx: CommandContext, args: Buffer[], name: string): Promise<Reply> {
  const entries = pairs(args, 2, name);
  return changeHash(ctx, args[1]!, (fields) => {
    let added = 0;
    for (const [f, v] of entries) {
      if (!fields.has(fieldName(f))) added += 1;
      fields.set(fieldName(f), Buffer.from(v));
    }
    return { changed: true, result: name === 'hmset' ? { simple: 'OK' } : added };
  });
}

const bytes = (f: string): Buffer => Buffer.from(f, 'latin1');

/** Hash commands, with what Redis 7.0 tells of each. */
export const HASH_COMMANDS: readonly Command[] = [
  {
    name: 'hset',
    arity: -4,
    flags: ['write', 'denyoom', 'fast'],
    categories: ['hash'],
    keys: oneKey('RW', 'update'),
    docs: {
      summary: 'Set the string value of a hash field',
      since: '2.0.0',
      group: 'hash',
      complexity: 'O(1) for each field/value pair added, so O(N) to add N field/value pairs when the command is called with multiple field/value pairs.',
    },
    run: (ctx, args) => hset(ctx, args, 'hset'),
  },
  {
    name: 'hmset',
    arity: -4,
    flags: ['write', 'denyoom', 'fast'],
    categories: ['hash'],
    keys: oneKey('RW', 'update'),
    docs: {
      summary: 'Set multiple hash fields to multiple values',
      since: '2.0.0',
      group: 'hash',
      complexity: 'O(N) where N is the number of fields being set.',
      deprecated: { since: '4.0.0', replacedBy: '`HSET` with multiple field-value pairs' },
    },
    run: (ctx, args) => hset(ctx, args, 'hmset'),
  },
  {
    name: 'hsetnx',
    arity: 4,
    flags: ['write', 'denyoom', 'fast'],
    categories: ['hash'],
    keys: oneKey('RW', 'insert'),
    docs: { summary: 'Set the value of a hash field, only if the field does not exist', since: '2.0.0', group: 'hash', complexity: 'O(1)' },
    run: (ctx, args) => changeHash(ctx, args[1]!, (fields) => {
      if (fields.has(fieldName(args[2]!))) return { changed: false, result: 0 };
      fields.set(fieldName(args[2]!), Buffer.from(args[3]!));
      return { changed: true, result: 1 };
    }),
  },
  {
    name: 'hget',
    arity: 3,
    flags: ['readonly', 'fast'],
    categories: ['hash'],
    keys: oneKey('RO', 'access'),
    overlap: 'read',
    docs: { summary: 'Get the value of a hash field', since: '2.0.0', group: 'hash', complexity: 'O(1)' },
    run: async (ctx, args) => (await readHash(ctx, args[1]!)).get(fieldName(args[2]!)) ?? null,
  },
  {
    name: 'hmget',
    arity: -3,
    flags: ['readonly', 'fast'],
    categories: ['hash'],
    keys: oneKey('RO', 'access'),
    docs: { summary: 'Get the values of all the given hash fields', since: '2.0.0', group: 'hash', complexity: 'O(N) where N is the number of fields being requested.' },
    run: async (ctx, args) => {
      const fields = await readHash(ctx, args[1]!);
      return args.slice(2).map((f) => fields.get(fieldName(f)) ?? null);
    },
  },
  {
    name: 'hgetall',
    arity: 2,
    flags: ['readonly'],
    categories: ['hash'],
    tips: ['nondeterministic_output_order'],
    keys: oneKey('RO', 'access'),
    docs: { summary: 'Get all the fields and values in a hash', since: '2.0.0', group: 'hash', complexity: 'O(N) where N is the size of the hash.' },
    run: async (ctx, args) => ({ map: [...(await readHash(ctx, args[1]!))].map(([f, v]): [Reply, Reply] => [bytes(f), v]) }),
  },
  {
    name: 'hdel',
    arity: -3,
    flags: ['write', 'fast'],
    categories: ['hash'],
    keys: oneKey('RW', 'delete'),
    docs: { summary: 'Delete one or more hash fields', since: '2.0.0', group: 'hash', complexity: 'O(N) where N is the number of fields to be removed.' },
    run: (ctx, args) => changeHash(ctx, args[1]!, (fields) => {
      let removed = 0;
      for (const f of args.slice(2)) if (fields.delete(fieldName(f))) removed += 1;
      return { changed: removed > 0, result: removed };
    }),
  },
  {
    name: 'hexists',
    arity: 3,
    flags: ['readonly', 'fast'],
    categories: ['hash'],
    keys: oneKey('RO'),
    docs: { summary: 'Determine if a hash field exists', since: '2.0.0', group: 'hash', complexity: 'O(1)' },
    run: async (ctx, args) => ((await readHash(ctx, args[1]!)).has(fieldName(args[2]!)) ? 1 : 0),
  },
  {
    name: 'hlen',
    arity: 2,
    flags: ['readonly', 'fast'],
    categories: ['hash'],
    keys: oneKey('RO'),
    docs: { summary: 'Get the number of fields in a hash', since: '2.0.0', group: 'hash', complexity: 'O(1)' },
    run: async (ctx, args) => (await readHash(ctx, args[1]!)).size,
  },
  {
    name: 'hstrlen',
    arity: 3,
    flags: ['readonly', 'fast'],
    categories: ['hash'],
    keys: oneKey('RO'),
    docs: { summary: 'Get the length of the value of a hash field', since: '3.2.0', group: 'hash', complexity: 'O(1)' },
    run: async (ctx, args) => (await readHash(ctx, args[1]!)).get(fieldName(args[2]!))?.length ?? 0,
  },
  {
    name: 'hkeys',
    arity: 2,
    flags: ['readonly'],
    categories: ['hash'],
    tips: ['nondeterministic_output_order'],
    keys: oneKey('RO', 'access'),
    docs: { summary: 'Get all the fields in a hash', since: '2.0.0', group: 'hash', complexity: 'O(N) where N is the size of the hash.' },
    run: async (ctx, args) => [...(await readHash(ctx, args[1]!)).keys()].map(bytes),
  },
  {
    name: 'hvals',
    arity: 2,
    flags: ['readonly'],
    categories: ['hash'],
    tips: ['nondeterministic_output_order'],
    keys: oneKey('RO', 'access'),
    docs: { summary: 'Get all the values in a hash', since: '2.0.0', group: 'hash', complexity: 'O(N) where N is the size of the hash.' },
    run: async (ctx, args) => [...(await readHash(ctx, args[1]!)).values()],
  },
  {
    name: 'hincrby',
    arity: 4,
    flags: ['write', 'denyoom', 'fast'],
    categories: ['hash'],
    keys: oneKey('RW', 'access', 'update'),
    docs: { summary: 'Increment the integer value of a hash field by the given number', since: '2.0.0', group: 'hash', complexity: 'O(1)' },
    run: (ctx, args) => {
      const by = int64(args[3]!);
      return changeHash(ctx, args[1]!, (fields) => {
        const old = fields.get(fieldName(args[2]!));
        const text = old?.toString('latin1') ?? '0';
        if (!/^-?(0|[1-9][0-9]*)$/.test(text)) throw new RedisReplyError('ERR hash value is not an integer');
        const n = BigInt(text) + by;
        if (n < -(2n ** 63n) || n > 2n ** 63n - 1n) throw new RedisReplyError('ERR increment or decrement would overflow');
        fields.set(fieldName(args[2]!), Buffer.from(n.toString(), 'latin1'));
        return { changed: true, result: n };
      });
    },
  },
  {
    name: 'hscan',
    arity: -3,
    flags: ['readonly'],
    categories: ['hash'],
    tips: ['nondeterministic_output'],
    keys: oneKey('RO', 'access'),
    docs: {
      summary: 'Incrementally iterate hash fields and associated values',
      since: '2.8.0',
      group: 'hash',
      // Redis's text, its double full stop included.
      complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection..',
    },
    run: async (ctx, args) => {
      // The whole hash is one record: one page holds every field, and the cursor is 0 again.
      if (args[2]!.toString('latin1') !== '0') throw new RedisReplyError('ERR invalid cursor');
      const filter = scanFilter(args, 3, false);
      const out: Buffer[] = [];
      for (const [f, v] of await readHash(ctx, args[1]!)) {
        if (!filter.match || globMatch(filter.match, bytes(f))) out.push(bytes(f), v);
      }
      return [Buffer.from('0'), out];
    },
  },
];
