/**
 * Key commands: existence, deletion, types, expiry, and listing (SCAN, KEYS).
 * Changing a key's expiry rewrites its record with a compare-and-set (see
 * keyspace.ts). DEL counts the keys it found before deleting them.
 */
import type { ScanItem } from '../../../client/index.js';
import type { Change, Stored } from '../keyspace.js';
import { globMatch, literalPrefix } from '../redis-glob.js';
import { decodeValue, encodeHash, encodeString, type RedisValue } from '../redis-value.js';
import { syntaxError, type Reply } from '../resp-reply.js';
import { everyKey, expiryMs, int, oneKey, word, type Command, type CommandContext, type CommandDocs, type ExpiryUnit } from './command.js';

async function readAll(ctx: CommandContext, keys: Buffer[]): Promise<(Stored | undefined)[]> {
  return ctx.keyspace.read(ctx.session.index, keys, ctx.session.consistency);
}

async function del(ctx: CommandContext, args: Buffer[]): Promise<Reply> {
  const keys = args.slice(1);
  const found = keys.filter((_, i, all) => all.findIndex((k) => k.equals(keys[i]!)) === i);
  const live = await readAll(ctx, found);
  const existing = found.filter((_, i) => live[i]);
  if (existing.length > 0) await ctx.keyspace.remove(ctx.session.index, existing, ctx.session.consistency);
  return existing.length;
}

function encode(value: RedisValue): Buffer {
  return value.type === 'string' ? encodeString(value.value) : encodeHash(value.fields);
}

/** Sets a key's expiry (0 = none, negative = now) atomically; 1 when the key exists, else 0. */
function setExpiry(ctx: CommandContext, key: Buffer, ttlMs: number | 'persist'): Promise<Reply> {
  return ctx.keyspace.modify(ctx.session.index, key, (current): Change<Reply> => {
    if (!current) return { result: 0 };
    if (ttlMs === 'persist') return current.expiresAt === 0 ? { result: 0 } : { write: { value: encode(current.value), ttlMs: 0 }, result: 1 };
    if (ttlMs <= 0) return { write: 'delete', result: 1 };
    return { write: { value: encode(current.value), ttlMs }, result: 1 };
  });
}

/**
 * EXPIRE and its kin. Redis 7 gives them arity -3 for their NX, XX, GT and LT
 * options; dstash takes none of them, so its arity is 3.
 */
function expireCommand(unit: ExpiryUnit, name: string, docs: CommandDocs): Command {
  return {
    name,
    arity: 3,
    flags: ['write', 'fast'],
    categories: ['keyspace'],
    keys: oneKey('RW', 'update'),
    docs,
    run: (ctx, args) => {
      const ms = expiryMs(unit, int(args[2]!), name, Date.now());
      // Zero, negative or past: the key goes now, as in Redis.
      return setExpiry(ctx, args[1]!, ms <= 0 ? -1 : ms);
    },
  };
}

/** TTL and PTTL. */
function ttlCommand(name: string, unitMs: number, summary: string, since: string): Command {
  return {
    name,
    arity: 2,
    flags: ['readonly', 'fast'],
    categories: ['keyspace'],
    tips: ['nondeterministic_output'],
    keys: oneKey('RO', 'access'),
    overlap: 'read',
    docs: { summary, since, group: 'generic', complexity: 'O(1)' },
    run: (ctx, args) => ttl(ctx, args[1]!, unitMs),
  };
}

async function ttl(ctx: CommandContext, key: Buffer, unitMs: number): Promise<Reply> {
  const [s] = await readAll(ctx, [key]);
  if (!s) return -2;
  if (s.expiresAt === 0) return -1;
  const ms = Math.max(0, s.expiresAt - Date.now());
  return unitMs === 1 ? ms : Math.round(ms / 1000);
}

/** What SCAN and HSCAN keep. */
export interface ScanFilter {
  match?: Buffer;
  count: number;
  type?: string;
}

