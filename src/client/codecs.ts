/**
 * Value codecs: how the SDK turns application values into stored bytes and
 * back. `buffer` stores bytes as given, `string` UTF-8 text, `json` any
 * JSON-serialisable value.
 */
import { DstashError, ErrorCode, InvalidArgumentError } from '../errors.js';

/** Encodes values of type T to bytes and back. */
export interface Codec<T> {
  readonly name: string;
  encode(value: T): Buffer;
  decode(bytes: Buffer): T;
}

/**
 * A stored value that the client's codec could not decode
 * (`DSTASH_DECODE`): the key says which, the cause is the codec's error.
 */
export class ValueDecodeError extends DstashError {
  constructor(
    /** The key whose value could not be decoded. */
    readonly key: Buffer,
    codec: string,
    cause: unknown,
  ) {
    super(ErrorCode.Decode, `the value of key ${JSON.stringify(key.toString('utf8').slice(0, 80))} cannot be decoded by codec ${codec}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** Decodes `bytes`, the value of `key`; a codec's failure becomes a {@link ValueDecodeError}. */
export function decodeValue<T>(codec: Codec<T>, key: Buffer, bytes: Buffer): T {
  try {
    return codec.decode(bytes);
  } catch (err) {
    throw new ValueDecodeError(key, codec.name, err);
  }
}

/** Raw bytes. */
export const bufferCodec: Codec<Buffer> = {
  name: 'buffer',
  encode(value) {
    if (!Buffer.isBuffer(value) && !((value as unknown) instanceof Uint8Array)) {
      throw new InvalidArgumentError(ErrorCode.InvalidArgument, 'the buffer codec stores Buffers or Uint8Arrays; use codec "string" or "json" for other values');
    }
    return Buffer.isBuffer(value) ? value : Buffer.from(value);
  },
  decode: (bytes) => bytes,
};

/** UTF-8 text. */
export const stringCodec: Codec<string> = {
  name: 'string',
  encode(value) {
    if (typeof value !== 'string') throw new InvalidArgumentError(ErrorCode.InvalidArgument, 'the string codec stores strings');
    return Buffer.from(value, 'utf8');
  },
  decode: (bytes) => bytes.toString('utf8'),
};

/** JSON: objects, arrays, numbers, strings, booleans and null round-trip. */
export function jsonCodec<T = unknown>(): Codec<T> {
  return {
    name: 'json',
    encode(value) {
      const text = JSON.stringify(value);
      if (text === undefined) throw new InvalidArgumentError(ErrorCode.InvalidArgument, `the json codec cannot store ${typeof value}`);
      return Buffer.from(text, 'utf8');
    },
    decode: (bytes) => JSON.parse(bytes.toString('utf8')) as T,
  };
}

/** The built-in codecs by name. */
export const codecs = { buffer: bufferCodec, string: stringCodec, json: jsonCodec } as const;

/** A key as callers give it: bytes, or a string (stored as UTF-8). */
export type Key = string | Buffer | Uint8Array;

/** The bytes of a key. */
export function keyBytes(key: Key): Buffer {
  if (typeof key === 'string') return Buffer.from(key, 'utf8');
  if (Buffer.isBuffer(key)) return key;
  if (key instanceof Uint8Array) return Buffer.from(key.buffer, key.byteOffset, key.byteLength);
  throw new InvalidArgumentError(ErrorCode.InvalidKey, `invalid key: expected a string, Buffer or Uint8Array, got ${typeof key}`);
}
