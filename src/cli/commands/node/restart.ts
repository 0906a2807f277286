import { Command } from '@oclif/core';
import { describeError } from '../../node-connection.js';
import { nodeStopFlags, stopNode } from '../../node-stop.js';

/** `dstash node restart`: a graceful stop whose exit code asks the node's supervisor to start it again. */
export default class NodeRestart extends Command {
  static override description = [
    'Restart a node: it stops gracefully, as `node stop` does, and exits with code 75 (EX_TEMPFAIL), which asks its supervisor to start it again.',
    'Under a supervisor that restarts it (the Helm chart\'s StatefulSet; systemd with Restart=on-failure) the node comes back on its data dir and catches up through hints.',
    'Without a supervisor the node stays stopped: start it again with `node start`.',
    'Needs a token with the admin role when the nodes ask for tokens.',
  ].join('\n');

  static override examples = ['<%= config.bin %> node restart --node 127.0.0.1:7422', '<%= config.bin %> node restart --node dstash-2.dstash-headless:7420 --token $ADMIN_TOKEN'];

  static override flags = nodeStopFlags;

  async run(): Promise<void> {
    const { flags } = await this.parse(NodeRestart);
    try {
      const answer = await stopNode(flags, true);
      this.log(flags.json ? JSON.stringify(answer) : `${answer.nodeId} at ${flags.node} is stopping to restart (exit code ${answer.exitCode}); without a supervisor to start it again it stays stopped`);
    } catch (err) {
      this.error(describeError(err), { exit: 2 });
    }
  }
}
