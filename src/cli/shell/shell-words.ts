/**
 * Splits a shell line into words: whitespace separates them; single or double
 * quotes keep spaces in one word; inside double quotes, and outside quotes, a
 * backslash escapes the next character (`\n`, `\t`, `\\`, `\"`, `\xHH` for a byte).
 * Words are bytes, so that a value can hold any byte.
 */
import { ErrorCode, InvalidArgumentError } from '../../errors.js';

const ESCAPES: Readonly<Record<string, number>> = { n: 0x0a, t: 0x09, r: 0x0d, '0': 0x00 };

/** The words of `line`; `DSTASH_INVALID_ARGUMENT` for an unclosed quote or a bad escape. */
export function splitWords(line: string): Buffer[] {
  const words: Buffer[] = [];
  let current: number[] | undefined;
  let quote: '"' | "'" | undefined;
  const bytes = (s: string): number[] => [...Buffer.from(s, 'utf8')];
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote === "'") {
      if (c === "'") quote = undefined;
      else current!.push(...bytes(c));
    } else if (c === '\\') {
      const next = line[i + 1];
      if (next === undefined) throw new InvalidArgumentError(ErrorCode.InvalidArgument, 'a backslash ends the line');
      current ??= [];
      if (next === 'x') {
        const hex = line.slice(i + 2, i + 4);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) throw new InvalidArgumentError(ErrorCode.InvalidArgument, 'write a byte as \\xHH (two hex digits)');
        current.push(parseInt(hex, 16));
        i += 3;
      } else {
        current.push(...(ESCAPES[next] !== undefined ? [ESCAPES[next]] : bytes(next)));
        i += 1;
      }
    } else if (quote === '"') {
      if (c === '"') quote = undefined;
      else current!.push(...bytes(c));
    } else if (c === '"' || c === "'") {
      quote = c;
      current ??= [];
    } else if (/\s/.test(c)) {
      if (current) words.push(Buffer.from(current));
      current = undefined;
    } else {
      current ??= [];
      current.push(...bytes(c));
    }
  }
  if (quote) throw new InvalidArgumentError(ErrorCode.InvalidArgument, `unclosed ${quote} quote`);
  if (current) words.push(Buffer.from(current));
  return words;
}
