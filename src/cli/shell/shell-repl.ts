/**
 * The shell's loop over node:readline. On a terminal: a prompt that names the
 * node and index, history (see shell-history.ts), tab completion, and a
 * greeting. Otherwise (a pipe, a file) it prints results only, one command per
 * line, so that scripts can use it. An error prints as one line,
 * `(error) CODE message`, on stderr, and the shell goes on.
 */
import { createInterface, type Completer } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import { DstashError, ErrorCode, InvalidArgumentError } from '../../errors.js';
import { CONSISTENCY_LEVELS, helpLines, SHELL_COMMANDS } from './shell-commands.js';
import type { ShellContext } from './shell-context.js';
import { HISTORY_LIMIT, loadHistory, saveHistory } from './shell-history.js';
import { splitWords } from './shell-words.js';

/** Where the shell reads and writes. */
export interface ShellIo {
  input: Readable & { isTTY?: boolean };
  output: Writable;
  errors: Writable;
  /** The history file; none = no history. */
  historyFile?: string;
}

/** Names the first word completes to. */
const NAMES = [...Object.keys(SHELL_COMMANDS), 'help', 'exit', 'quit'].sort();

/** Completes the command name, the level after `consistency`, and the command after `help`. */
export const completeShellLine: Completer = (line) => {
  const words = line.split(/\s+/);
  const last = words.at(-1) ?? '';
  const options = words.length === 1 ? NAMES
    : words.length === 2 && words[0] === 'consistency' ? [...CONSISTENCY_LEVELS]
      : words.length === 2 && words[0] === 'help' ? Object.keys(SHELL_COMMANDS)
        : [];
  const hits = options.filter((o) => o.startsWith(last));
  return [hits.map((h) => (hits.length === 1 ? `${h} ` : h)), last];
};

/** Runs one line; returns the lines to print, or 'exit'. */
export async function runLine(ctx: ShellContext, line: string): Promise<string[] | 'exit'> {
  const words = splitWords(line);
  if (words.length === 0) return [];
  const [nameWord, ...args] = words;
  const name = nameWord!.toString('utf8').toLowerCase();
  if (name === 'exit' || name === 'quit') return 'exit';
  if (name === 'help') return helpLines(args[0]?.toString('utf8').toLowerCase());
  const command = SHELL_COMMANDS[name];
  if (!command) throw new InvalidArgumentError(ErrorCode.InvalidArgument, `unknown command ${JSON.stringify(name.slice(0, 40))}: type help for the list`);
  const [min, max] = command.args;
  if (args.length < min || args.length > max) {
    throw new InvalidArgumentError(ErrorCode.InvalidArgument, `usage: ${name} ${command.usage}`.trim());
  }
  return command.run(ctx, args);
}

/** The one line an error prints as. */
export function errorLine(err: unknown): string {
  const e = err instanceof DstashError ? err : new DstashError(ErrorCode.Internal, (err as Error)?.message ?? String(err));
  return `(error) ${e.code} ${e.message.replace(/\s*\n\s*/g, ' ')}`;
}

/** Reads commands until the input ends or `exit`; resolves with the number of commands that failed. */
export async function runShell(ctx: ShellContext, io: ShellIo): Promise<number> {
  const interactive = io.input.isTTY === true;
  const rl = createInterface({
    input: io.input,
    output: interactive ? io.output : undefined,
    terminal: interactive,
    completer: interactive ? completeShellLine : undefined,
    history: interactive && io.historyFile ? loadHistory(io.historyFile) : [],
    historySize: HISTORY_LIMIT,
    removeHistoryDuplicates: true,
  });
  if (interactive && io.historyFile) {
    const file = io.historyFile;
    rl.on('history', (history: string[]) => saveHistory(file, history));
  }
  const prompt = (): void => {
    rl.setPrompt(`${ctx.node}[${ctx.index}]> `);
    rl.prompt();
  };
  if (interactive) {
    io.output.write(`dstash shell, connected to ${ctx.node}. Type help for the commands, exit or Ctrl-D to leave.\n`);
    prompt();
  }
  let failures = 0;
  try {
    for await (const line of rl) {
      let result: string[] | 'exit';
      try {
        result = await runLine(ctx, line);
      } catch (err) {
        failures++;
        io.errors.write(`${errorLine(err)}\n`);
        result = [];
      }
      if (result === 'exit') break;
      for (const l of result) io.output.write(`${l}\n`);
      if (interactive) prompt();
    }
  } finally {
    rl.close();
  }
  return failures;
}
