import { Args, Command, Flags } from '@oclif/core';
import { readFile } from 'node:fs/promises';
import { call, connect, dataFlags, describeError, wireConsistency, type DataFlags } from '../node-connection.js';
import { printConditional, serialCall, versionArg } from '../serial-connection.js';

/** `dstash put KEY VALUE`: stores one value. */
export default class Put extends Command {
  static override description = 'Store a value under a key.';

  static override examples = [
    '<%= config.bin %> put user:1 \'{"name":"Ada"}\'',
    '<%= config.bin %> put session:9 token --ttl 60000 --index sessions --consistency all',
    '<%= config.bin %> put blob:1 --file ./photo.jpg',
    '<%= config.bin %> put lock:1 me --if-absent',
    '<%= config.bin %> put user:1 \'{"name":"Ada L."}\' --if-version 0192f3c4d5e60000a1b2c3d4',
  ];

  static override args = {
    key: Args.string({ required: true, description: 'The key (UTF-8).' }),
    value: Args.string({ description: 'The value (UTF-8); or use --file.' }),
  };

  static override flags = {
    ...dataFlags,
    ttl: Flags.integer({ min: 0, default: 0, description: 'Time to live in milliseconds (0 = none).' }),
    file: Flags.string({ description: 'Read the value from this file instead.', exclusive: ['value'] }),
    'if-absent': Flags.boolean({ default: false, description: 'Write only when the key is absent (linearizable; exits 1 when it is not).', exclusive: ['if-version'] }),
    'if-version': Flags.string({ description: 'Write only when the key is at this version (hex, from get --json; linearizable; exits 1 otherwise).' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Put);
    if (args.value === undefined && !flags.file) this.error('give a VALUE or --file', { exit: 2 });
    const value = flags.file ? await readFile(flags.file) : Buffer.from(args.value!);
    if (flags['if-absent'] || flags['if-version'] !== undefined) return this.conditional(flags, args.key, value);
    const client = connect(flags);
    try {
      const res = await call<{ version: Buffer }>(client, client.Put, {
        index: flags.index, key: Buffer.from(args.key), value, ttlMs: flags.ttl, consistency: wireConsistency(flags.consistency),
      }, flags);
      this.log(flags.json ? JSON.stringify({ ok: true, version: res.version.toString('hex') }) : 'OK');
    } catch (err) {
      this.error(describeError(err), { exit: 2 });
    } finally {
      client.close();
    }
  }

  private async conditional(flags: DataFlags & { ttl: number; 'if-absent': boolean; 'if-version'?: string }, key: string, value: Buffer): Promise<void> {
    let res;
    try {
      const expect = flags['if-absent'] ? { expectAbsent: true } : { expectedVersion: versionArg(flags['if-version']!) };
      res = await serialCall(flags, { key: Buffer.from(key), op: 'SERIAL_OP_SET', value, ttlMs: flags.ttl, ...expect });
    } catch (err) {
      this.error(describeError(err), { exit: 2 });
    }
    printConditional(this, res, flags.json);
  }
}
