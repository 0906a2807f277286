/**
 * How the shell prints keys and values: printable UTF-8 as it is, anything
 * else (control characters, invalid UTF-8) as `base64:…`, so that a binary
 * value never writes raw bytes to the terminal.
 */

/** `bytes` as text when it is printable UTF-8, else `base64:…`. */
export function displayBytes(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  // Round-trips (valid UTF-8) and has no control character other than tab.
  const printable = Buffer.from(text, 'utf8').equals(bytes) && ![...text].some(isControl);
  return printable ? text : `base64:${bytes.toString('base64')}`;
}

/** C0 and C1 control characters, tab excepted. */
function isControl(ch: string): boolean {
  const c = ch.codePointAt(0)!;
  return (c < 0x20 && c !== 0x09) || (c >= 0x7f && c <= 0x9f);
}
