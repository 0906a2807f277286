/**
 * Key commands: existence, deletion, types, expiry, renames and copies, and
 * listing (SCAN, KEYS, RANDOMKEY). Changing a key's expiry rewrites its
 * record with a compare-and-set (see keyspace.ts). DEL counts the keys it
 * found before deleting them.
 */
import { randomBytes } from 'node:crypto';
import type { ScanItem } from '../../../client/index.js';
import type { Change, CopyOptions, Stored } from '../keyspace.js';
import { globMatch, literalPrefix } from '../redis-glob.js';
import { decodeValue, encodeValue, type RedisValue } from '../redis-value.js';
import { bulk, OK, RedisReplyError, syntaxError, type Reply } from '../resp-reply.js';
import { everyKey, expiryMs, int, oneKey, twoKeys, word, type Command, type CommandContext, type CommandDocs, type CommandSpec, type ExpiryUnit } from './command.js';
import { indexOfDb } from './connection-commands.js';

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

/** What NX, XX, GT and LT of EXPIRE and its kin ask of the key's current expiry. */
type ExpireCondition = 'NX' | 'XX' | 'GT' | 'LT';

/** The options of EXPIRE and its kin, with Redis's errors (repeating one is allowed). */
function expireConditions(args: Buffer[]): Set<ExpireCondition> {
  const c = new Set<ExpireCondition>();
  for (const a of args.slice(3)) {
    const w = word(a);
    if (w !== 'NX' && w !== 'XX' && w !== 'GT' && w !== 'LT') throw new RedisReplyError(`ERR Unsupported option ${a.toString()}`);
    c.add(w);
  }
  if (c.has('NX') && c.size > 1) throw new RedisReplyError('ERR NX and XX, GT or LT options at the same time are not compatible');
  if (c.has('GT') && c.has('LT')) throw new RedisReplyError('ERR GT and LT options at the same time are not compatible');
  return c;
}

/** Whether the conditions allow the new expiry `at` (ms since the epoch) over the current one (0 = none, which GT takes as infinite). */
function expiryAllowed(c: Set<ExpireCondition>, current: number, at: number): boolean {
  if (c.has('NX') && current !== 0) return false;
  if (c.has('XX') && current === 0) return false;
  if (c.has('GT') && (current === 0 || at <= current)) return false;
  return !(c.has('LT') && current !== 0 && at >= current);
}

/**
 * Sets a key's expiry to `at` (ms since the epoch; now or before: the key
 * goes now) atomically, if `conditions` allow it; 1 when it did, else 0.
 * The TTL is taken from `at` as late as possible, just before the
 * compare-and-set: the record's expiry may still land a few ms past `at`
 * (PEXPIRETIME shows it), as the replicas stamp it when they apply it.
 */
function setExpiry(ctx: CommandContext, key: Buffer, at: number | 'persist', conditions = new Set<ExpireCondition>()): Promise<Reply> {
  return ctx.keyspace.modify(ctx.session.index, key, (current): Change<Reply> => {
    if (!current) return { result: 0 };
    if (at === 'persist') return current.expiresAt === 0 ? { result: 0 } : { write: { value: encodeValue(current.value), ttlMs: 0 }, result: 1 };
    if (!expiryAllowed(conditions, current.expiresAt, at)) return { result: 0 };
    const ttlMs = at - Date.now();
    if (ttlMs <= 0) return { write: 'delete', result: 1 };
    return { write: { value: encodeValue(current.value), ttlMs }, result: 1 };
  });
}

/** EXPIRE and its kin, with the NX, XX, GT and LT options of Redis 7. */
function expireCommand(unit: ExpiryUnit, name: string, docs: CommandDocs): Command {
  return {
    name,
    arity: -3,
    flags: ['write', 'fast'],
    categories: ['keyspace'],
    keys: oneKey('RW', 'update'),
    docs,
    run: (ctx, args) => {
      const conditions = expireConditions(args);
      // Zero, negative or past: the key goes now (if the conditions allow), as in Redis.
      const now = Date.now();
      return setExpiry(ctx, args[1]!, now + expiryMs(unit, args[2]!, name, now), conditions);
    },
  };
}

/** RENAME and RENAMENX: the source moved to the destination (see Keyspace.copy). */
async function rename(ctx: CommandContext, args: Buffer[], replace: boolean): Promise<Reply> {
  const [, from, to] = args as [Buffer, Buffer, Buffer];
  const { index } = ctx.session;
  if (from.equals(to)) {
    if (!(await readAll(ctx, [from]))[0]) throw noSuchKey();
    return replace ? OK : 0;
  }
  const result = await ctx.keyspace.copy(index, from, index, to, { replace, move: true });
  if (result === 'no-source') throw noSuchKey();
  if (!replace) return result === 'copied' ? 1 : 0;
  return OK;
}

