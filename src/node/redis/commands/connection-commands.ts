/**
 * Connection and server commands: PING, ECHO, HELLO, AUTH, SELECT, QUIT,
 * CLIENT, INFO, TIME, and DSTASH.CONSISTENCY (the connection's consistency).
 */
import { DEFAULT_INDEX } from '../../../limits.js';
import { DSTASH_VERSION } from '../../../package-info.js';
import type { RedisConsistency } from '../keyspace.js';
import { bulk, OK, RedisReplyError, syntaxError, type Reply } from '../resp-reply.js';
import type { Role } from '../../../protocol/bearer-token.js';
import { clientInfo, clientKill, clientList } from './client-list.js';
import { int, word, type Command, type CommandContext, type CommandFlag, type CommandSpec } from './command.js';

/** The Redis version dstash answers as (HELLO, INFO): the command set follows Redis 7. */
export const REDIS_COMPAT_VERSION = '7.0.0';

const CONSISTENCIES: readonly RedisConsistency[] = ['ONE', 'QUORUM', 'ALL', 'SERIAL'];

const WRONGPASS = 'WRONGPASS invalid username-password pair or user is disabled.';

/**
 * AUTH [username] password. Without tokens, as Redis answers it with no
 * password configured: the default user has none, so `AUTH default
 * <anything>` succeeds and any other user is refused. With tokens
 * (`--auth-token-file`), the password is a token; the username, when given,
 * is `default` or the token's role. The role is kept for the connection.
 */
function auth(ctx: CommandContext, args: Buffer[]): Reply {
  if (args.length !== 2 && args.length !== 3) throw syntaxError();
  const user = args.length === 3 ? args[1]!.toString() : undefined;
  if (!ctx.auth) {
    if (user === undefined) {
      throw new RedisReplyError('ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?');
    }
    if (user !== 'default') throw new RedisReplyError(WRONGPASS);
    return OK;
  }
  let role: Role;
  try {
    role = ctx.auth.check(args[args.length - 1]!.toString(), 'read');
  } catch {
    throw new RedisReplyError(WRONGPASS);
  }
  if (user !== undefined && user !== 'default' && user !== role) throw new RedisReplyError(WRONGPASS);
  ctx.session.role = role;
  return OK;
}

function hello(ctx: CommandContext, args: Buffer[]): Reply {
  let i = 1;
  if (args.length > 1) {
    const version = args[1]!.toString('latin1');
    if (version !== '2' && version !== '3') {
      if (!/^-?\d+$/.test(version)) throw new RedisReplyError('ERR Protocol version is not an integer or out of range');
      throw new RedisReplyError('NOPROTO unsupported protocol version');
    }
    i = 2;
    for (; i < args.length; i++) {
      const w = word(args[i]!);
      if (w === 'AUTH' && i + 2 < args.length) {
        auth(ctx, [args[i]!, args[i + 1]!, args[i + 2]!]);
        i += 2;
      } else if (w === 'SETNAME' && i + 1 < args.length) ctx.session.name = Buffer.from(args[++i]!);
      else throw syntaxError();
    }
    ctx.session.resp3 = version === '3';
  }
  return {
    map: [
      [bulk('server'), bulk('redis')],
      [bulk('version'), bulk(REDIS_COMPAT_VERSION)],
      [bulk('proto'), ctx.session.resp3 ? 3 : 2],
      [bulk('id'), ctx.session.id],
      [bulk('mode'), bulk('standalone')],
      [bulk('role'), bulk('master')],
      [bulk('modules'), []],
    ],
  };
}

/** The index of database `db` (`default` for 0, else `db<n>`); `ERR DB index is out of range` past 999999. */
export function indexOfDb(db: number): string {
  if (db < 0 || db > 999_999) throw new RedisReplyError('ERR DB index is out of range');
  return db === 0 ? DEFAULT_INDEX : `db${db}`;
}

function select(ctx: CommandContext, args: Buffer[]): Reply {
  const db = int(args[1]!);
  ctx.session.index = indexOfDb(db);
  ctx.session.db = db;
  return OK;
}

