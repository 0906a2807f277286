/**
 * The RESP request parser: arrays of bulk strings (what every client sends)
 * and inline commands (a line of space-separated words, so that `nc` and
 * `telnet` work). It takes bytes as they arrive, in chunks of any size, and
 * yields whole commands; a command split over chunks waits for the rest
 * without copying what came so far more than once.
 *
 * Every length a client declares is checked before anything is buffered for
 * it: a bulk string at most `maxBulkBytes`, an array at most
 * `maxArrayLength` elements, a whole command at most `maxCommandBytes`, an
 * inline request or a header line at most `maxInlineBytes`. Anything else is
 * a {@link RespProtocolError}, answered as Redis answers it
 * (`-ERR Protocol error: …`) before the connection is closed.
 */

/** Bounds on what one command may declare. */
export interface RespLimits {
  /** Longest bulk string (a key or a value). */
  maxBulkBytes: number;
  /** Most elements of a command array. */
  maxArrayLength: number;
  /** Most bytes of bulk strings in one command. */
  maxCommandBytes: number;
  /** Longest inline request or header line. */
  maxInlineBytes: number;
}

/** A request that does not follow RESP; the connection that sent it is closed. */
export class RespProtocolError extends Error {
  /** What Redis answers: `ERR Protocol error: …`. */
  get reply(): string {
    return `ERR Protocol error: ${this.message}`;
  }
}

const CR = 13;
const LF = 10;
const STAR = 42;
const DOLLAR = 36;

/** Parses one connection's requests. */
export class RespParser {
  private chunks: Buffer[] = [];
  private buffered = 0;
  /** Bytes that must be buffered before parsing can make progress. */
  private needed = 1;

  constructor(private readonly limits: RespLimits) {}

  /** Adds bytes received from the connection. */
  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /** Bytes received and not yet parsed into a command. */
  get pending(): number {
    return this.buffered;
  }

  /**
   * The next whole command (its words), or undefined until more bytes come.
   * Throws {@link RespProtocolError} on a malformed or oversized request.
   */
  next(): Buffer[] | undefined {
    for (;;) {
      if (this.buffered < this.needed) return undefined;
      const buf = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
      this.chunks = [buf];
      const parsed = buf[0] === STAR ? this.multibulk(buf) : this.inline(buf);
      if (parsed === undefined) return undefined;
      const [words, end] = parsed;
      this.consume(buf, end);
      // Empty arrays and blank lines are skipped, as Redis does.
      if (words.length > 0) return words;
    }
  }

  private consume(buf: Buffer, end: number): void {
    const rest = buf.subarray(end);
    this.chunks = rest.length > 0 ? [rest] : [];
    this.buffered = rest.length;
    this.needed = 1;
  }

  /** Waits until `bytes` are buffered. */
  private wait(bytes: number): undefined {
    this.needed = bytes;
    return undefined;
  }

  private multibulk(buf: Buffer): [Buffer[], number] | undefined {
    const header = this.line(buf, 0, 'multibulk count');
    if (header === undefined) return undefined;
    const count = parseLength(buf, 1, header);
    if (count === undefined || count > this.limits.maxArrayLength) throw new RespProtocolError('invalid multibulk length');
    let pos = header + 2;
    if (count <= 0) return [[], pos];
    const words: Buffer[] = [];
    let total = 0;
    for (let i = 0; i < count; i++) {
      if (pos >= buf.length) return this.wait(pos + 1);
      if (buf[pos] !== DOLLAR) throw new RespProtocolError(`expected '$', got '${String.fromCharCode(buf[pos]!)}'`);
      const end = this.line(buf, pos, 'bulk length');
      if (end === undefined) return undefined;
      const length = parseLength(buf, pos + 1, end);
      if (length === undefined || length < 0 || length > this.limits.maxBulkBytes) throw new RespProtocolError('invalid bulk length');
      total += length;
      if (total > this.limits.maxCommandBytes) throw new RespProtocolError(`command larger than ${this.limits.maxCommandBytes} bytes`);
      const start = end + 2;
      if (buf.length < start + length + 2) return this.wait(start + length + 2);
      if (buf[start + length] !== CR || buf[start + length + 1] !== LF) throw new RespProtocolError('expected CRLF after a bulk string');
      words.push(buf.subarray(start, start + length));
      pos = start + length + 2;
    }
    return [words, pos];
  }