const noSuchKey = (): RedisReplyError => new RedisReplyError('ERR no such key');

/** COPY source destination [DB n] [REPLACE]. */
async function copy(ctx: CommandContext, args: Buffer[]): Promise<Reply> {
  const o: CopyOptions = { replace: false, move: false };
  let toIndex = ctx.session.index;
  for (let i = 3; i < args.length; i++) {
    const w = word(args[i]!);
    if (w === 'REPLACE') o.replace = true;
    else if (w === 'DB' && i + 1 < args.length) toIndex = indexOfDb(int(args[++i]!));
    else throw syntaxError();
  }
  if (toIndex === ctx.session.index && args[1]!.equals(args[2]!)) throw new RedisReplyError('ERR source and destination objects are the same');
  return (await ctx.keyspace.copy(ctx.session.index, args[1]!, toIndex, args[2]!, o)) === 'copied' ? 1 : 0;
}

/** A live key from a random place in token order (the first after a random key, else the first of all); nil when the index is empty. */
async function randomKey(ctx: CommandContext): Promise<Reply> {
  for (const startAfter of [randomBytes(16), Buffer.alloc(0)]) {
    for await (const item of scanSource(ctx, Buffer.alloc(0), startAfter, 1)) return item.key;
  }
  return null;
}

/** The longest string Redis keeps as `embstr` (OBJ_ENCODING_EMBSTR_SIZE_LIMIT). */
const EMBSTR_MAX = 44;
/** Redis's defaults for a hash kept as a listpack (hash-max-listpack-entries 512, hash-max-listpack-value 64). */
const LISTPACK_MAX_ENTRIES = 512;
const LISTPACK_MAX_VALUE = 64;
const LONG_TEXT = /^-?[1-9][0-9]{0,19}$|^0$/;

/**
 * OBJECT ENCODING as Redis derives it from the value: a string that reads
 * as a 64-bit integer is `int`, one of up to 44 bytes `embstr`, a longer one
 * `raw`; a hash within Redis's listpack limits `listpack`, else `hashtable`;
 * a list `quicklist` (Redis 7.0's only list encoding). Redis keeps a hash
 * it once converted as a hashtable and makes a string APPEND wrote `raw`:
 * dstash derives the encoding from the current value alone.
 */
export function objectEncoding(value: RedisValue): string {
  if (value.type === 'list') return 'quicklist';
  if (value.type === 'hash') {
    if (value.fields.size > LISTPACK_MAX_ENTRIES) return 'hashtable';
    for (const [f, v] of value.fields) if (f.length > LISTPACK_MAX_VALUE || v.length > LISTPACK_MAX_VALUE) return 'hashtable';
    return 'listpack';
  }
  const text = value.value.toString('latin1');
  if (value.value.length <= 20 && LONG_TEXT.test(text) && BigInt(text) >= -(2n ** 63n) && BigInt(text) < 2n ** 63n) return 'int';
  return value.value.length <= EMBSTR_MAX ? 'embstr' : 'raw';
}

const OBJECT_HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Prints this help.',
];

/** OBJECT: ENCODING derived from the value; no access time or frequency is kept, so IDLETIME is 0 and FREQ refused as Redis refuses it without an LFU policy. */
async function object(ctx: CommandContext, args: Buffer[]): Promise<Reply> {
  const sub = word(args[1]!);
  if (sub === 'HELP' && args.length === 2) return OBJECT_HELP.map((simple) => ({ simple }));
  if (!['ENCODING', 'FREQ', 'IDLETIME', 'REFCOUNT'].includes(sub) || args.length !== 3) {
    throw new RedisReplyError(`ERR unknown subcommand '${args[1]!.toString().slice(0, 64)}'. Try OBJECT HELP.`);
  }
  const [s] = await readAll(ctx, [args[2]!]);
  if (!s) return null;
  if (sub === 'ENCODING') return bulk(objectEncoding(s.value));
  // Redis shares the objects of the integers 0 to 9999 (OBJ_SHARED_REFCOUNT).
  if (sub === 'REFCOUNT') return s.value.type === 'string' && /^(0|[1-9][0-9]{0,3})$/.test(s.value.value.toString('latin1')) ? 2147483647 : 1;
  if (sub === 'IDLETIME') return 0;
  throw new RedisReplyError(
    'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.',
  );
}

