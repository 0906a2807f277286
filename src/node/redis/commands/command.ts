/**
 * What a Redis command handler receives and returns, and the argument
 * parsing shared by the commands.
 */
import type { Coordinator } from '../../../client/index.js';
import type { Role } from '../../../protocol/bearer-token.js';
import type { Authenticator } from '../../auth/authenticator.js';
import { MAX_TTL_MS } from '../../../limits.js';
import type { Keyspace, RedisConsistency } from '../keyspace.js';
import { notAnInteger, RedisReplyError, type Reply } from '../resp-reply.js';
import type { ScanCursors } from '../scan-cursors.js';

/** The state of one connection. */
export interface Session {
  /** Client id (CLIENT ID). */
  readonly id: number;
  /** The index that SELECT chose (`default` for database 0, else `db<n>`). */
  index: string;
  /** The database number SELECT chose. */
  db: number;
  consistency: RedisConsistency;
  /** After HELLO 3. */
  resp3: boolean;
  /** CLIENT SETNAME. */
  name: Buffer | null;
  /** Set by QUIT: the connection closes after the reply. */
  closing: boolean;
  readonly cursors: ScanCursors;
  /** The role AUTH granted; undefined before a successful AUTH. Only consulted when the node asks for tokens. */
  role?: Role;
  /** The client's address and the port's, as `ip:port` (CLIENT LIST). */
  readonly addr: string;
  readonly laddr: string;
  /** The socket's file descriptor; -1 when the runtime does not tell. */
  readonly fd: number;
  /** When the connection opened, and when its last command started (ms since the epoch). */
  readonly createdAt: number;
  lastActiveAt: number;
  /** The last command started, as CLIENT LIST names it (`get`, `client|list`). */
  lastCommand: string;
  /** The consistency of the connection's last successful write (WAIT); undefined before one. */
  lastWrite?: RedisConsistency;
}

/** A connection of the port as CLIENT LIST and CLIENT KILL see it. */
export interface ClientHandle {
  readonly session: Session;
  /** Closes the connection at once. */
  kill(): void;
}

/** What the server tells INFO. */
export interface ServerFacts {
  nodeId(): string;
  connectedClients(): number;
  startedAt: number;
  port(): number;
  /** The address the port listens on. */
  bind: string;
  /** Every open connection of the port. */
  clients(): readonly ClientHandle[];
  /** CONFIG SET's values for this node, by parameter name (see config-command.ts). */
  config: Map<string, string>;
}

/** Everything a command can reach. */
export interface CommandContext {
  session: Session;
  keyspace: Keyspace;
  coordinator: Coordinator;
  server: ServerFacts;
  maxValueBytes: number;
  /** The node's tokens, when it asks for them: AUTH checks against them, and every command needs a role. */
  auth?: Authenticator;
  /**
   * Sends the first elements of the command's array reply of `length`
   * elements ahead of the rest, and resolves when the connection can take
   * more; the command then answers with the elements still to send. Absent
   * where a reply cannot leave in parts (the shell; a command that runs at
   * once with others).
   */
  sendAhead?: (length: number, elements: Reply[]) => Promise<void>;
}

/** The command flags Redis 7 reports (COMMAND INFO), in the order it reports them. */
export const COMMAND_FLAGS = [
  'write', 'readonly', 'denyoom', 'module', 'admin', 'pubsub', 'noscript', 'blocking', 'loading', 'stale', 'skip_monitor', 'skip_slowlog',
  'asking', 'fast', 'no_auth', 'may_replicate', 'no_mandatory_keys', 'no_async_loading', 'no_multi', 'movablekeys', 'allow_busy',
] as const;
/** A command flag: `write` needs a token of role write, `no_auth` runs before AUTH. */
export type CommandFlag = (typeof COMMAND_FLAGS)[number];

