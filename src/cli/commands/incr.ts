import { Args, Command, Flags } from '@oclif/core';
import { dataFlags, describeError } from '../node-connection.js';
import { serialCall } from '../serial-connection.js';

/** `dstash incr KEY [--by N]`: adds to a counter atomically and prints the new count. */
export default class Incr extends Command {
  static override description = 'Add to a counter atomically (linearizable) and print the new count. A counter is a signed 64-bit integer stored as ASCII decimal; a missing key counts as 0.';

  static override examples = ['<%= config.bin %> incr visits', '<%= config.bin %> incr stock:42 --by -3'];

  static override args = { key: Args.string({ required: true, description: 'The key (UTF-8).' }) };

  static override flags = {
    ...dataFlags,
    by: Flags.string({ default: '1', description: 'The amount, a signed 64-bit integer.' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Incr);
    try {
      const res = await serialCall(flags, { key: Buffer.from(args.key), op: 'SERIAL_OP_INCREMENT', by: flags.by });
      const count = res.value.toString('ascii');
      this.log(flags.json ? JSON.stringify({ ok: true, value: count, version: res.version.toString('hex') }) : count);
    } catch (err) {
      this.error(describeError(err), { exit: 2 });
    }
  }
}
