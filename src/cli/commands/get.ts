import { Args, Command, Flags } from '@oclif/core';
import { call, connect, dataFlags, describeError, wireConsistency } from '../node-connection.js';
import { argumentBytes, jsonBytes } from '../text-encoding.js';
import { serialCall } from '../serial-connection.js';

/** `dstash get KEY`: reads one value. Exits 1 when the key is missing. */
export default class Get extends Command {
  static override description = 'Read the value of a key. Exits 1 when the key is missing.';

  static override examples = ['<%= config.bin %> get user:1', '<%= config.bin %> get user:1 --json --consistency one', '<%= config.bin %> get blob:1 --json --encoding base64', '<%= config.bin %> get lock:1 --consistency serial'];

  static override args = { key: Args.string({ required: true, description: 'The key (UTF-8, or base64 with --encoding base64).' }) };

  static override flags = {
    ...dataFlags,
    consistency: Flags.option({
      options: ['one', 'quorum', 'all', 'serial'] as const,
      description: 'Replicas that must answer (default: the node\'s default, quorum); serial: a linearizable read (per-key Paxos).',
    })(),
  };

  async run(): Promise<void> {
    const { args, flags: parsed } = await this.parse(Get);
    const serial = parsed.consistency === 'serial';
    const flags = { ...parsed, consistency: parsed.consistency === 'serial' ? undefined : parsed.consistency };
    const client = connect(flags);
    let found = false;
    try {
      const key = argumentBytes(args.key, flags.encoding, 'KEY');
      const res = serial
        ? await serialCall(flags, { key, op: 'SERIAL_OP_READ' })
        : await call<{ found: boolean; value: Buffer; version: Buffer; expiresAtMs: number }>(client, client.Lookup, {
          index: flags.index, key, consistency: wireConsistency(flags.consistency),
        }, flags);
      found = res.found;
      if (flags.json) {
        this.log(JSON.stringify(res.found
          ? { found: true, ...jsonBytes('value', res.value, flags.encoding), version: res.version.toString('hex'), expiresAt: res.expiresAtMs || null }
          : { found: false }));
      } else if (res.found) {
        process.stdout.write(flags.encoding === 'base64' ? res.value.toString('base64') : res.value);
        if (process.stdout.isTTY) process.stdout.write('\n');
      } else {
        this.logToStderr('(not found)');
      }
    } catch (err) {
      this.error(describeError(err), { exit: 2 });
    } finally {
      client.close();
    }
    if (!found) this.exit(1);
  }
}
