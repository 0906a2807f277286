/**
 * CLIENT LIST, CLIENT INFO and CLIENT KILL over the port's registry of
 * connections (RedisServer). A line has Redis 7.0's fields in its order;
 * what dstash does not have (pub/sub, MULTI, buffers and their memory) is
 * written as a Redis client without any of it shows it.
 */
import { roleAllows } from '../../../protocol/bearer-token.js';
import { bulk, OK, RedisReplyError, syntaxError, type Reply } from '../resp-reply.js';
import { word, type ClientHandle, type CommandContext, type Session } from './command.js';

/** The client types of CLIENT LIST TYPE and CLIENT KILL TYPE: every connection of the port is `normal`. */
const CLIENT_TYPES = ['normal', 'master', 'replica', 'slave', 'pubsub'];

/** One connection's line, as Redis 7.0 writes it (without the newline). */
export function clientLine(s: Session, now: number): string {
  const fields: [string, string | number][] = [
    ['id', s.id],
    ['addr', s.addr],
    ['laddr', s.laddr],
    ['fd', s.fd],
    ['name', s.name?.toString('latin1') ?? ''],
    ['age', Math.floor((now - s.createdAt) / 1000)],
    ['idle', Math.floor((now - s.lastActiveAt) / 1000)],
    ['flags', 'N'],
    ['db', s.db],
    ['sub', 0],
    ['psub', 0],
    ['ssub', 0],
    ['multi', -1],
    ['qbuf', 0],
    ['qbuf-free', 0],
    ['argv-mem', 0],
    ['multi-mem', 0],
    ['rbs', 0],
    ['rbp', 0],
    ['obl', 0],
    ['oll', 0],
    ['omem', 0],
    ['tot-mem', 0],
    ['events', 'r'],
    ['cmd', s.lastCommand],
    ['user', s.role ?? 'default'],
    ['redir', -1],
    ['resp', s.resp3 ? 3 : 2],
  ];
  return fields.map(([k, v]) => `${k}=${v}`).join(' ');
}

function clientType(arg: Buffer): string {
  const t = arg.toString('latin1').toLowerCase();
  if (!CLIENT_TYPES.includes(t)) throw new RedisReplyError(`ERR Unknown client type '${arg.toString()}'`);
  return t;
}

/** CLIENT LIST [TYPE t] [ID id …]. */
export function clientList(ctx: CommandContext, args: Buffer[]): Reply {
  let clients = ctx.server.clients();
  if (args.length > 2) {
    const option = word(args[2]!);
    if (option === 'TYPE' && args.length === 4) {
      if (clientType(args[3]!) !== 'normal') clients = [];
    } else if (option === 'ID' && args.length >= 4) {
      const ids = args.slice(3).map((a) => {
        if (!/^-?\d+$/.test(a.toString('latin1'))) throw new RedisReplyError('ERR Invalid client ID');
        return Number(a.toString('latin1'));
      });
      clients = clients.filter((c) => ids.includes(c.session.id));
    } else throw syntaxError();
  }
  const now = Date.now();
  return bulk(clients.map((c) => `${clientLine(c.session, now)}\n`).join(''));
}

/** CLIENT INFO: the connection's own line. */
export function clientInfo(ctx: CommandContext): Reply {
  return bulk(`${clientLine(ctx.session, Date.now())}\n`);
}

/** What CLIENT KILL's filters keep. */
interface KillFilter {
  id?: number;
  addr?: string;
  laddr?: string;
  type?: string;
  user?: string;
  skipMe: boolean;
}

function killFilter(args: Buffer[]): KillFilter {
  const f: KillFilter = { skipMe: true };
  if (args.length % 2 !== 0) throw syntaxError();
  for (let i = 2; i < args.length; i += 2) {
    const option = word(args[i]!);
    const value = args[i + 1]!.toString('latin1');
    if (option === 'ID') {
      if (!/^-?\d+$/.test(value) || Number(value) <= 0) throw new RedisReplyError('ERR client-id should be greater than 0');
      f.id = Number(value);
    } else if (option === 'ADDR') f.addr = value;
    else if (option === 'LADDR') f.laddr = value;
    else if (option === 'TYPE') f.type = clientType(args[i + 1]!);
    else if (option === 'USER') f.user = value;
    else if (option === 'SKIPME') {
      const yesNo = value.toLowerCase();
      if (yesNo !== 'yes' && yesNo !== 'no') throw syntaxError();
      f.skipMe = yesNo === 'yes';
    } else throw syntaxError();
  }
  return f;
}

function matches(c: ClientHandle, f: KillFilter, self: Session): boolean {
  const s = c.session;
  if (f.skipMe && s === self) return false;
  if (f.id !== undefined && s.id !== f.id) return false;
  if (f.addr !== undefined && s.addr !== f.addr) return false;
  if (f.laddr !== undefined && s.laddr !== f.laddr) return false;
  if (f.type !== undefined && f.type !== 'normal') return false;
  return f.user === undefined || (s.role ?? 'default') === f.user;
}

/**
 * CLIENT KILL addr:port (the old form: OK, or `ERR No such client`; it may
 * kill the caller) or CLIENT KILL with filters (the number killed; SKIPME
 * yes by default). The caller's own connection closes after the reply. With
 * tokens, it needs a write token: it ends other clients' connections.
 */
export function clientKill(ctx: CommandContext, args: Buffer[]): Reply {
  if (ctx.auth && !roleAllows(ctx.session.role!, 'write')) throw new RedisReplyError("NOPERM User read has no permissions to run the 'client|kill' command");
  const oldForm = args.length === 3;
  const filter = oldForm ? { addr: args[2]!.toString('latin1'), skipMe: false } : killFilter(args);
  let killed = 0;
  for (const c of ctx.server.clients()) {
    if (!matches(c, filter, ctx.session)) continue;
    killed += 1;
    if (c.session === ctx.session) ctx.session.closing = true;
    else c.kill();
  }
  if (!oldForm) return killed;
  if (killed === 0) throw new RedisReplyError('ERR No such client');
  return OK;
}
