import { Command, Flags } from '@oclif/core';
import { channelCredentials } from '../../../protocol/tls.js';
import { adminCall } from '../../admin-connection.js';
import { tlsFlags, tlsOptions, tokenFlags } from '../../flags.js';
import { describeError } from '../../node-connection.js';
import { nodeFlag } from '../../node-address.js';

/** `dstash node rebuild`: a node pulls every partition it holds again from its peers. */
export default class NodeRebuild extends Command {
  static override description = 'Rebuild a node from its peers: it stops answering reads as a complete replica and pulls every partition it home-owns again (rate-limited); writes keep reaching it. Progress: dstash cluster status. Needs the admin role.';

  static override examples = ['<%= config.bin %> node rebuild --node 127.0.0.1:7422'];

  static override flags = {
    node: nodeFlag('host:port (gRPC) of the node to rebuild.', true),
    json: Flags.boolean({ default: false, description: 'Print JSON.' }),
    ...tlsFlags,
    ...tokenFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(NodeRebuild);
    try {
      const res = await adminCall(flags.node, 'Rebuild', { credentials: channelCredentials(tlsOptions(flags)), timeoutMs: 30_000, token: flags.token });
      this.log(flags.json ? JSON.stringify(res) : `${flags.node}: rebuilding ${res.partitions} partitions from its peers`);
    } catch (err) {
      this.error(describeError(err), { exit: 2 });
    }
  }
}
