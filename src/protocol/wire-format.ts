/**
 * Protocol Buffers wire format primitives (https://protobuf.dev/programming-guides/encoding/)
 * for the hand-written codecs of the hot batch messages: varints, tags,
 * length-delimited fields, and skipping the fields a reader does not know.
 * Integers are JavaScript numbers, exact up to 2^53, as proto-loader's
 * `longs: Number` gives them.
 */
import { ErrorCode, InvalidArgumentError } from '../errors.js';

/** Wire types. */
export const VARINT = 0;
export const FIXED64 = 1;
export const LENGTH_DELIMITED = 2;
export const FIXED32 = 5;

/** The tag of field `field` with wire type `wireType`, as its single varint byte (fields 1 to 15). */
export function tag(field: number, wireType: number): number {
  return (field << 3) | wireType;
}

/** Bytes of `value` (a whole number, 0 to 2^53) as a varint. */
export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  let size = 5;
  for (let v = Math.floor(value / 0x800000000); v > 0; v = Math.floor(v / 0x80)) size++;
  return size;
}

/** Bytes of a length-delimited field of `length` bytes, tag included. */
export function delimitedSize(length: number): number {
  return 1 + varintSize(length) + length;
}

/** Writes into a buffer sized beforehand (sizes first, then one allocation, then the bytes). */
export class WireWriter {
  /** Position of the next byte. */
  pos = 0;
  readonly buf: Buffer;

  constructor(size: number) {
    this.buf = Buffer.allocUnsafe(size);
  }

  /** A varint (a whole number, 0 to 2^53). */
  varint(value: number): void {
    const buf = this.buf;
    let pos = this.pos;
    let v = value;
    while (v >= 0x80000000) {
      buf[pos++] = (v % 0x80) | 0x80;
      v = Math.floor(v / 0x80);
    }
    while (v >= 0x80) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[pos++] = v;
    this.pos = pos;
  }

  /** A tag byte (fields 1 to 15). */
  tag(field: number, wireType: number): void {
    this.buf[this.pos++] = (field << 3) | wireType;
  }

  /** Field `field` as a length-delimited run of `bytes`. */
  bytes(field: number, bytes: Uint8Array): void {
    this.tag(field, LENGTH_DELIMITED);
    this.varint(bytes.length);
    this.raw(bytes);
  }

  /** `bytes` as they are. */
  raw(bytes: Uint8Array): void {
    const n = bytes.length;
    // A loop beats a native copy for the short keys and versions these messages are made of.
    if (n <= 32) {
      const buf = this.buf;
      const pos = this.pos;
      for (let i = 0; i < n; i++) buf[pos + i] = bytes[i]!;
    } else {
      this.buf.set(bytes, this.pos);
    }
    this.pos += n;
  }

  /** Field `field` as UTF-8 text of `byteLength` bytes. */
  string(field: number, text: string, byteLength: number): void {
    this.tag(field, LENGTH_DELIMITED);
    this.varint(byteLength);
    this.pos += this.buf.write(text, this.pos, byteLength, 'utf8');
  }

  /** The bytes written; throws when the sizes computed beforehand were wrong (a codec bug). */
  finish(): Buffer {
    if (this.pos !== this.buf.length) throw new Error(`protobuf writer: wrote ${this.pos} bytes into ${this.buf.length}`);
    return this.buf;
  }
}

const EMPTY: Buffer = Buffer.alloc(0);

/** Reads a message, or a nested message between `pos` and `end`. Throws on malformed input. */
export class WireReader {
  pos = 0;

  constructor(
    readonly buf: Buffer,
    /** Names the message in errors. */
    readonly message: string,
  ) {}

  /** True while bytes remain before `end`. */
  before(end: number): boolean {
    if (this.pos > end) throw this.malformed('a field overruns its message');
    return this.pos < end;
  }

  /** A varint, exact up to 2^53. */
  varint(): number {
    const buf = this.buf;
    if (this.pos >= buf.length) throw this.malformed('truncated varint');
    let b = buf[this.pos++]!;
    if (b < 0x80) return b;
    let value = b & 0x7f;
    let scale = 0x80;
    for (let i = 1; i < 10; i++) {
      if (this.pos >= buf.length) throw this.malformed('truncated varint');
      b = buf[this.pos++]!;
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 0x80;
    }
    throw this.malformed('varint longer than 10 bytes');
  }

  /** The end position of a length-delimited field whose length comes next. */
  delimited(): number {
    const length = this.varint();
    const end = this.pos + length;
    if (end > this.buf.length) throw this.malformed('truncated length-delimited field');
    return end;
  }

  /** A length-delimited field as a view into the message (no copy). */
  bytes(): Buffer {
    const end = this.delimited();
    const start = this.pos;
    this.pos = end;
    return end === start ? EMPTY : this.buf.subarray(start, end);
  }

  /** A length-delimited field as UTF-8 text. */
  string(): string {
    const end = this.delimited();
    const start = this.pos;
    this.pos = end;
    return this.buf.toString('utf8', start, end);
  }

  /** Skips a field of `wireType` that this reader does not know (forward compatibility). */
  skip(wireType: number): void {
    switch (wireType) {
      case VARINT:
        this.varint();
        return;
      case FIXED64:
        this.pos += 8;
        break;
      case LENGTH_DELIMITED:
        this.pos = this.delimited();
        return;
      case FIXED32:
        this.pos += 4;
        break;
      default:
        throw this.malformed(`wire type ${wireType} is not supported`);
    }
    if (this.pos > this.buf.length) throw this.malformed('truncated fixed-size field');
  }

  /** Throws unless the reader ended exactly at `end`. */
  end(end: number): void {
    if (this.pos !== end) throw this.malformed('a field overruns its message');
  }

  private malformed(why: string): InvalidArgumentError {
    return new InvalidArgumentError(ErrorCode.InvalidArgument, `malformed ${this.message}: ${why}`);
  }
}

/** Field 4 of a batch message, the one that differs by message: its tag, how to read it, and its value when absent. */
export interface BatchField<F> {
  tag: number;
  read(r: WireReader): F;
  absent: F;
}

const BATCH_ID = tag(1, VARINT);
const BATCH_INDEX = tag(2, LENGTH_DELIMITED);
const BATCH_ENTRIES = tag(3, LENGTH_DELIMITED);

/**
 * Decodes a batch message as dstash's batch streams shape them: id (1),
 * index (2), each field-3 entry read by `entry` (given its end position),
 * and `fourth` (4). Unknown fields are skipped.
 */
export function decodeBatch<T, F>(buf: Buffer, name: string, entry: (r: WireReader, end: number) => T, fourth: BatchField<F>): { id: number; index: string; entries: T[]; fourth: F } {
  const r = new WireReader(buf, name);
  let id = 0;
  let index = '';
  let last = fourth.absent;
  const entries: T[] = [];
  while (r.before(buf.length)) {
    const t = r.varint();
    if (t === BATCH_ENTRIES) {
      const end = r.delimited();
      entries.push(entry(r, end));
      r.end(end);
    } else if (t === BATCH_ID) id = r.varint();
    else if (t === BATCH_INDEX) index = r.string();
    else if (t === fourth.tag) last = fourth.read(r);
    else r.skip(t & 7);
  }
  return { id, index, entries, fourth: last };
}

/** A batch entry that is bytes (a key), as a view of the message. */
export function readBytesEntry(r: WireReader, end: number): Buffer {
  const bytes = end === r.pos ? EMPTY : r.buf.subarray(r.pos, end);
  r.pos = end;
  return bytes;
}
