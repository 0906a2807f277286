import { Command } from '@oclif/core';
import { dataFlags } from '../node-connection.js';
import { ShellContext } from '../shell/shell-context.js';
import { historyPath } from '../shell/shell-history.js';
import { runShell } from '../shell/shell-repl.js';

// --json means nothing here: the shell prints its own format.
const { json: _json, ...shellFlags } = dataFlags;

/** `dstash shell`: an interactive shell on one node; reads commands from a pipe too. */
export default class Shell extends Command {
  static override description = [
    'An interactive shell: get, set, del, scan, ttl, use INDEX, consistency LEVEL, status, members (type help).',
    'On a terminal it keeps a history (~/.dstash_history, or DSTASH_HISTORY_FILE) and completes commands with Tab.',
    'From a pipe it prints results only, and exits 1 when a command failed.',
  ].join('\n');

  static override examples = [
    '<%= config.bin %> shell',
    '<%= config.bin %> shell --node 127.0.0.1:7421 --index sessions',
    'echo \'get user:1\' | <%= config.bin %> shell',
  ];

  static override flags = shellFlags;

  async run(): Promise<void> {
    const { flags } = await this.parse(Shell);
    const ctx = new ShellContext({ ...flags, json: false });
    try {
      const failures = await runShell(ctx, { input: process.stdin, output: process.stdout, errors: process.stderr, historyFile: historyPath() });
      if (failures > 0 && !process.stdin.isTTY) process.exitCode = 1;
    } finally {
      ctx.close();
    }
  }
}
