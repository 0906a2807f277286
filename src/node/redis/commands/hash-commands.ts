/**
 * Hash commands. A hash is one record (see redis-value.ts): reads decode it,
 * changes are one compare-and-set of the record, and a hash left without
 * fields is deleted, as in Redis.
 */
import type { Change, Stored } from '../keyspace.js';
import { globMatch } from '../redis-glob.js';
import { encodeHash, fieldName, type HashFields } from '../redis-value.js';
import { RedisReplyError, wrongType, type Reply } from '../resp-reply.js';
import { int64, pairs, type CommandContext, type CommandTable } from './command.js';
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

/** Hash commands by name. */
export const HASH_COMMANDS: CommandTable = {
  hset: { arity: -4, run: (ctx, args) => hset(ctx, args, 'hset') },
  hmset: { arity: -4, run: (ctx, args) => hset(ctx, args, 'hmset') },
  hsetnx: {
    arity: 4,
    run: (ctx, args) => changeHash(ctx, args[1]!, (fields) => {
      if (fields.has(fieldName(args[2]!))) return { changed: false, result: 0 };
      fields.set(fieldName(args[2]!), Buffer.from(args[3]!));
      return { changed: true, result: 1 };
    }),
  },
  hget: { arity: 3, run: async (ctx, args) => (await readHash(ctx, args[1]!)).get(fieldName(args[2]!)) ?? null },
  hmget: {
    arity: -3,
    run: async (ctx, args) => {
      const fields = await readHash(ctx, args[1]!);
      return args.slice(2).map((f) => fields.get(fieldName(f)) ?? null);
    },
  },
  hgetall: {
    arity: 2,
    run: async (ctx, args) => ({ map: [...(await readHash(ctx, args[1]!))].map(([f, v]): [Reply, Reply] => [bytes(f), v]) }),
  },
  hdel: {
    arity: -3,
    run: (ctx, args) => changeHash(ctx, args[1]!, (fields) => {
      let removed = 0;
      for (const f of args.slice(2)) if (fields.delete(fieldName(f))) removed += 1;
      return { changed: removed > 0, result: removed };
    }),
  },
  hexists: { arity: 3, run: async (ctx, args) => ((await readHash(ctx, args[1]!)).has(fieldName(args[2]!)) ? 1 : 0) },
  hlen: { arity: 2, run: async (ctx, args) => (await readHash(ctx, args[1]!)).size },
  hstrlen: { arity: 3, run: async (ctx, args) => (await readHash(ctx, args[1]!)).get(fieldName(args[2]!))?.length ?? 0 },
  hkeys: { arity: 2, run: async (ctx, args) => [...(await readHash(ctx, args[1]!)).keys()].map(bytes) },
  hvals: { arity: 2, run: async (ctx, args) => [...(await readHash(ctx, args[1]!)).values()] },
  hincrby: {
    arity: 4,
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
  hscan: {
    arity: -3,
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
};

