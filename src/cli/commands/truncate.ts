import { Args, Command, Flags } from '@oclif/core';
import { Client } from '../../client/index.js';
import { ALL_INDEXES } from '../../limits.js';
import { channelCredentials } from '../../protocol/tls.js';
import { fetchInfo } from '../admin-connection.js';
import { tlsFlags, tlsOptions, tokenFlags } from '../flags.js';
import { describeError } from '../node-connection.js';
import { nodeFlag } from '../node-address.js';

/**
 * `dstash truncate INDEX` (or `--all`): empties an index, or every index, on
 * every member, as Redis FLUSHDB / FLUSHALL do. The CLI follows the
 * members `--node` sees and hands each the truncation itself (the SDK's
 * `client.truncate`), so it says exactly which members did not acknowledge.
 */
export default class Truncate extends Command {
  static override description = 'Truncate an index (or every index, with --all) on every member: every record written before it is gone, writes after it are kept. Needs a token of role admin.';

  static override examples = ['<%= config.bin %> truncate sessions', '<%= config.bin %> truncate --all --node 127.0.0.1:7420'];

  static override args = { index: Args.string({ required: false, description: 'The index to truncate.' }) };

  static override flags = {
    node: nodeFlag('host:port (gRPC) of a node; the members it sees are the cluster.'),
    all: Flags.boolean({ default: false, description: 'Truncate every index.' }),
    json: Flags.boolean({ default: false, description: 'Print JSON.' }),
    timeout: Flags.integer({ default: 10_000, min: 1, description: 'Deadline of each member\'s answer, in milliseconds.' }),
    ...tlsFlags,
    ...tokenFlags,
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Truncate);
    if (flags.all === (args.index !== undefined)) this.error('name one INDEX, or give --all for every index', { exit: 2 });
    const index = args.index ?? ALL_INDEXES;
    let client: Client | undefined;
    try {
      // Every member the node sees, by id, so that one that is down now is asked (and named) too.
      const { members } = await fetchInfo(flags.node, channelCredentials(tlsOptions(flags)), flags.timeout, flags.token);
      client = new Client({ peers: members.map((m) => `${m.id}@${m.address}`), token: flags.token, tls: tlsOptions(flags), timeoutMs: flags.timeout });
      await client.truncate(index);
      this.log(flags.json ? JSON.stringify({ ok: true, index, members: client.members().length }) : 'OK');
    } catch (err) {
      this.error(describeError(err), { exit: 2 });
    } finally {
      await client?.close();
    }
  }
}
