/**
 * CONFIG GET, SET, RESETSTAT, REWRITE and HELP. GET answers the parameters
 * clients and Redis's test suite read, with values that describe the node
 * (port, bind, proto-max-bulk-len = the value limit) or Redis 7.0's defaults
 * where the concept does not apply here (encodings, eviction, snapshots).
 * SET accepts the parameters whose change means nothing here (the encoding
 * thresholds, lazyfree-lazy-user-flush): they are kept for the node's later
 * GETs and change nothing else; it refuses the rest as Redis refuses an
 * immutable or unknown parameter.
 */
import { globMatch } from '../redis-glob.js';
import { bulk, OK, RedisReplyError, type Reply } from '../resp-reply.js';
import { word, type Command, type CommandContext, type CommandSpec } from './command.js';

/** How CONFIG SET checks a value, as Redis 7.0 checks the parameter's type; `fixed` values may only be set to what they are. */
type ConfigKind = 'int' | 'bool' | 'immutable' | 'fixed';

interface ConfigParameter {
  name: string;
  /** The old name Redis still answers to (ziplist for listpack). */
  alias?: string;
  kind: ConfigKind;
  value(ctx: CommandContext): string;
  /** Why a `fixed` parameter keeps its value. */
  why?: string;
}

const constant = (v: string): (() => string) => () => v;

/** The parameters served, in the order GET answers them. */
const PARAMETERS: readonly ConfigParameter[] = [
  { name: 'maxmemory', kind: 'fixed', value: constant('0'), why: 'dstash does not evict: its keys are bounded by disk, not memory' },
  { name: 'maxmemory-policy', kind: 'fixed', value: constant('noeviction'), why: 'dstash does not evict' },
  { name: 'save', kind: 'fixed', value: constant(''), why: 'every write is persisted by the store; there are no snapshots' },
  { name: 'appendonly', kind: 'fixed', value: constant('no'), why: 'every write is persisted by the store; there is no append-only file' },
  { name: 'databases', kind: 'immutable', value: constant('1000000') },
  { name: 'hash-max-listpack-entries', alias: 'hash-max-ziplist-entries', kind: 'int', value: constant('512') },
  { name: 'hash-max-listpack-value', alias: 'hash-max-ziplist-value', kind: 'int', value: constant('64') },
  { name: 'list-max-listpack-size', alias: 'list-max-ziplist-size', kind: 'int', value: constant('-2') },
  { name: 'list-compress-depth', kind: 'int', value: constant('0') },
  { name: 'set-max-intset-entries', kind: 'int', value: constant('512') },
  { name: 'zset-max-listpack-entries', alias: 'zset-max-ziplist-entries', kind: 'int', value: constant('128') },
  { name: 'zset-max-listpack-value', alias: 'zset-max-ziplist-value', kind: 'int', value: constant('64') },
  { name: 'timeout', kind: 'fixed', value: constant('0'), why: 'idle connections are not closed' },
  { name: 'port', kind: 'immutable', value: (ctx) => String(ctx.server.port()) },
  { name: 'bind', kind: 'immutable', value: (ctx) => ctx.server.bind },
  { name: 'maxclients', kind: 'immutable', value: constant('10000') },
  { name: 'notify-keyspace-events', kind: 'fixed', value: constant(''), why: 'keyspace notifications need pub/sub, which is not served' },
  { name: 'proto-max-bulk-len', kind: 'immutable', value: (ctx) => String(ctx.maxValueBytes) },
  { name: 'lazyfree-lazy-user-flush', kind: 'bool', value: constant('no') },
  { name: 'appendfsync', kind: 'fixed', value: constant('everysec'), why: 'the store syncs as --sync says' },
];

/** A parameter by its name or alias, in any case. */
function parameter(name: string): ConfigParameter | undefined {
  const n = name.toLowerCase();
  return PARAMETERS.find((p) => p.name === n || p.alias === n);
}

function currentValue(ctx: CommandContext, p: ConfigParameter): string {
  return ctx.server.config.get(p.name) ?? p.value(ctx);
}

