/**
 * String commands. Plain GET/SET/MGET/MSET go through the coordinator at the
 * connection's consistency; everything that depends on the current value
 * (NX, XX, GET, KEEPTTL, GETSET, GETDEL, GETEX, APPEND, SETRANGE, INCR*,
 * MSETNX) is atomic, on per-key Paxos (see keyspace.ts).
 */
import { ErrorCode, hasCode } from '../../../errors.js';
import type { Change, Stored } from '../keyspace.js';
import { answerParts, readInParts } from '../../read-in-parts.js';
import { encodeString } from '../redis-value.js';
import { notAnInteger, OK, RedisReplyError, syntaxError, wrongType, type Reply } from '../resp-reply.js';
import { everyKey, int, int64, oneKey, pairs, ttlFrom, word, type Command, type CommandContext, type ExpiryUnit } from './command.js';

/** The string a key holds (undefined when missing); WRONGTYPE for another type. */
export function stringOf(s: Stored | undefined): Buffer | undefined {
  if (!s) return undefined;
  if (s.value.type !== 'string') throw wrongType();
  return s.value.value;
}

/** What is left of a key's TTL in ms (0 = none), for a write that keeps it. */
export function remainingTtl(s: Stored | undefined, now: number): number {
  return s && s.expiresAt > 0 ? Math.max(1, s.expiresAt - now) : 0;
}

async function getOne(ctx: CommandContext, key: Buffer): Promise<Stored | undefined> {
  return (await ctx.keyspace.read(ctx.session.index, [key], ctx.session.consistency))[0];
}

/** Writes one string, or deletes the key when its TTL is already over. */
async function setPlain(ctx: CommandContext, key: Buffer, value: Buffer, ttlMs: number): Promise<void> {
  const { index, consistency } = ctx.session;
  if (ttlMs < 0) await ctx.keyspace.remove(index, [key], consistency);
  else await ctx.keyspace.write(index, [{ key, value: encodeString(value), ttlMs }], consistency);
}

interface SetOptions {
  condition?: 'NX' | 'XX';
  get: boolean;
  keepTtl: boolean;
  /** ms from now; 0 = none, negative = already expired. */
  ttlMs: number;
}

function setOptions(args: Buffer[], now: number): SetOptions {
  const o: SetOptions = { get: false, keepTtl: false, ttlMs: 0 };
  let expiry = false;
  for (let i = 3; i < args.length; i++) {
    const w = word(args[i]!);
    if ((w === 'NX' || w === 'XX') && !o.condition) o.condition = w;
    else if (w === 'GET' && !o.get) o.get = true;
    else if (w === 'KEEPTTL' && !expiry) o.keepTtl = expiry = true;
    else if ((w === 'EX' || w === 'PX' || w === 'EXAT' || w === 'PXAT') && !expiry && i + 1 < args.length) {
      expiry = true;
      o.ttlMs = ttlFrom(w, args[++i]!, 'set', now);
      if (o.ttlMs === 0) o.ttlMs = -1;
    } else throw syntaxError();
  }
  return o;
}

async function set(ctx: CommandContext, args: Buffer[]): Promise<Reply> {
  const [, key, value] = args as [Buffer, Buffer, Buffer];
  const now = Date.now();
  const o = setOptions(args, now);
  const { index } = ctx.session;
  if (!o.condition && !o.get && !o.keepTtl) {
    await setPlain(ctx, key, value, o.ttlMs);
    return OK;
  }
  if (o.condition === 'NX' && !o.get && !o.keepTtl && o.ttlMs >= 0) {
    return (await ctx.keyspace.setIfAbsent(index, key, encodeString(value), o.ttlMs)) ? OK : null;
  }
  return ctx.keyspace.modify(index, key, (current): Change<Reply> => {
    const old = o.get ? stringOf(current) ?? null : undefined;
    const skip = (o.condition === 'NX' && current) || (o.condition === 'XX' && !current);
    const result = o.get ? old! : skip ? null : OK;
    if (skip) return { result };
    if (o.ttlMs < 0) return { write: current ? 'delete' : undefined, result };
    return { write: { value: encodeString(value), ttlMs: o.keepTtl ? remainingTtl(current, Date.now()) : o.ttlMs }, result };
  });
}