function client(ctx: CommandContext, args: Buffer[]): Reply {
  const sub = word(args[1]!);
  if (sub === 'ID' && args.length === 2) return ctx.session.id;
  if (sub === 'GETNAME' && args.length === 2) return ctx.session.name;
  if (sub === 'SETNAME' && args.length === 3) {
    if (/[\s]/.test(args[2]!.toString('latin1'))) throw new RedisReplyError('ERR Client names cannot contain spaces, newlines or special characters.');
    ctx.session.name = args[2]!.length > 0 ? Buffer.from(args[2]!) : null;
    return OK;
  }
  // Clients announce their library (CLIENT SETINFO lib-name …): accepted, not kept.
  if (sub === 'SETINFO' && args.length === 4) return OK;
  if (sub === 'LIST') return clientList(ctx, args);
  if (sub === 'INFO' && args.length === 2) return clientInfo(ctx);
  if (sub === 'KILL' && args.length >= 3) return clientKill(ctx, args);
  throw new RedisReplyError(`ERR unknown subcommand '${args[1]!.toString().slice(0, 64)}'. Try CLIENT HELP.`);
}

function info(ctx: CommandContext, args: Buffer[]): Reply {
  const wanted = new Set(args.slice(1).map((a) => a.toString('latin1').toLowerCase()));
  const all = wanted.size === 0 || wanted.has('all') || wanted.has('everything') || wanted.has('default');
  const lines: string[] = [];
  const section = (name: string, entries: [string, string | number][]): void => {
    if (!all && !wanted.has(name.toLowerCase())) return;
    lines.push(`# ${name}`, ...entries.map(([k, v]) => `${k}:${v}`), '');
  };
  const members = ctx.coordinator.members();
  section('Server', [
    ['redis_version', REDIS_COMPAT_VERSION],
    ['dstash_version', DSTASH_VERSION],
    ['redis_mode', 'standalone'],
    ['process_id', process.pid],
    ['tcp_port', ctx.server.port()],
    ['uptime_in_seconds', Math.floor((Date.now() - ctx.server.startedAt) / 1000)],
  ]);
  section('Clients', [['connected_clients', ctx.server.connectedClients()]]);
  section('Cluster', [
    ['cluster_enabled', 0],
    ['dstash_node_id', ctx.server.nodeId()],
    ['dstash_members', members.length],
    ['dstash_healthy_members', members.filter((m) => m.healthy).length],
    ['dstash_replicas', ctx.coordinator.options.replicas],
    ['dstash_partitions', ctx.coordinator.options.partitions],
    ['dstash_consistency', ctx.session.consistency.toLowerCase()],
  ]);
  // Keys are counted by DBSIZE (a scan); INFO names the selected database only.
  section('Keyspace', [[`db${ctx.session.db}`, `index=${ctx.session.index}`]]);
  return bulk(lines.join('\r\n'));
}

/** The flags Redis gives AUTH, HELLO and QUIT: they run before AUTH. */
const BEFORE_AUTH: readonly CommandFlag[] = ['noscript', 'loading', 'stale', 'fast', 'no_auth', 'allow_busy'];

/** A CLIENT subcommand, as Redis 7 describes them. */
function clientSubcommand(sub: string, arity: number, summary: string, since: string, more: { admin?: boolean; tips?: string[]; complexity?: string } = {}): CommandSpec {
  return {
    name: `client|${sub}`,
    arity,
    // Redis marks CLIENT LIST and CLIENT KILL admin.
    flags: more.admin ? ['admin', 'noscript', 'loading', 'stale'] : ['noscript', 'loading', 'stale'],
    categories: ['connection'],
    ...(more.tips ? { tips: more.tips } : {}),
    docs: { summary, since, group: 'connection', complexity: more.complexity ?? 'O(1)' },
  };
}

/** The complexity Redis gives CLIENT LIST and CLIENT KILL. */
const PER_CLIENT = 'O(N) where N is the number of client connections';

/** The CLIENT subcommands served (CLIENT SETINFO is Redis 7.2's), with Redis 7.0's records. */
const CLIENT_SUBCOMMANDS: readonly CommandSpec[] = [
  clientSubcommand('id', 2, 'Returns the client ID for the current connection', '5.0.0'),
  clientSubcommand('getname', 2, 'Get the current connection name', '2.6.9'),
  clientSubcommand('setname', 3, 'Set the current connection name', '2.6.9'),
  clientSubcommand('setinfo', 4, 'Sets information specific to the client or connection.', '7.2.0'),
  clientSubcommand('list', -2, 'Get the list of client connections', '2.4.0', { admin: true, tips: ['nondeterministic_output'], complexity: PER_CLIENT }),
  clientSubcommand('info', 2, 'Returns information about the current client connection.', '6.2.0', { tips: ['nondeterministic_output'] }),
  clientSubcommand('kill', -3, 'Kill the connection of a client', '2.4.0', { admin: true, complexity: PER_CLIENT }),
];

