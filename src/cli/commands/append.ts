import { Args, Command } from '@oclif/core';
import { dataFlags, describeError } from '../node-connection.js';
import { serialCall } from '../serial-connection.js';

/** `dstash append KEY VALUE`: appends to a value atomically. */
export default class Append extends Command {
  static override description = 'Append bytes to the value of a key atomically (linearizable); a missing key starts empty. Prints the new length.';

  static override examples = ['<%= config.bin %> append log:1 "line 2\\n"'];

  static override args = {
    key: Args.string({ required: true, description: 'The key (UTF-8).' }),
    value: Args.string({ required: true, description: 'The bytes to append (UTF-8).' }),
  };

  static override flags = dataFlags;

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Append);
    try {
      const res = await serialCall(flags, { key: Buffer.from(args.key), op: 'SERIAL_OP_APPEND', value: Buffer.from(args.value) });
      this.log(flags.json ? JSON.stringify({ ok: true, length: res.value.length, version: res.version.toString('hex') }) : String(res.value.length));
    } catch (err) {
      this.error(describeError(err), { exit: 2 });
    }
  }
}