/** `ERR invalid expire time` unless positive, then the TTL in ms. */
function positiveTtl(arg: Buffer, unitMs: number, command: string): number {
  return ttlFrom(unitMs === 1000 ? 'EX' : 'PX', arg, command, 0);
}

async function replaceReturningOld(ctx: CommandContext, key: Buffer, write: (s: Stored | undefined) => Change<Reply>['write']): Promise<Reply> {
  return ctx.keyspace.modify(ctx.session.index, key, (current): Change<Reply> => {
    const old = stringOf(current);
    return { write: current || write !== deleteKey ? write(current) : undefined, result: old ?? null };
  });
}

const deleteKey = (): 'delete' => 'delete';

/** MGET's answer for a key: its string, or nil (missing, or not a string). */
function stringReply(s: Stored | undefined): Reply {
  return s?.value.type === 'string' ? s.value.value : null;
}

/** The bytes a read of a key holds: its string, or its hash's values. */
function storedBytes(s: Stored | undefined): number {
  if (!s) return 0;
  if (s.value.type === 'string') return s.value.value.length;
  let bytes = 0;
  for (const v of s.value.type === 'hash' ? s.value.fields.values() : s.value.items) bytes += v.length;
  return bytes;
}

async function incrementBy(ctx: CommandContext, key: Buffer, by: bigint): Promise<Reply> {
  try {
    return await ctx.keyspace.increment(ctx.session.index, key, by);
  } catch (err) {
    if (hasCode(err, ErrorCode.NotACounter)) {
      const current = await getOne(ctx, key);
      throw current && current.value.type !== 'string' ? wrongType() : notAnInteger();
    }
    if (hasCode(err, ErrorCode.InvalidArgument)) throw new RedisReplyError('ERR increment or decrement would overflow');
    throw err;
  }
}

function formatFloat(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) < 1e21) return n.toFixed(0);
  const text = String(n);
  return text.includes('e') ? n.toFixed(17).replace(/\.?0+$/, '') : text;
}

/** A float as Redis's string2ld reads it: no spaces around it, `inf` and `infinity` in any case allowed, NaN refused. */
function parseFloatArg(text: string, error: string): number {
  if (/^[-+]?inf(inity)?$/i.test(text)) return text.startsWith('-') ? -Infinity : Infinity;
  const n = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(n)) throw new RedisReplyError(error);
  return n;
}

/** Index positions of GETRANGE, as Redis computes them. */
function range(start: number, end: number, length: number): [number, number] | undefined {
  if (start < 0 && end < 0 && start > end) return undefined;
  let s = start < 0 ? Math.max(0, length + start) : start;
  let e = end < 0 ? Math.max(0, length + end) : end;
  if (e >= length) e = length - 1;
  if (s > e || length === 0) return undefined;
  s = Math.max(0, s);
  return [s, e];
}

