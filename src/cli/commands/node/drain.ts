import { Command, Flags } from '@oclif/core';
import type { DrainProgress__Output } from '../../../protocol/generated/dstash/v1/DrainProgress.js';
import { fromServiceError } from '../../../protocol/status.js';
import { channelCredentials } from '../../../protocol/tls.js';
import { adminClient } from '../../admin-connection.js';
import { tlsFlags, tlsOptions, tokenFlags } from '../../flags.js';
import { describeError } from '../../node-connection.js';
import { nodeFlag } from '../../node-address.js';

/** `dstash node drain`: planned scale-in of one node. */
export default class NodeDrain extends Command {
  static override description = 'Drain a node: it hands every partition to its next owners, waits for their acknowledgements, leaves the cluster and exits.';

  static override examples = ['<%= config.bin %> node drain --node 127.0.0.1:7422'];

  static override flags = {
    node: nodeFlag('host:port (gRPC) of the node to drain.', true),
    json: Flags.boolean({ default: false, description: 'Print progress as JSON lines.' }),
    ...tlsFlags,
    ...tokenFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(NodeDrain);
    const client = adminClient(flags.node, channelCredentials(tlsOptions(flags)), flags.token);
    try {
      await new Promise<void>((resolve, reject) => {
        const call = client.Drain({});
        call.on('data', (p: DrainProgress__Output) => {
          this.log(flags.json ? JSON.stringify(p) : `${p.phase}: ${p.partitionsDone}/${p.partitionsTotal} partitions, ${p.keysMoved} keys moved`);
        });
        call.on('error', (err) => reject(fromServiceError(err, flags.node)));
        call.on('end', resolve);
      });
    } catch (err) {
      this.error(describeError(err), { exit: 2 });
    } finally {
      client.close();
    }
  }
}
