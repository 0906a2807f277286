import { Args, Command } from '@oclif/core';
import { call, connect, dataFlags, describeError, wireConsistency } from '../node-connection.js';
import { argumentBytes } from '../text-encoding.js';

/** `dstash del KEY`: deletes one key. */
export default class Del extends Command {
  static override description = 'Delete a key (writes a tombstone).';

  static override examples = ['<%= config.bin %> del user:1'];

  static override args = { key: Args.string({ required: true, description: 'The key (UTF-8, or base64 with --encoding base64).' }) };

  static override flags = dataFlags;

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Del);
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
