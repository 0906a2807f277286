/**
 * Value codecs: how the SDK turns application values into stored bytes and
 * back. `buffer` stores bytes as given, `string` UTF-8 text, `json` any
 * JSON-serialisable value.
 */
import { ErrorCode, InvalidArgumentError } from '../errors.js';

/** Encodes values of type T to bytes and back. */
export interface Codec<T> {
  readonly name: string;
  encode(value: T): Buffer;
  decode(bytes: Buffer): T;
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