  /** The position of the CR ending the header line at `from`; undefined (waiting) while it is incomplete. */
  private line(buf: Buffer, from: number, what: string): number | undefined {
    const cr = buf.indexOf(CR, from);
    const limit = from + this.limits.maxInlineBytes;
    if (cr < 0 || cr + 1 >= buf.length) {
      if (buf.length > limit) throw new RespProtocolError(`too big ${what} string`);
      return this.wait(buf.length + 1);
    }
    if (cr > limit) throw new RespProtocolError(`too big ${what} string`);
    if (buf[cr + 1] !== LF) throw new RespProtocolError(`expected CRLF after the ${what}`);
    return cr;
  }

  private inline(buf: Buffer): [Buffer[], number] | undefined {
    const lf = buf.indexOf(LF);
    if (lf < 0) {
      if (buf.length > this.limits.maxInlineBytes) throw new RespProtocolError('too big inline request');
      return this.wait(buf.length + 1);
    }
    if (lf > this.limits.maxInlineBytes) throw new RespProtocolError('too big inline request');
    const end = lf > 0 && buf[lf - 1] === CR ? lf - 1 : lf;
    return [splitInline(buf.subarray(0, end)), lf + 1];
  }
}

/** A decimal length between `from` and `to` (`-1` allowed); undefined when it is not one. */
function parseLength(buf: Buffer, from: number, to: number): number | undefined {
  if (to <= from || to - from > 12) return undefined;
  let i = from;
  const negative = buf[i] === 45;
  if (negative) i++;
  if (i === to) return undefined;
  let n = 0;
  for (; i < to; i++) {
    const d = buf[i]! - 48;
    if (d < 0 || d > 9) return undefined;
    n = n * 10 + d;
  }
  return negative ? -n : n;
}

const QUOTE_ESCAPES: Record<string, number> = { n: 10, r: 13, t: 9, b: 8, a: 7 };

/**
 * Splits an inline request into words as redis-cli and Redis do: spaces
 * separate, "double quotes" take escapes (\n, \xHH, \"), 'single quotes'
 * take only \'. Unbalanced quotes are a protocol error.
 */
export function splitInline(line: Buffer): Buffer[] {
  const words: Buffer[] = [];
  let i = 0;
  const n = line.length;
  const isSpace = (c: number | undefined): boolean => c === 32 || c === 9 || c === 13 || c === 10 || c === 11 || c === 12;
  while (i < n) {
    while (i < n && isSpace(line[i])) i++;
    if (i >= n) break;
    const out: number[] = [];
    let quote = 0;
    for (;;) {
      const c = line[i];
      if (quote === 0) {
        if (c === undefined || isSpace(c)) break;
        if (c === 34 || c === 39) quote = c;
        else out.push(c);
        i++;
        continue;
      }
      if (c === undefined) throw new RespProtocolError('unbalanced quotes in request');
      if (c === quote) {
        // A closing quote must be followed by a space or the end.
        if (i + 1 < n && !isSpace(line[i + 1])) throw new RespProtocolError('unbalanced quotes in request');
        quote = 0;
        i++;
        break;
      }
      if (c === 92 && i + 1 < n) {
        const e = line[i + 1]!;
        if (quote === 34 && e === 120 && i + 3 < n && isHex(line[i + 2]!) && isHex(line[i + 3]!)) {
          out.push(parseInt(String.fromCharCode(line[i + 2]!, line[i + 3]!), 16));
          i += 4;
          continue;
        }
        if (quote === 34) {
          out.push(QUOTE_ESCAPES[String.fromCharCode(e)] ?? e);
          i += 2;
          continue;
        }
        if (e === 39) {
          out.push(39);
          i += 2;
          continue;
        }
      }
      out.push(c);
      i++;
    }
    words.push(Buffer.from(out));
  }
  return words;
}

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}
