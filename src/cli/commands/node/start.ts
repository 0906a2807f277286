import { Command } from '@oclif/core';
import { configureLogging } from '../../../logger.js';
import { DrainedError, DstashNode, runUntilStopped } from '../../../node/index.js';
import { describeError } from '../../node-connection.js';
import { nodeOptions, nodeStartFlags } from '../../node-start-flags.js';

/** `dstash node start`: runs one node in the foreground until SIGTERM or SIGINT. */
export default class NodeStart extends Command {
  static override description = 'Run a dstash node in the foreground. Stops cleanly on SIGTERM or SIGINT.';

  static override examples = [
    '<%= config.bin %> node start --data-dir ./data --port 7420',
    '<%= config.bin %> node start --data-dir /var/lib/dstash --bind 0.0.0.0 --tls --cert-file node.pem --key-file node-key.pem --ca-file ca.pem',
    '<%= config.bin %> node start --data-dir ./data-4 --port 7423 --join 127.0.0.1:7420',
    '<%= config.bin %> node start --discovery dns --dns-name _grpc._tcp.dstash-headless.default.svc.cluster.local --bind 0.0.0.0 --advertise-host $POD_IP',
    '<%= config.bin %> node start --discovery consul --consul-addr 127.0.0.1:8500 --consul-token $TOKEN --advertise-host 10.0.0.5',
  ];

  static override flags = nodeStartFlags;

  async run(): Promise<void> {
    const { flags } = await this.parse(NodeStart);
    configureLogging(flags['log-level']);
    let options: ReturnType<typeof nodeOptions>;
    try {
      options = nodeOptions(flags);
    } catch (err) {
      this.error(describeError(err), { exit: 2 });
    }
    const node = new DstashNode(options);
    try {
      await node.start();
    } catch (err) {
      // A machine-readable line on stdout: a supervisor's logs say why the node stays out of the cluster.
      if (err instanceof DrainedError) this.log(JSON.stringify({ event: 'drained', nodeId: err.mark.nodeId, drainedAt: err.mark.drainedAt }));
      this.error(describeError(err), { exit: 2 });
    }
    // A machine-readable line on stdout: scripts and tests read the address from it.
    this.log(JSON.stringify({ event: 'serving', nodeId: node.nodeId, address: node.address, port: node.port, httpPort: node.httpPort || undefined, redisPort: node.redisPort || undefined }));
    await runUntilStopped(node, { drainOnExit: flags['drain-on-exit'] });
  }
}
