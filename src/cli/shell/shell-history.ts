/**
 * The shell's history file: one line per entry, oldest first, at most
 * `limit` entries. Read at start; rewritten after every entry, so that a
 * killed shell keeps what was typed before.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Entries the history file keeps. */
export const HISTORY_LIMIT = 1000;

/** `DSTASH_HISTORY_FILE`, else `~/.dstash_history`. */
export function historyPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.DSTASH_HISTORY_FILE || join(homedir(), '.dstash_history');
}

/** The entries, newest first (readline's order); none when the file is missing or unreadable. */
export function loadHistory(path: string, limit = HISTORY_LIMIT): string[] {
  try {
    return readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0).slice(-limit).reverse();
  } catch {
    return [];
  }
}

/** Writes `newestFirst` (readline's order), at most `limit` entries; a file that cannot be written is left alone. */
export function saveHistory(path: string, newestFirst: readonly string[], limit = HISTORY_LIMIT): void {
  try {
    writeFileSync(path, newestFirst.slice(0, limit).reverse().map((l) => `${l}\n`).join(''), { mode: 0o600 });
  } catch {
    // History is a convenience: a read-only home must not stop the shell.
  }
}
