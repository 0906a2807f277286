import * as grpc from '@grpc/grpc-js';
import { Args, Command, Flags } from '@oclif/core';
import { readFile } from 'node:fs/promises';
import { DstashError, ErrorCode, InvalidArgumentError } from '../../errors.js';
import { call, connect, dataFlags, describeError, wireConsistency, type DataFlags } from '../node-connection.js';
import { printConditional, serialCall, versionArg } from '../serial-connection.js';
import { argumentBytes, type CliEncoding } from '../text-encoding.js';

/** `dstash put KEY VALUE`: stores one value. */
export default class Put extends Command {
  static override description = 'Store a value under a key.';

  static override examples = [
    '<%= config.bin %> put user:1 \'{"name":"Ada"}\'',
    '<%= config.bin %> put session:9 token --ttl 60000 --index sessions --consistency all',
    '<%= config.bin %> put blob:1 --file ./photo.jpg',
    '<%= config.bin %> put AAE= /wA= --encoding base64',
    '<%= config.bin %> put lock:1 me --if-absent',
    '<%= config.bin %> put user:1 \'{"name":"Ada L."}\' --if-version 0192f3c4d5e60000a1b2c3d4',
  ];

  static override args = {
    key: Args.string({ required: true, description: 'The key (UTF-8, or base64 with --encoding base64).' }),
    value: Args.string({ description: 'The value (UTF-8, or base64 with --encoding base64); or use --file.' }),
  };

  static override flags = {
    ...dataFlags,
    ttl: Flags.integer({ min: 0, default: 0, description: 'Time to live in milliseconds (0 = none).' }),
    file: Flags.string({ description: 'Read the value from this file instead of VALUE (raw bytes).' }),
    'if-absent': Flags.boolean({ default: false, description: 'Write only when the key is absent (linearizable; exits 1 when it is not).', exclusive: ['if-version'] }),
    'if-version': Flags.string({ description: 'Write only when the key is at this version (hex, from get --json; linearizable; exits 1 otherwise).' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Put);
    let key: Buffer;
    let value: Buffer;
    try {
      key = argumentBytes(args.key, flags.encoding, 'KEY');
      value = await valueOf(args.value, flags.file, flags.encoding);
    } catch (err) {
      this.error(describeError(err), { exit: 2 });
    }
    if (flags['if-absent'] || flags['if-version'] !== undefined) return this.conditional(flags, key, value);
    const client = connect(flags);
    try {
      const res = await call<{ version: Buffer }>(client, client.Put, {
        index: flags.index, key, value, ttlMs: flags.ttl, consistency: wireConsistency(flags.consistency),
      }, flags);
      this.log(flags.json ? JSON.stringify({ ok: true, version: res.version.toString('hex') }) : 'OK');
    } catch (err) {
      this.error(describeError(tooLargeAsValueError(err, value.length)), { exit: 2 });
    } finally {
      client.close();
    }
  }

  private async conditional(flags: DataFlags & { ttl: number; 'if-absent': boolean; 'if-version'?: string }, key: Buffer, value: Buffer): Promise<void> {
    let res;
    try {
      const expect = flags['if-absent'] ? { expectAbsent: true } : { expectedVersion: versionArg(flags['if-version']!) };
      res = await serialCall(flags, { key, op: 'SERIAL_OP_SET', value, ttlMs: flags.ttl, ...expect });
    } catch (err) {
      this.error(describeError(err), { exit: 2 });
    }
    printConditional(this, res, flags.json);
  }
}

/** The value: VALUE or the bytes of --file, exactly one of them. */
async function valueOf(text: string | undefined, file: string | undefined, encoding: CliEncoding): Promise<Buffer> {
  if (text !== undefined && file !== undefined) throw new InvalidArgumentError(ErrorCode.InvalidArgument, 'give VALUE or --file, not both');
  if (file === undefined) {
    if (text === undefined) throw new InvalidArgumentError(ErrorCode.InvalidArgument, 'give a VALUE or --file');
    return argumentBytes(text, encoding, 'VALUE');
  }
  try {
    return await readFile(file);
  } catch (err) {
    throw new InvalidArgumentError(ErrorCode.InvalidArgument, `cannot read --file ${file}: ${(err as Error).message}`);
  }
}

/**
 * A put the node refused before reading it, because the message is over its
 * gRPC limit (`--max-message-bytes`), is a value over the limit: say so with
 * the code a value just over `--max-value-bytes` gets.
 */
function tooLargeAsValueError(err: unknown, valueBytes: number): unknown {
  if (!(err instanceof DstashError) || (err.cause as { code?: number } | undefined)?.code !== grpc.status.RESOURCE_EXHAUSTED) return err;
  return new DstashError(ErrorCode.InvalidValue, `invalid value: ${valueBytes} bytes is over the node's limit (--max-value-bytes; the message limit is --max-message-bytes): ${err.message}`, { cause: err });
}