/** An OBJECT subcommand on a key, as Redis 7 describes them. */
function objectSubcommand(sub: string, summary: string, since: string): CommandSpec {
  return {
    name: `object|${sub}`,
    arity: 3,
    flags: ['readonly'],
    categories: ['keyspace'],
    tips: ['nondeterministic_output'],
    keys: { first: 2, last: 2, step: 1, flags: ['RO'] },
    docs: { summary, since, group: 'generic', complexity: 'O(1)' },
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

/** EXPIRETIME and PEXPIRETIME: the expiry as a Unix time (-1 without one, -2 for a missing key). */
function expireTimeCommand(name: string, unitMs: number, summary: string): Command {
  return {
    name,
    arity: 2,
    flags: ['readonly', 'fast'],
    categories: ['keyspace'],
    keys: oneKey('RO', 'access'),
    overlap: 'read',
    docs: { summary, since: '7.0.0', group: 'generic', complexity: 'O(1)' },
    run: async (ctx, args) => {
      const [s] = await readAll(ctx, [args[1]!]);
      if (!s) return -2;
      return s.expiresAt === 0 ? -1 : Math.floor(s.expiresAt / unitMs);
    },
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
  {
    name: 'touch',
    arity: -2,
    flags: ['readonly', 'fast'],
    categories: ['keyspace'],
    tips: ['request_policy:multi_shard', 'response_policy:agg_sum'],
    keys: everyKey(1, 'RO'),
    docs: {
      summary: 'Alters the last access time of a key(s). Returns the number of existing keys specified.',
      since: '3.2.1',
      group: 'generic',
      complexity: 'O(N) where N is the number of keys that will be touched.',
    },
    // No access time is kept (see OBJECT IDLETIME): TOUCH counts the live keys, as EXISTS does.
    run: async (ctx, args) => (await readAll(ctx, args.slice(1))).filter(Boolean).length,
  },
  {
    name: 'rename',
    arity: 3,
    flags: ['write'],
    categories: ['keyspace'],
    keys: twoKeys(['RW', 'access', 'delete'], ['OW', 'update']),
    docs: { summary: 'Rename a key', since: '1.0.0', group: 'generic', complexity: 'O(1)' },
    run: (ctx, args) => rename(ctx, args, true),
  },
  {
    name: 'renamenx',
    arity: 3,
    flags: ['write', 'fast'],
    categories: ['keyspace'],
    keys: twoKeys(['RW', 'access', 'delete'], ['OW', 'insert']),
    docs: { summary: 'Rename a key, only if the new key does not exist', since: '1.0.0', group: 'generic', complexity: 'O(1)' },
    run: (ctx, args) => rename(ctx, args, false),
  },
  {
    name: 'copy',
    arity: -3,
    flags: ['write', 'denyoom'],
    categories: ['keyspace'],
    keys: twoKeys(['RO', 'access'], ['OW', 'update']),
    docs: { summary: 'Copy a key', since: '6.2.0', group: 'generic', complexity: 'O(N) worst case for collections, where N is the number of nested items. O(1) for string values.' },
    run: copy,
  },
  {
    name: 'randomkey',
    arity: 1,
    flags: ['readonly'],
    categories: ['keyspace'],
    tips: ['request_policy:all_shards', 'nondeterministic_output'],
    docs: { summary: 'Return a random key from the keyspace', since: '1.0.0', group: 'generic', complexity: 'O(1)' },
    run: randomKey,
  },
  {
    name: 'object',
    arity: -2,
    flags: [],
    docs: { summary: 'A container for object introspection commands', since: '2.2.3', group: 'generic', complexity: 'Depends on subcommand.' },
    subcommands: [
      objectSubcommand('refcount', 'Get the number of references to the value of the key', '2.2.3'),
      {
        name: 'object|help',
        arity: 2,
        flags: ['loading', 'stale'],
        categories: ['keyspace'],
        docs: { summary: 'Show helpful text about the different subcommands', since: '6.2.0', group: 'generic', complexity: 'O(1)' },
      },
      objectSubcommand('idletime', 'Get the time since a Redis object was last accessed', '2.2.3'),
      objectSubcommand('encoding', 'Inspect the internal encoding of a Redis object', '2.2.3'),
      objectSubcommand('freq', 'Get the logarithmic access frequency counter of a Redis object', '4.0.0'),
    ],
    run: object,
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
  expireTimeCommand('expiretime', 1000, 'Get the expiration Unix timestamp for a key'),
  expireTimeCommand('pexpiretime', 1, 'Get the expiration Unix timestamp for a key in milliseconds'),
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
