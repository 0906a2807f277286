/**
 * COMMAND (the list, COUNT, INFO, DOCS): the command records answered in the
 * shapes of Redis 7.0, so that cluster-aware clients find the key positions
 * and redis-cli its help. Flags, ACL categories, tips and key specifications
 * are sets in RESP3 and arrays in RESP2, as Redis sends them.
 */
import { bulk, RedisReplyError, type Reply } from '../resp-reply.js';
import { ACL_CATEGORIES, COMMAND_FLAGS, word, type AclCategory, type Command, type CommandSpec, type KeyPositions } from './command.js';

/** A command's ACL categories as Redis derives them: its own, and those its flags imply, in Redis's order. */
export function aclCategories(spec: CommandSpec): AclCategory[] {
  const has = new Set<AclCategory>(spec.categories);
  const flags = new Set(spec.flags);
  if (flags.has('write')) has.add('write');
  if (flags.has('readonly')) has.add('read');
  if (flags.has('admin')) has.add('admin').add('dangerous');
  if (flags.has('pubsub')) has.add('pubsub');
  if (flags.has('fast')) has.add('fast');
  if (flags.has('blocking')) has.add('blocking');
  if (!has.has('fast')) has.add('slow');
  return ACL_CATEGORIES.filter((c) => has.has(c));
}

const statuses = (words: readonly string[]): Reply => ({ set: words.map((simple) => ({ simple })) });

/** A key specification: a range that begins at key `first`; its last key relative to it (negative: from the end). */
function keySpecReply(flags: readonly string[], first: number, lastkey: number, step: number, notes?: string): Reply {
  return {
    map: [
      ...(notes ? [[bulk('notes'), bulk(notes)] as [Reply, Reply]] : []),
      [bulk('flags'), statuses(flags)],
      [bulk('begin_search'), { map: [[bulk('type'), bulk('index')], [bulk('spec'), { map: [[bulk('index'), first]] }]] }],
      [
        bulk('find_keys'),
        {
          map: [
            [bulk('type'), bulk('range')],
            [bulk('spec'), { map: [[bulk('lastkey'), lastkey], [bulk('keystep'), step], [bulk('limit'), 0]] }],
          ],
        },
      ],
    ],
  };
}

/** The key specifications of a command: one range from its first key, or one for each key in a fixed place. */
function keySpecs(k: KeyPositions): Reply[] {
  if (k.each) return k.each.map((e) => keySpecReply(e.flags, e.index, 0, 1));
  return [keySpecReply(k.flags, k.first, k.last < 0 ? k.last : k.last - k.first, k.step, k.notes)];
}

/** COMMAND INFO of one command: name, arity, flags, first key, last key, step, ACL categories, tips, key specifications, subcommands. */
export function commandInfo(spec: CommandSpec): Reply {
  const k = spec.keys;
  return [
    bulk(spec.name),
    spec.arity,
    statuses(COMMAND_FLAGS.filter((f) => spec.flags.includes(f))),
    k?.first ?? 0,
    k?.last ?? 0,
    k?.step ?? 0,
    statuses(aclCategories(spec).map((c) => `@${c}`)),
    { set: (spec.tips ?? []).map(bulk) },
    { set: k ? keySpecs(k) : [] },
    // As Redis sends them: none is an empty set, some an array.
    spec.subcommands ? spec.subcommands.map(commandInfo) : { set: [] },
  ];
}

/** COMMAND DOCS of one command: summary, since, group, complexity, deprecation, subcommands (arguments are not described). */
export function commandDocs(spec: CommandSpec): Reply {
  const d = spec.docs;
  const fields: [Reply, Reply][] = [
    [bulk('summary'), bulk(d.summary)],
    [bulk('since'), bulk(d.since)],
    [bulk('group'), bulk(d.group)],
    [bulk('complexity'), bulk(d.complexity)],
  ];
  if (d.deprecated) {
    fields.push([bulk('doc_flags'), statuses(['deprecated'])], [bulk('deprecated_since'), bulk(d.deprecated.since)], [bulk('replaced_by'), bulk(d.deprecated.replacedBy)]);
  }
  if (spec.subcommands) fields.push([bulk('subcommands'), { map: spec.subcommands.map((s): [Reply, Reply] => [bulk(s.name), commandDocs(s)]) }]);
  return { map: fields };
}

/** A command or a subcommand (`client|id`) by its name in any case; undefined when not served. */
function find(commands: ReadonlyMap<string, CommandSpec>, arg: Buffer): CommandSpec | undefined {
  const name = arg.toString('latin1').toLowerCase();
  const bar = name.indexOf('|');
  if (bar < 0) return commands.get(name);
  return commands.get(name.slice(0, bar))?.subcommands?.find((s) => s.name === name);
}

function subcommand(name: string, arity: number, summary: string, since: string, tips: string[], complexity: string): CommandSpec {
  return { name: `command|${name}`, arity, flags: ['loading', 'stale'], categories: ['connection'], tips, docs: { summary, since, group: 'server', complexity } };
}

/**
 * The COMMAND record, answering from `commands` (COMMAND itself included).
 * INFO and DOCS without names describe every command, as in Redis 7.
 */
export function commandCommand(commands: ReadonlyMap<string, Command>): Command {
  return {
    name: 'command',
    arity: -1,
    flags: ['loading', 'stale'],
    categories: ['connection'],
    tips: ['nondeterministic_output_order'],
    docs: { summary: 'Get array of Redis command details', since: '2.8.13', group: 'server', complexity: 'O(N) where N is the total number of Redis commands' },
    subcommands: [
      subcommand('count', 2, 'Get total number of Redis commands', '2.8.13', [], 'O(1)'),
      subcommand('docs', -2, 'Get array of specific Redis command documentation', '7.0.0', ['nondeterministic_output_order'], 'O(N) where N is the number of commands to look up'),
      subcommand(
        'info',
        -2,
        'Get array of specific Redis command details, or all when no argument is given.',
        '2.8.13',
        ['nondeterministic_output_order'],
        'O(N) where N is the number of commands to look up',
      ),
    ],
    run: (_ctx, args) => {
      const sub = args.length > 1 ? word(args[1]!) : '';
      const named = (): (CommandSpec | undefined)[] => (args.length > 2 ? args.slice(2).map((a) => find(commands, a)) : [...commands.values()]);
      if (sub === '') return [...commands.values()].map(commandInfo);
      if (sub === 'COUNT') return commands.size;
      if (sub === 'INFO') return named().map((c) => (c ? commandInfo(c) : null));
      if (sub === 'DOCS') return { map: named().flatMap((c): [Reply, Reply][] => (c ? [[bulk(c.name), commandDocs(c)]] : [])) };
      throw new RedisReplyError(`ERR unknown subcommand '${args[1]!.toString().slice(0, 64)}'. Try COMMAND HELP.`);
    },
  };
}