/** The options of SCAN and HSCAN (`MATCH`, `COUNT`, and `TYPE` for SCAN). */
export function scanFilter(args: Buffer[], from: number, withType: boolean): ScanFilter {
  const f: ScanFilter = { count: 10 };
  for (let i = from; i < args.length; i++) {
    const w = word(args[i]!);
    if (i + 1 >= args.length) throw syntaxError();
    if (w === 'MATCH') f.match = args[++i]!;
    else if (w === 'COUNT') {
      f.count = int(args[++i]!);
      if (f.count < 1) throw syntaxError();
    } else if (w === 'TYPE' && withType) f.type = args[++i]!.toString('latin1').toLowerCase();
    else throw syntaxError();
  }
  return f;
}

function scanSource(ctx: CommandContext, prefix: Buffer, startAfter: Buffer, limit: number): AsyncIterable<ScanItem> {
  const { index, consistency } = ctx.session;
  return ctx.coordinator.scan({ index, prefix, startAfter, limit, consistency: consistency === 'SERIAL' ? 'QUORUM' : consistency });
}

function keep(item: ScanItem, f: ScanFilter): boolean {
  if (f.match && !globMatch(f.match, item.key)) return false;
  return !f.type || decodeValue(item.value).type === f.type;
}

async function scan(ctx: CommandContext, args: Buffer[]): Promise<Reply> {
  const f = scanFilter(args, 2, true);
  const startAfter = ctx.session.cursors.resume(args[1]!);
  const prefix = f.match ? literalPrefix(f.match) : Buffer.alloc(0);
  const keys: Buffer[] = [];
  let last: Buffer | undefined;
  let seen = 0;
  for await (const item of scanSource(ctx, prefix, startAfter, f.count)) {
    seen += 1;
    last = item.key;
    if (keep(item, f)) keys.push(item.key);
  }
  const cursor = seen >= f.count && last ? String(ctx.session.cursors.save(last)) : '0';
  return [Buffer.from(cursor), keys];
}

/** Every key of the index (matching `pattern`): a full scan of the index, see the README. */
async function keysCommand(ctx: CommandContext, args: Buffer[]): Promise<Reply> {
  const pattern = args[1]!;
  const keys: Buffer[] = [];
  for await (const item of scanSource(ctx, literalPrefix(pattern), Buffer.alloc(0), 0)) {
    if (globMatch(pattern, item.key)) keys.push(item.key);
  }
  return keys;
}

/** Counts the keys of the index by scanning it (DBSIZE; see the README). */
export async function countKeys(ctx: CommandContext): Promise<number> {
  let n = 0;
  for await (const item of scanSource(ctx, Buffer.alloc(0), Buffer.alloc(0), 0)) if (item) n += 1;
  return n;
}