/** Connection and server commands, with what Redis 7.0 tells of each. */
export const CONNECTION_COMMANDS: readonly Command[] = [
  {
    name: 'ping',
    arity: -1,
    flags: ['fast'],
    categories: ['connection'],
    tips: ['request_policy:all_shards', 'response_policy:all_succeeded'],
    docs: { summary: 'Ping the server', since: '1.0.0', group: 'connection', complexity: 'O(1)' },
    run: (_ctx, args) => {
      if (args.length > 2) throw new RedisReplyError("ERR wrong number of arguments for 'ping' command");
      return args.length === 2 ? args[1]! : { simple: 'PONG' };
    },
  },
  {
    name: 'echo',
    arity: 2,
    flags: ['loading', 'stale', 'fast'],
    categories: ['connection'],
    docs: { summary: 'Echo the given string', since: '1.0.0', group: 'connection', complexity: 'O(1)' },
    run: (_ctx, args) => args[1]!,
  },
  {
    name: 'hello',
    arity: -1,
    flags: BEFORE_AUTH,
    categories: ['connection'],
    docs: { summary: 'Handshake with Redis', since: '6.0.0', group: 'connection', complexity: 'O(1)' },
    run: hello,
  },
  {
    name: 'auth',
    arity: -2,
    flags: BEFORE_AUTH,
    categories: ['connection'],
    docs: { summary: 'Authenticate to the server', since: '1.0.0', group: 'connection', complexity: 'O(N) where N is the number of passwords defined for the user' },
    run: (ctx, args) => auth(ctx, args),
  },
  {
    name: 'select',
    arity: 2,
    flags: ['loading', 'stale', 'fast'],
    categories: ['connection'],
    docs: { summary: 'Change the selected database for the current connection', since: '1.0.0', group: 'connection', complexity: 'O(1)' },
    run: select,
  },
  {
    name: 'quit',
    arity: -1,
    flags: BEFORE_AUTH,
    categories: ['connection'],
    docs: { summary: 'Close the connection', since: '1.0.0', group: 'connection', complexity: 'O(1)' },
    run: (ctx) => {
      ctx.session.closing = true;
      return OK;
    },
  },
  {
    name: 'client',
    arity: -2,
    flags: [],
    docs: { summary: 'A container for client connection commands', since: '2.4.0', group: 'connection', complexity: 'Depends on subcommand.' },
    subcommands: CLIENT_SUBCOMMANDS,
    run: client,
  },
  {
    name: 'info',
    arity: -1,
    flags: ['loading', 'stale'],
    categories: ['dangerous'],
    tips: ['nondeterministic_output', 'request_policy:all_shards', 'response_policy:special'],
    docs: { summary: 'Get information and statistics about the server', since: '1.0.0', group: 'server', complexity: 'O(1)' },
    run: info,
  },
  {
    name: 'time',
    arity: 1,
    flags: ['loading', 'stale', 'fast'],
    tips: ['nondeterministic_output'],
    docs: { summary: 'Return the current server time', since: '2.6.0', group: 'server', complexity: 'O(1)' },
    run: () => {
      const us = BigInt(Date.now()) * 1000n + BigInt(Math.floor((performance.now() % 1) * 1000));
      return [bulk(String(us / 1_000_000n)), bulk(String(us % 1_000_000n))];
    },
  },
  {
    name: 'dstash.consistency',
    arity: -1,
    flags: ['noscript', 'loading', 'stale', 'fast'],
    categories: ['connection'],
    docs: { summary: "Get or set the connection's consistency level (one, quorum, all, serial)", since: '0.1.0', group: 'connection', complexity: 'O(1)' },
    run: (ctx, args) => {
      if (args.length === 1) return bulk(ctx.session.consistency.toLowerCase());
      if (args.length > 2) throw syntaxError();
      const c = word(args[1]!) as RedisConsistency;
      if (!CONSISTENCIES.includes(c)) throw new RedisReplyError('ERR consistency must be one, quorum, all or serial');
      ctx.session.consistency = c;
      return OK;
    },
  },
];