/** `ERR string exceeds maximum allowed size (proto-max-bulk-len)`: the node's value limit is its proto-max-bulk-len (CONFIG GET). */
function tooLong(): RedisReplyError {
  return new RedisReplyError('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
}

/** SETRANGE key offset value, with Redis's order of checks (an empty value changes nothing, not even a missing key). */
function setRange(ctx: CommandContext, args: Buffer[]): Promise<Reply> {
  const offset = int(args[2]!);
  if (offset < 0) throw new RedisReplyError('ERR offset is out of range');
  const patch = args[3]!;
  return ctx.keyspace.modify(ctx.session.index, args[1]!, (current): Change<Reply> => {
    const old = stringOf(current) ?? Buffer.alloc(0);
    if (patch.length === 0) return { result: old.length };
    if (offset + patch.length > ctx.maxValueBytes) throw tooLong();
    const value = Buffer.alloc(Math.max(old.length, offset + patch.length));
    old.copy(value);
    patch.copy(value, offset);
    return { write: { value: encodeString(value), ttlMs: remainingTtl(current, Date.now()) }, result: value.length };
  });
}

/** GETEX key [EX s | PX ms | EXAT t | PXAT t | PERSIST]: the options are parsed first, the time checked once the key is found, as in Redis. */
function getEx(ctx: CommandContext, args: Buffer[]): Promise<Reply> {
  let unit: ExpiryUnit | 'PERSIST' | undefined;
  let amount: Buffer | undefined;
  for (let i = 2; i < args.length; i++) {
    const w = word(args[i]!);
    if ((w === 'EX' || w === 'PX' || w === 'EXAT' || w === 'PXAT') && !unit && i + 1 < args.length) {
      unit = w;
      amount = args[++i]!;
    } else if (w === 'PERSIST' && !unit) unit = w;
    else throw syntaxError();
  }
  return ctx.keyspace.modify(ctx.session.index, args[1]!, (current): Change<Reply> => {
    const value = stringOf(current);
    if (!value || !unit) return { result: value ?? null };
    if (unit === 'PERSIST') return { write: current!.expiresAt ? { value: encodeString(value), ttlMs: 0 } : undefined, result: value };
    const ttlMs = ttlFrom(unit, amount!, 'getex', Date.now());
    return { write: ttlMs <= 0 ? 'delete' : { value: encodeString(value), ttlMs }, result: value };
  });
}

/** INCR, DECR, INCRBY, DECRBY: `by` reads the amount from the arguments. */
function increment(name: string, arity: number, summary: string, by: (args: Buffer[]) => bigint): Command {
  return {
    name,
    arity,
    flags: ['write', 'denyoom', 'fast'],
    categories: ['string'],
    keys: oneKey('RW', 'access', 'update'),
    overlap: 'inc',
    docs: { summary, since: '1.0.0', group: 'string', complexity: 'O(1)' },
    run: (ctx, args) => incrementBy(ctx, args[1]!, by(args)),
  };
}

/** String commands, with what Redis 7.0 tells of each. */
export const STRING_COMMANDS: readonly Command[] = [
  {
    name: 'get',
    arity: 2,
    flags: ['readonly', 'fast'],
    categories: ['string'],
    keys: oneKey('RO', 'access'),
    overlap: 'read',
    docs: { summary: 'Get the value of a key', since: '1.0.0', group: 'string', complexity: 'O(1)' },
    run: async (ctx, args) => stringOf(await getOne(ctx, args[1]!)) ?? null,
  },
  {
    name: 'set',
    arity: -3,
    flags: ['write', 'denyoom'],
    categories: ['string'],
    keys: { ...oneKey('RW', 'access', 'update', 'variable_flags'), notes: 'RW and ACCESS due to the optional `GET` argument' },
    // Plain `SET k v` only: any option makes it atomic on Paxos or gives it a TTL.
    overlap: 'set',
    docs: { summary: 'Set the string value of a key', since: '1.0.0', group: 'string', complexity: 'O(1)' },
    run: set,
  },
  {
    name: 'setnx',
    arity: 3,
    flags: ['write', 'denyoom', 'fast'],
    categories: ['string'],
    keys: oneKey('OW', 'insert'),
    docs: { summary: 'Set the value of a key, only if the key does not exist', since: '1.0.0', group: 'string', complexity: 'O(1)' },
    run: async (ctx, args) => ((await ctx.keyspace.setIfAbsent(ctx.session.index, args[1]!, encodeString(args[2]!), 0)) ? 1 : 0),
  },
  {
    name: 'setex',
    arity: 4,
    flags: ['write', 'denyoom'],
    categories: ['string'],
    keys: oneKey('OW', 'update'),
    docs: { summary: 'Set the value and expiration of a key', since: '2.0.0', group: 'string', complexity: 'O(1)' },
    run: async (ctx, args) => {
      await setPlain(ctx, args[1]!, args[3]!, positiveTtl(args[2]!, 1000, 'setex'));
      return OK;
    },
  },
  {
    name: 'psetex',
    arity: 4,
    flags: ['write', 'denyoom'],
    categories: ['string'],
    keys: oneKey('OW', 'update'),
    docs: { summary: 'Set the value and expiration in milliseconds of a key', since: '2.6.0', group: 'string', complexity: 'O(1)' },
    run: async (ctx, args) => {
      await setPlain(ctx, args[1]!, args[3]!, positiveTtl(args[2]!, 1, 'psetex'));
      return OK;
    },
  },
  {
    name: 'getset',
    arity: 3,
    flags: ['write', 'denyoom', 'fast'],
    categories: ['string'],
    keys: oneKey('RW', 'access', 'update'),
    docs: {
      summary: 'Set the string value of a key and return its old value',
      since: '1.0.0',
      group: 'string',
      complexity: 'O(1)',
      deprecated: { since: '6.2.0', replacedBy: '`SET` with the `!GET` argument' },
    },
    run: (ctx, args) => replaceReturningOld(ctx, args[1]!, () => ({ value: encodeString(args[2]!), ttlMs: 0 })),
  },
  {
    name: 'getdel',
    arity: 2,
    flags: ['write', 'fast'],
    categories: ['string'],
    keys: oneKey('RW', 'access', 'delete'),
    docs: { summary: 'Get the value of a key and delete the key', since: '6.2.0', group: 'string', complexity: 'O(1)' },
    run: (ctx, args) => replaceReturningOld(ctx, args[1]!, deleteKey),
  },
  {
    name: 'mget',
    arity: -2,
    flags: ['readonly', 'fast'],
    categories: ['string'],
    tips: ['request_policy:multi_shard'],
    keys: everyKey(1, 'RO', 'access'),
    docs: { summary: 'Get the values of all the given keys', since: '1.0.0', group: 'string', complexity: 'O(N) where N is the number of keys to retrieve.' },
    run: async (ctx, args) => {
      // Read in parts (read-in-parts.ts), each sent ahead as it was read where the connection can: large values never make one reply in memory.
      const keys = args.slice(1);
      const gathered: Reply[] = [];
      const read = (slice: readonly Buffer[]): Promise<(Stored | undefined)[]> => ctx.keyspace.read(ctx.session.index, slice, ctx.session.consistency);
      const last = await readInParts(keys, read, storedBytes, answerParts(ctx.maxValueBytes), async (part) => {
        if (ctx.sendAhead) await ctx.sendAhead(keys.length, part.map(stringReply));
        else for (const s of part) gathered.push(stringReply(s));
      });
      const rest = last.map(stringReply);
      return gathered.length === 0 ? rest : gathered.concat(rest);
    },
  },
  {
    name: 'mset',
    arity: -3,
    flags: ['write', 'denyoom'],
    categories: ['string'],
    tips: ['request_policy:multi_shard', 'response_policy:all_succeeded'],
    keys: everyKey(2, 'OW', 'update'),
    docs: { summary: 'Set multiple keys to multiple values', since: '1.0.1', group: 'string', complexity: 'O(N) where N is the number of keys to set.' },
    run: async (ctx, args) => {
      const items = pairs(args, 1, 'mset').map(([key, value]) => ({ key, value: encodeString(value), ttlMs: 0 }));
      await ctx.keyspace.write(ctx.session.index, items, ctx.session.consistency);
      return OK;
    },
  },
  {
    name: 'msetnx',
    arity: -3,
    flags: ['write', 'denyoom'],
    categories: ['string'],
    tips: ['request_policy:multi_shard', 'response_policy:agg_min'],
    keys: everyKey(2, 'OW', 'insert'),
    docs: {
      summary: 'Set multiple keys to multiple values, only if none of the keys exist',
      since: '1.0.1',
      group: 'string',
      complexity: 'O(N) where N is the number of keys to set.',
    },
    run: async (ctx, args) => {
      // Each key is set if absent, in order; when one exists, the ones already set are taken back.
      const { index } = ctx.session;
      const done: Buffer[] = [];
      for (const [key, value] of pairs(args, 1, 'msetnx')) {
        if (await ctx.keyspace.setIfAbsent(index, key, encodeString(value), 0)) {
          done.push(key);
          continue;
        }
        for (const k of done) await ctx.keyspace.modify(index, k, () => ({ write: 'delete', result: undefined }));
        return 0;
      }
      return 1;
    },
  },
  {
    name: 'strlen',
    arity: 2,
    flags: ['readonly', 'fast'],
    categories: ['string'],
    keys: oneKey('RO'),
    overlap: 'read',
    docs: { summary: 'Get the length of the value stored in a key', since: '2.2.0', group: 'string', complexity: 'O(1)' },
    run: async (ctx, args) => stringOf(await getOne(ctx, args[1]!))?.length ?? 0,
  },
  {
    name: 'append',
    arity: 3,
    flags: ['write', 'denyoom', 'fast'],
    categories: ['string'],
    keys: oneKey('RW', 'insert'),
    docs: {
      summary: 'Append a value to a key',
      since: '2.0.0',
      group: 'string',
      complexity:
        'O(1). The amortized time complexity is O(1) assuming the appended value is small and the already present value is of any size, since the dynamic string library used by Redis will double the free space available on every reallocation.',
    },
    run: (ctx, args) => ctx.keyspace.modify(ctx.session.index, args[1]!, (current): Change<Reply> => {
      const value = Buffer.concat([stringOf(current) ?? Buffer.alloc(0), args[2]!]);
      if (value.length > ctx.maxValueBytes) throw tooLong();
      return { write: { value: encodeString(value), ttlMs: remainingTtl(current, Date.now()) }, result: value.length };
    }),
  },
  increment('incr', 2, 'Increment the integer value of a key by one', () => 1n),
  increment('decr', 2, 'Decrement the integer value of a key by one', () => -1n),
  increment('incrby', 3, 'Increment the integer value of a key by the given amount', (args) => int64(args[2]!)),
  increment('decrby', 3, 'Decrement the integer value of a key by the given number', (args) => {
    const by = int64(args[2]!);
    if (by === -(2n ** 63n)) throw new RedisReplyError('ERR decrement would overflow');
    return -by;
  }),
  {
    name: 'incrbyfloat',
    arity: 3,
    flags: ['write', 'denyoom', 'fast'],
    categories: ['string'],
    keys: oneKey('RW', 'access', 'update'),
    docs: { summary: 'Increment the float value of a key by the given amount', since: '2.6.0', group: 'string', complexity: 'O(1)' },
    run: (ctx, args) => {
      const by = parseFloatArg(args[2]!.toString('latin1'), 'ERR value is not a valid float');
      return ctx.keyspace.modify(ctx.session.index, args[1]!, (current): Change<Reply> => {
        const old = stringOf(current);
        const n = (old ? parseFloatArg(old.toString('latin1'), 'ERR value is not a valid float') : 0) + by;
        if (!Number.isFinite(n)) throw new RedisReplyError('ERR increment would produce NaN or Infinity');
        const value = Buffer.from(formatFloat(n), 'latin1');
        return { write: { value, ttlMs: remainingTtl(current, Date.now()) }, result: value };
      });
    },
  },
  {
    name: 'getrange',
    arity: 4,
    flags: ['readonly'],
    categories: ['string'],
    keys: oneKey('RO', 'access'),
    docs: {
      summary: 'Get a substring of the string stored at a key',
      since: '2.4.0',
      group: 'string',
      complexity:
        'O(N) where N is the length of the returned string. The complexity is ultimately determined by the returned length, but because creating a substring from an existing string is very cheap, it can be considered O(1) for small strings.',
    },
    run: async (ctx, args) => {
      const start = int(args[2]!);
      const end = int(args[3]!);
      const value = stringOf(await getOne(ctx, args[1]!)) ?? Buffer.alloc(0);
      const r = range(start, end, value.length);
      return r ? value.subarray(r[0], r[1] + 1) : Buffer.alloc(0);
    },
  },
  {
    name: 'setrange',
    arity: 4,
    flags: ['write', 'denyoom'],
    categories: ['string'],
    keys: oneKey('RW', 'update'),
    docs: {
      summary: 'Overwrite part of a string at key starting at the specified offset',
      since: '2.2.0',
      group: 'string',
      complexity:
        'O(1), not counting the time taken to copy the new string in place. Usually, this string is very small so the amortized complexity is O(1). Otherwise, complexity is O(M) with M being the length of the value argument.',
    },
    run: setRange,
  },
  {
    name: 'getex',
    arity: -2,
    flags: ['write', 'fast'],
    categories: ['string'],
    keys: { ...oneKey('RW', 'access', 'update'), notes: 'RW and UPDATE because it changes the TTL' },
    docs: { summary: 'Get the value of a key and optionally set its expiration', since: '6.2.0', group: 'string', complexity: 'O(1)' },
    run: getEx,
  },
];