/** Key commands, with what Redis 7.0 tells of each. */
export const KEY_COMMANDS: readonly Command[] = [
  {
    name: 'del',
    arity: -2,
    flags: ['write'],
    categories: ['keyspace'],
    tips: ['request_policy:multi_shard', 'response_policy:agg_sum'],
    keys: everyKey(1, 'RM', 'delete'),
    docs: {
      summary: 'Delete a key',
      since: '1.0.0',
      group: 'generic',
      complexity:
        'O(N) where N is the number of keys that will be removed. When a key to remove holds a value other than a string, the individual complexity for this key is O(M) where M is the number of elements in the list, set, sorted set or hash. Removing a single key that holds a string value is O(1).',
    },
    run: del,
  },
  {
    name: 'unlink',
    arity: -2,
    flags: ['write', 'fast'],
    categories: ['keyspace'],
    tips: ['request_policy:multi_shard', 'response_policy:agg_sum'],
    keys: everyKey(1, 'RM', 'delete'),
    docs: {
      summary: 'Delete a key asynchronously in another thread. Otherwise it is just as DEL, but non blocking.',
      since: '4.0.0',
      group: 'generic',
      complexity:
        'O(1) for each key removed regardless of its size. Then the command does O(N) work in a different thread in order to reclaim memory, where N is the number of allocations the deleted objects where composed of.',
    },
    run: del,
  },
  {
    name: 'exists',
    arity: -2,
    flags: ['readonly', 'fast'],
    categories: ['keyspace'],
    tips: ['request_policy:multi_shard', 'response_policy:agg_sum'],
    keys: everyKey(1, 'RO'),
    // Of one key only (the shortest form).
    overlap: 'read',
    docs: { summary: 'Determine if a key exists', since: '1.0.0', group: 'generic', complexity: 'O(N) where N is the number of keys to check.' },
    run: async (ctx, args) => (await readAll(ctx, args.slice(1))).filter(Boolean).length,
  },
  {
    name: 'type',
    arity: 2,
    flags: ['readonly', 'fast'],
    categories: ['keyspace'],
    keys: oneKey('RO'),
    docs: { summary: 'Determine the type stored at key', since: '1.0.0', group: 'generic', complexity: 'O(1)' },
    run: async (ctx, args) => ({ simple: (await readAll(ctx, [args[1]!]))[0]?.value.type ?? 'none' }),
  },
  expireCommand('EX', 'expire', { summary: "Set a key's time to live in seconds", since: '1.0.0', group: 'generic', complexity: 'O(1)' }),
  expireCommand('PX', 'pexpire', { summary: "Set a key's time to live in milliseconds", since: '2.6.0', group: 'generic', complexity: 'O(1)' }),
  expireCommand('EXAT', 'expireat', { summary: 'Set the expiration for a key as a UNIX timestamp', since: '1.2.0', group: 'generic', complexity: 'O(1)' }),
  expireCommand('PXAT', 'pexpireat', {
    summary: 'Set the expiration for a key as a UNIX timestamp specified in milliseconds',
    since: '2.6.0',
    group: 'generic',
    complexity: 'O(1)',
  }),
  {
    name: 'persist',
    arity: 2,
    flags: ['write', 'fast'],
    categories: ['keyspace'],
    keys: oneKey('RW', 'update'),
    docs: { summary: 'Remove the expiration from a key', since: '2.2.0', group: 'generic', complexity: 'O(1)' },
    run: (ctx, args) => setExpiry(ctx, args[1]!, 'persist'),
  },
  ttlCommand('ttl', 1000, 'Get the time to live for a key in seconds', '1.0.0'),
  ttlCommand('pttl', 1, 'Get the time to live for a key in milliseconds', '2.6.0'),
  {
    name: 'scan',
    arity: -2,
    flags: ['readonly'],
    categories: ['keyspace'],
    tips: ['nondeterministic_output', 'request_policy:special'],
    docs: {
      summary: 'Incrementally iterate the keys space',
      since: '2.8.0',
      group: 'generic',
      complexity: 'O(1) for every call. O(N) for a complete iteration, including enough command calls for the cursor to return back to 0. N is the number of elements inside the collection.',
    },
    run: scan,
  },
  {
    name: 'keys',
    arity: 2,
    flags: ['readonly'],
    categories: ['keyspace', 'dangerous'],
    tips: ['request_policy:all_shards', 'nondeterministic_output_order'],
    docs: {
      summary: 'Find all keys matching the given pattern',
      since: '1.0.0',
      group: 'generic',
      complexity: 'O(N) with N being the number of keys in the database, under the assumption that the key names in the database and the given pattern have limited length.',
    },
    run: keysCommand,
  },
  {
    name: 'dbsize',
    arity: 1,
    flags: ['readonly', 'fast'],
    categories: ['keyspace'],
    tips: ['request_policy:all_shards', 'response_policy:agg_sum'],
    docs: { summary: 'Return the number of keys in the selected database', since: '1.0.0', group: 'server', complexity: 'O(1)' },
    run: countKeys,
  },
];
