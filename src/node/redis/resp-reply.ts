/**
 * Replies and their serialization, in RESP2 or, after `HELLO 3`, RESP3.
 *
 * A reply is plain data: a `Buffer` is a bulk string, `null` the null reply,
 * a number or bigint an integer, an array an array; the tagged objects carry
 * the other types. RESP2 has no map, set, double or boolean: a map goes out
 * as a flat array of keys and values, a set as an array, as Redis does.
 */

/** A status reply (`+OK`). */
export interface SimpleReply {
  simple: string;
}
/** An error reply: `message` starts with its code (`ERR`, `WRONGTYPE`, …). */
export interface ErrorReply {
  error: string;
}
/** A map (RESP3 `%`; RESP2 a flat array). */
export interface MapReply {
  map: [Reply, Reply][];
}

/** A set (RESP3 `~`; RESP2 an array), as Redis answers COMMAND's flags and categories. */
export interface SetReply {
  set: Reply[];
}

/** The null array (RESP2 `*-1`, RESP3 `_`), as Redis answers a count form of a missing key (LPOP k 2). */
export interface NullArrayReply {
  nullArray: true;
}

/** Anything a command answers. */
export type Reply = Buffer | null | number | bigint | SimpleReply | ErrorReply | MapReply | SetReply | NullArrayReply | Reply[];

/** The null array. */
export const NULL_ARRAY: NullArrayReply = { nullArray: true };

/** `+OK`. */
export const OK: SimpleReply = { simple: 'OK' };

/** A bulk string of text. */
export function bulk(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

/** Thrown by a command to answer an error reply (`code` is the first word, `ERR` when unsure). */
export class RedisReplyError extends Error {
  constructor(readonly reply: string) {
    super(reply);
  }
}

/** `ERR syntax error`. */
export function syntaxError(): RedisReplyError {
  return new RedisReplyError('ERR syntax error');
}

/** `ERR value is not an integer or out of range`. */
export function notAnInteger(): RedisReplyError {
  return new RedisReplyError('ERR value is not an integer or out of range');
}

/** `WRONGTYPE …`. */
export function wrongType(): RedisReplyError {
  return new RedisReplyError('WRONGTYPE Operation against a key holding the wrong kind of value');
}

const CRLF = '\r\n';

/** Accumulates serialized replies; `take()` returns them as one buffer for one socket write. */
export class ReplyWriter {
  private parts: (string | Buffer)[] = [];
  private text = '';
  private bytes = 0;

  /** Bytes written since the last `take()`. */
  get size(): number {
    return this.bytes + this.text.length;
  }

  /** Serializes `reply`; `resp3` selects the protocol. */
  write(reply: Reply, resp3: boolean): void {
    if (reply === null) {
      this.text += resp3 ? `_${CRLF}` : `$-1${CRLF}`;
    } else if (Buffer.isBuffer(reply)) {
      this.text += `$${reply.length}${CRLF}`;
      this.flushText();
      this.parts.push(reply);
      this.bytes += reply.length;
      this.text += CRLF;
    } else if (typeof reply === 'number' || typeof reply === 'bigint') {
      this.text += `:${reply}${CRLF}`;
    } else if (Array.isArray(reply)) {
      this.arrayHeader(reply.length);
      for (const r of reply) this.write(r, resp3);
    } else if ('simple' in reply) {
      this.text += `+${oneLine(reply.simple)}${CRLF}`;
    } else if ('error' in reply) {
      this.text += `-${oneLine(reply.error)}${CRLF}`;
    } else if ('nullArray' in reply) {
      this.text += resp3 ? `_${CRLF}` : `*-1${CRLF}`;
    } else if ('set' in reply) {
      this.text += `${resp3 ? '~' : '*'}${reply.set.length}${CRLF}`;
      for (const r of reply.set) this.write(r, resp3);
    } else {
      this.text += resp3 ? `%${reply.map.length}${CRLF}` : `*${reply.map.length * 2}${CRLF}`;
      for (const [k, v] of reply.map) {
        this.write(k, resp3);
        this.write(v, resp3);
      }
    }
  }

  /** The header of an array of `length` elements, which are written after it one by one. */
  arrayHeader(length: number): void {
    this.text += `*${length}${CRLF}`;
  }

  /** Everything written since the last call, as one buffer. */
  take(): Buffer {
    this.flushText();
    const out = this.parts.length === 1 ? (this.parts[0] as Buffer) : Buffer.concat(this.parts as Buffer[], this.bytes);
    this.parts = [];
    this.bytes = 0;
    return out;
  }

  private flushText(): void {
    if (this.text.length === 0) return;
    const b = Buffer.from(this.text, 'utf8');
    this.parts.push(b);
    this.bytes += b.length;
    this.text = '';
  }
}

/** Status and error lines cannot hold CR or LF. */
function oneLine(text: string): string {
  return /[\r\n]/.test(text) ? text.replace(/[\r\n]+/g, ' ') : text;
}
