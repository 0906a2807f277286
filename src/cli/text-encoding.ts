/**
 * How the data commands take keys and values on the command line and print
 * them in JSON: UTF-8 text (the default) or base64, as the REST API's
 * `?encoding=`. JSON strings cannot carry arbitrary bytes, so in UTF-8 mode a
 * key or value that is not valid UTF-8 is printed in base64 and marked
 * (`"valueEncoding":"base64"`) rather than mangled.
 */
import { isUtf8 } from 'node:buffer';
import { Flags } from '@oclif/core';
import { ErrorCode, InvalidArgumentError } from '../errors.js';

/** The encodings of {@link encodingFlag}. */
export type CliEncoding = 'utf8' | 'base64';

/** `--encoding`. */
export const encodingFlag = Flags.option({
  options: ['utf8', 'base64'] as const,
  default: 'utf8' as const,
  description: 'How KEY, VALUE, --prefix and --start-after are given, and keys and values printed by --json: utf8 text, or base64 for binary data.',
})();

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The bytes of a command-line argument in `encoding`; `what` names it in the error. */
export function argumentBytes(text: string, encoding: CliEncoding, what: string): Buffer {
  if (encoding === 'utf8') return Buffer.from(text, 'utf8');
  if (!BASE64.test(text)) throw new InvalidArgumentError(ErrorCode.InvalidArgument, `${what} is not base64 (--encoding base64)`);
  return Buffer.from(text, 'base64');
}

/**
 * `{ [name]: text }` for JSON output; in UTF-8 mode, bytes that are not UTF-8
 * come out in base64 with `[name + 'Encoding']: 'base64'`.
 */
export function jsonBytes(name: string, bytes: Buffer, encoding: CliEncoding): Record<string, string> {
  if (encoding === 'base64') return { [name]: bytes.toString('base64') };
  if (isUtf8(bytes)) return { [name]: bytes.toString('utf8') };
  return { [name]: bytes.toString('base64'), [`${name}Encoding`]: 'base64' };
}
