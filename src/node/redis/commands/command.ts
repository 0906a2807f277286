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
}

/** What the server tells INFO. */
export interface ServerFacts {
  nodeId(): string;
  connectedClients(): number;
  startedAt: number;
  port(): number;
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
}

/** A command: its arity as Redis counts it (the name included; negative = at least), and its handler. */
export interface Command {
  arity: number;
  run(ctx: CommandContext, args: Buffer[]): Promise<Reply> | Reply;
}

/** A table of commands by lower-case name. */
export type CommandTable = Record<string, Command>;

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

/** ms from `now` until the expiry `n` in `unit`; `ERR invalid expire time` beyond the longest TTL. */
export function expiryMs(unit: ExpiryUnit, n: number, command: string, now: number): number {
  const ms = unit === 'EX' ? n * 1000 : unit === 'PX' ? n : unit === 'EXAT' ? n * 1000 - now : n - now;
  if (ms > MAX_TTL_MS) throw new RedisReplyError(`ERR invalid expire time in '${command}' command`);
  return ms;
}

/** The TTL an option of SET (or SETEX, PSETEX) gives: its argument must be positive. */
export function ttlFrom(unit: ExpiryUnit, arg: Buffer, command: string, now: number): number {
  const n = int(arg);
  if (n <= 0) throw new RedisReplyError(`ERR invalid expire time in '${command}' command`);
  return expiryMs(unit, n, command, now);
}
