/** What `dstash node stop` and `dstash node restart` share: their flags and the Admin Stop call. */
import { Flags, type Interfaces } from '@oclif/core';
import type { StopResponse__Output } from '../protocol/generated/dstash/v1/StopResponse.js';
import { fromServiceError } from '../protocol/status.js';
import { channelCredentials } from '../protocol/tls.js';
import { adminClient } from './admin-connection.js';
import { tlsFlags, tlsOptions, tokenFlags } from './flags.js';
import { nodeFlag } from './node-address.js';

/** The flags of both commands. */
export const nodeStopFlags = {
  node: nodeFlag('host:port (gRPC) of the node.', true),
  timeout: Flags.integer({ default: 5000, min: 1, description: 'Deadline of the call, in ms.' }),
  json: Flags.boolean({ default: false, description: 'Print the node\'s answer as JSON.' }),
  ...tlsFlags,
  ...tokenFlags,
};

/** The parsed {@link nodeStopFlags}. */
export type NodeStopFlags = Interfaces.InferredFlags<typeof nodeStopFlags>;

/** Asks the node to stop (to restart, with `restart`); resolves with its answer, sent before it stops. */
export async function stopNode(flags: NodeStopFlags, restart: boolean): Promise<StopResponse__Output> {
  const client = adminClient(flags.node, channelCredentials(tlsOptions(flags)), flags.token);
  try {
    return await new Promise<StopResponse__Output>((resolve, reject) => {
      client.Stop({ restart }, { deadline: Date.now() + flags.timeout }, (err, answer) => {
        if (err) reject(fromServiceError(err, flags.node));
        else resolve(answer!);
      });
    });
  } finally {
    client.close();
  }
}