/** CONFIG GET pattern [pattern …]: each parameter once, under the name a pattern matched (Redis answers an alias asked by name under it). */
function configGet(ctx: CommandContext, patterns: Buffer[]): Reply {
  const out = new Map<string, string>();
  for (const pattern of patterns) {
    const exact = parameter(pattern.toString('latin1'));
    if (exact && !/[*?[\\]/.test(pattern.toString('latin1'))) {
      out.set(pattern.toString('latin1').toLowerCase(), currentValue(ctx, exact));
      continue;
    }
    const lower = Buffer.from(pattern.toString('latin1').toLowerCase(), 'latin1');
    for (const p of PARAMETERS) {
      for (const name of [p.name, p.alias]) if (name && globMatch(lower, Buffer.from(name))) out.set(name, currentValue(ctx, p));
    }
  }
  return { map: [...out].map(([k, v]): [Reply, Reply] => [bulk(k), bulk(v)]) };
}

function setFailed(name: string, why: string): RedisReplyError {
  return new RedisReplyError(`ERR CONFIG SET failed (possibly related to argument '${name}') - ${why}`);
}

/** CONFIG SET name value [name value …]: every pair checked before any is applied, as in Redis. */
function configSet(ctx: CommandContext, args: Buffer[]): Reply {
  if (args.length % 2 !== 0) throw new RedisReplyError("ERR wrong number of arguments for 'config|set' command");
  /** Each parameter, its value, and the name it was given by (errors name it so). */
  const changes: [ConfigParameter, string, string][] = [];
  for (let i = 2; i < args.length; i += 2) {
    const name = args[i]!.toString('latin1');
    const p = parameter(name);
    if (!p) throw new RedisReplyError(`ERR Unknown option or number of arguments for CONFIG SET - '${name}'`);
    if (changes.some(([c]) => c === p)) throw setFailed(name, 'duplicate parameter');
    changes.push([p, args[i + 1]!.toString('latin1'), name]);
  }
  for (const [p, value, name] of changes) {
    if (p.kind === 'immutable') throw setFailed(name, "can't set immutable config");
    if (p.kind === 'int' && !/^-?\d+$/.test(value)) throw setFailed(name, "argument couldn't be parsed into an integer");
    if (p.kind === 'bool' && value !== 'yes' && value !== 'no') throw setFailed(name, "argument must be 'yes' or 'no'");
    if (p.kind === 'fixed' && value !== p.value(ctx)) throw setFailed(name, `dstash keeps it at '${p.value(ctx)}': ${p.why!}`);
  }
  for (const [p, value] of changes) ctx.server.config.set(p.name, value);
  return OK;
}

const CONFIG_HELP = [
  'CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'GET <pattern>',
  '    Return parameters matching the glob-like <pattern> and their values.',
  'SET <directive> <value>',
  '    Set the configuration <directive> to <value>.',
  'RESETSTAT',
  '    Reset statistics reported by the INFO command.',
  'REWRITE',
  '    Rewrite the configuration file.',
  'HELP',
  '    Prints this help.',
];

function config(ctx: CommandContext, args: Buffer[]): Reply {
  const sub = word(args[1]!);
  if (sub === 'GET' && args.length >= 3) return configGet(ctx, args.slice(2));
  if (sub === 'SET' && args.length >= 4) return configSet(ctx, args);
  // INFO keeps no statistics to reset.
  if (sub === 'RESETSTAT' && args.length === 2) return OK;
  // As a Redis started without a file answers: the node's settings are its flags.
  if (sub === 'REWRITE' && args.length === 2) throw new RedisReplyError('ERR The server is running without a config file');
  if (sub === 'HELP' && args.length === 2) return CONFIG_HELP.map((simple) => ({ simple }));
  if (['GET', 'SET', 'RESETSTAT', 'REWRITE', 'HELP'].includes(sub)) throw new RedisReplyError(`ERR wrong number of arguments for 'config|${sub.toLowerCase()}' command`);
  throw new RedisReplyError(`ERR unknown subcommand '${args[1]!.toString().slice(0, 64)}'. Try CONFIG HELP.`);
}

function subcommand(name: string, arity: number, summary: string, since: string, complexity = 'O(1)', admin = true): CommandSpec {
  return {
    name: `config|${name}`,
    arity,
    flags: admin ? ['admin', 'noscript', 'loading', 'stale'] : ['loading', 'stale'],
    ...(name === 'set' ? { tips: ['request_policy:all_nodes', 'response_policy:all_succeeded'] } : {}),
    docs: { summary, since, group: 'server', complexity },
  };
}

/** The CONFIG record, with what Redis 7.0 tells of it. */
export const CONFIG_COMMAND: Command = {
  name: 'config',
  arity: -2,
  flags: [],
  docs: { summary: 'A container for server configuration commands', since: '2.0.0', group: 'server', complexity: 'Depends on subcommand.' },
  subcommands: [
    subcommand('rewrite', 2, 'Rewrite the configuration file with the in memory configuration', '2.8.0'),
    subcommand('help', 2, 'Show helpful text about the different subcommands', '5.0.0', 'O(1)', false),
    subcommand('get', -3, 'Get the values of configuration parameters', '2.0.0', 'O(N) when N is the number of configuration parameters provided'),
    subcommand('resetstat', 2, 'Reset the stats returned by INFO', '2.0.0'),
    subcommand('set', -4, 'Set configuration parameters to the given values', '2.0.0', 'O(N) when N is the number of configuration parameters provided'),
  ],
  run: config,
};