/** The ACL categories of Redis 7, in the order it reports them. */
export const ACL_CATEGORIES = [
  'keyspace', 'read', 'write', 'set', 'sortedset', 'list', 'hash', 'string', 'bitmap', 'hyperloglog', 'geo', 'stream', 'pubsub', 'admin',
  'fast', 'slow', 'blocking', 'dangerous', 'connection', 'transaction', 'scripting',
] as const;
/** An ACL category (reported with a leading `@`). */
export type AclCategory = (typeof ACL_CATEGORIES)[number];

/** The flags of a key specification, as Redis 7 documents them (access type first, then the operation). */
export type KeySpecFlag = 'RO' | 'RW' | 'OW' | 'RM' | 'access' | 'update' | 'insert' | 'delete' | 'not_key' | 'incomplete' | 'variable_flags';

/**
 * Where a command's keys are, as COMMAND INFO reports them (first key, last
 * key, step; negative last = counted from the end) and what the command does
 * to them (its one key specification, a range from `first`).
 */
export interface KeyPositions {
  first: number;
  last: number;
  step: number;
  flags: readonly KeySpecFlag[];
  /** Redis's note on the flags, when it has one. */
  notes?: string;
  /**
   * A command of several keys in fixed places (RENAME, COPY): one key
   * specification for each, at its index, instead of the range from `first`.
   */
  each?: readonly { index: number; flags: readonly KeySpecFlag[] }[];
}

/** What COMMAND DOCS tells of a command (its arguments are not described). */
export interface CommandDocs {
  summary: string;
  /** The version that introduced the command. */
  since: string;
  group: 'connection' | 'server' | 'string' | 'generic' | 'hash' | 'list' | 'scripting';
  complexity: string;
  /** Set for a deprecated command, with what replaces it. */
  deprecated?: { since: string; replacedBy: string };
}

/**
 * How a pipelined command may run at once with the commands queued before
 * it, in its shortest form only (as many arguments as its arity: `SET k v`
 * without options, `EXISTS k` of one key), with commands of other keys and
 * with those of its own key of the same kind: `read` for a read, which runs
 * with other reads of its key (the same read twice is run once, both get its
 * reply); `set` for a plain write, which supersedes the plain writes of its
 * key queued before it (only the last is written, last-writer-wins would
 * keep only it anyway, and all get its reply); `inc` for an increment, which
 * runs with other increments of its key (they apply in the order sent, see
 * keyspace.ts). A command of another kind on the same key waits for them, so
 * that a GET after a SET sees the SET. Without it, the command runs alone.
 */
export type PipelineOverlap = 'read' | 'set' | 'inc';

/** What Redis tells of a command (COMMAND INFO, COMMAND DOCS) and what dstash decides from it. */
export interface CommandSpec {
  /** Lower case; a subcommand's is `container|sub`, as Redis names it. */
  name: string;
  /** As Redis counts it: the name included; negative = at least. The dispatcher checks it. */
  arity: number;
  /** `write` needs a token of role write (else read), `no_auth` may run before AUTH. */
  flags: readonly CommandFlag[];
  /** ACL categories besides those Redis derives from the flags (@write, @read, @admin, @fast or @slow, …). */
  categories?: readonly AclCategory[];
  /** The role the command needs under tokens when it is above what its flags give (`write` for a write command, else `read`). */
  role?: Role;
  /** Redis's command tips (`nondeterministic_output`, `request_policy:…`). */
  tips?: readonly string[];
  /** None: the command takes no key. */
  keys?: KeyPositions;
  overlap?: PipelineOverlap;
  docs: CommandDocs;
  /** The subcommands served, described (their container's handler runs them). */
  subcommands?: readonly CommandSpec[];
}

/** A command: what Redis tells of it, and its handler. */
export interface Command extends CommandSpec {
  run(ctx: CommandContext, args: Buffer[]): Promise<Reply> | Reply;
}

/** The key specification of a command on one key (its first argument). */
export function oneKey(...flags: KeySpecFlag[]): KeyPositions {
  return { first: 1, last: 1, step: 1, flags };
}

