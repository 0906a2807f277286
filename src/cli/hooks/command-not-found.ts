/**
 * oclif's `command_not_found` hook: an unknown command names what the user
 * typed and the closest command, instead of oclif's `command getx:k not found`.
 */
import type { Hook } from '@oclif/core';
import { ErrorCode } from '../../errors.js';

/** Largest edit distance at which a command is suggested. */
const MAX_DISTANCE = 2;

const hook: Hook<'command_not_found'> = async function (options) {
  // oclif joins every word of the command line with ':' while looking for a command.
  const typed = options.id.split(':');
  const commands = options.config.commandIDs.map((id) => id.split(':'));
  let best: { words: string[]; distance: number } | undefined;
  for (const words of commands) {
    const distance = editDistance(typed.slice(0, words.length).join(' '), words.join(' '));
    if (distance <= MAX_DISTANCE && (!best || distance < best.distance)) best = { words, distance };
  }
  const unknown = typed.slice(0, best?.words.length ?? 1).join(' ');
  const hint = best ? `; did you mean "${best.words.join(' ')}"?` : '';
  this.error(`unknown command "${unknown}"${hint} Run "${options.config.bin} --help" for the commands. [${ErrorCode.InvalidArgument}]`, { exit: 2 });
};

export default hook;

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
