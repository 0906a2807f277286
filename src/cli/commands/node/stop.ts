import { Command } from '@oclif/core';
import { describeError } from '../../node-connection.js';
import { nodeStopFlags, stopNode } from '../../node-stop.js';

/** `dstash node stop`: a graceful stop of one node, over its Admin service. */
export default class NodeStop extends Command {
  static override description = [
    'Stop a node gracefully, as SIGTERM does: it reports NOT_SERVING, lets its in-flight requests finish, closes its store and exits with code 0.',
    'Its partitions stay its own (the other replicas keep hints for it); to take a node out of the cluster for good, use `node drain`.',
    'A supervisor that restarts a container whatever its exit code (Kubernetes) starts it again; scale the StatefulSet down to keep it stopped.',
    'Needs a token with the admin role when the nodes ask for tokens.',
  ].join('\n');

  static override examples = ['<%= config.bin %> node stop --node 127.0.0.1:7422', '<%= config.bin %> node stop --node 10.0.0.5:7420 --token $ADMIN_TOKEN'];

  static override flags = nodeStopFlags;

  async run(): Promise<void> {
    const { flags } = await this.parse(NodeStop);
    try {
      const answer = await stopNode(flags, false);
      this.log(flags.json ? JSON.stringify(answer) : `${answer.nodeId} at ${flags.node} is stopping (exit code ${answer.exitCode})`);
    } catch (err) {
      this.error(describeError(err), { exit: 2 });
    }
  }
}