/** The key specifications of a command on two keys, its first two arguments (RENAME, COPY). */
export function twoKeys(source: KeySpecFlag[], destination: KeySpecFlag[]): KeyPositions {
  return { first: 1, last: 2, step: 1, flags: source, each: [{ index: 1, flags: source }, { index: 2, flags: destination }] };
}

/** The key specification of a command on every argument (`step` 1) or every other one (`step` 2, keys and values). */
export function everyKey(step: number, ...flags: KeySpecFlag[]): KeyPositions {
  return { first: 1, last: -1, step, flags };
}

const INTEGER = /^-?(0|[1-9][0-9]*)$/;
const MIN_INT64 = -(2n ** 63n);
const MAX_INT64 = 2n ** 63n - 1n;

/** A signed 64-bit integer argument; `ERR value is not an integer or out of range` otherwise. */
export function int64(arg: Buffer): bigint {
  const text = arg.toString('latin1');
  if (!INTEGER.test(text)) throw notAnInteger();
  const n = BigInt(text);
  if (n < MIN_INT64 || n > MAX_INT64) throw notAnInteger();
  return n;
}

/** An integer argument within the safe range of a double. */
export function int(arg: Buffer): number {
  const n = int64(arg);
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) throw notAnInteger();
  return Number(n);
}

/** The argument as upper-case text (an option name). */
export function word(arg: Buffer): string {
  return arg.toString('latin1').toUpperCase();
}

/** `ERR wrong number of arguments for '<name>' command`. */
export function wrongArity(name: string): RedisReplyError {
  return new RedisReplyError(`ERR wrong number of arguments for '${name}' command`);
}

/** The remaining arguments as pairs (`MSET k v k v`, `HSET h f v f v`); wrong arity when odd. */
export function pairs(args: Buffer[], from: number, name: string): [Buffer, Buffer][] {
  if ((args.length - from) % 2 !== 0 || args.length === from) throw wrongArity(name);
  const out: [Buffer, Buffer][] = [];
  for (let i = from; i < args.length; i += 2) out.push([args[i]!, args[i + 1]!]);
  return out;
}

/** A relative (`EX`, `PX`) or absolute (`EXAT`, `PXAT`) expiry as ms from now (zero or less: already past). */
export type ExpiryUnit = 'EX' | 'PX' | 'EXAT' | 'PXAT';

function invalidExpireTime(command: string): RedisReplyError {
  return new RedisReplyError(`ERR invalid expire time in '${command}' command`);
}

/**
 * ms from `now` until the expiry `arg` in `unit` (zero or less: already
 * past), with Redis's checks: not an integer, or an overflow of a 64-bit ms
 * time once converted or added to now, is `ERR invalid expire time`; so is
 * an expiry past the longest TTL dstash keeps (100 years), which Redis
 * would accept.
 */
export function expiryMs(unit: ExpiryUnit, arg: Buffer, command: string, now: number): number {
  let when = int64(arg);
  if (unit === 'EX' || unit === 'EXAT') {
    if (when > MAX_INT64 / 1000n || when < MIN_INT64 / 1000n) throw invalidExpireTime(command);
    when *= 1000n;
  }
  const base = unit === 'EX' || unit === 'PX' ? BigInt(now) : 0n;
  if (when > MAX_INT64 - base) throw invalidExpireTime(command);
  const ms = when + base - BigInt(now);
  if (ms > BigInt(MAX_TTL_MS)) throw invalidExpireTime(command);
  return Number(ms);
}

/** The TTL an option of SET, GETEX (or SETEX, PSETEX) gives: its argument must be positive. */
export function ttlFrom(unit: ExpiryUnit, arg: Buffer, command: string, now: number): number {
  if (int64(arg) <= 0n) throw invalidExpireTime(command);
  return expiryMs(unit, arg, command, now);
}
