import { Args, Command, Flags } from '@oclif/core';
import { call, connect, dataFlags, describeError, wireConsistency } from '../node-connection.js';
import { argumentBytes } from '../text-encoding.js';
import { printConditional, serialCall, versionArg } from '../serial-connection.js';

/** `dstash del KEY`: deletes one key. */
export default class Del extends Command {
  static override description = 'Delete a key (writes a tombstone).';

  static override examples = ['<%= config.bin %> del user:1', '<%= config.bin %> del lock:1 --if-version 0192f3c4d5e60000a1b2c3d4'];

  static override args = { key: Args.string({ required: true, description: 'The key (UTF-8, or base64 with --encoding base64).' }) };

  static override flags = {
    ...dataFlags,
    'if-version': Flags.string({ description: 'Delete only when the key is at this version (hex, from get --json; linearizable; exits 1 otherwise).' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Del);
    if (flags['if-version'] !== undefined) {
      let res;
      try {
        const expectedVersion = versionArg(flags['if-version']);
        res = await serialCall(flags, { key: argumentBytes(args.key, flags.encoding, 'KEY'), op: 'SERIAL_OP_DELETE', expectedVersion });
      } catch (err) {
        this.error(describeError(err), { exit: 2 });
      }
      printConditional(this, res, flags.json);
      return;
    }
    const client = connect(flags);
    try {
      const res = await call<{ version: Buffer }>(client, client.Delete, {
        index: flags.index, key: argumentBytes(args.key, flags.encoding, 'KEY'), consistency: wireConsistency(flags.consistency),
      }, flags);
      this.log(flags.json ? JSON.stringify({ ok: true, version: res.version.toString('hex') }) : 'OK');
    } catch (err) {
      this.error(describeError(err), { exit: 2 });
    } finally {
      client.close();
    }
  }
}
