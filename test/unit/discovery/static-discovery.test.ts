import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StaticDiscovery, parsePeer } from '../../../src/discovery/static-discovery.js';
import { ErrorCode, type DstashError } from '../../../src/index.js';
import { startTestNode, type TestNode } from '../../helpers/in-process-node.js';
import { tempDir } from '../../helpers/temp-dir.js';
import { waitFor } from '../../helpers/wait.js';

describe('static discovery', function () {
  let nodes: TestNode[] = [];
  let discovery: StaticDiscovery | undefined;
  afterEach(async () => {
    await discovery?.close();
    discovery = undefined;
    await Promise.all(nodes.map((n) => n.stop()));
    nodes = [];
  });

  it('parses host:port and id@host:port, and rejects anything else', () => {
    assert.deepEqual(parsePeer('127.0.0.1:7420'), { id: undefined, address: '127.0.0.1:7420' });
    assert.deepEqual(parsePeer('node-1@db.local:1'), { id: 'node-1', address: 'db.local:1' });
    for (const bad of ['', 'host', 'host:99999', 'a b:1', '@host:1']) {
      assert.throws(() => parsePeer(bad), (e: DstashError) => e.code === ErrorCode.InvalidOptions, bad);
    }
  });

  it('learns member ids from the nodes and marks a stopped node, and only it, unhealthy', async () => {
    nodes = [await startTestNode(), await startTestNode()];
    const interval = 100;
    discovery = new StaticDiscovery({ peers: nodes.map((n) => n.node.address), healthIntervalMs: interval });
    await discovery.start();
    assert.deepEqual(discovery.members().map((m) => m.id).sort(), nodes.map((n) => n.node.nodeId).sort());
    assert.ok(discovery.members().every((m) => m.healthy));

    const victim = nodes.pop()!;
    let stopping = false;
    const changed = new Promise<{ unhealthy: string[]; afterStop: boolean }>((resolve) => {
      discovery!.onChange((members) => {
        const unhealthy = members.filter((m) => !m.healthy).map((m) => m.id);
        if (unhealthy.length > 0) resolve({ unhealthy, afterStop: stopping });
      });
    });
    stopping = true;
    await victim.stop();
    // The order is what counts: the time (two intervals when idle) is the machine's, bounded by the test's timeout.
    assert.deepEqual(await changed, { unhealthy: [victim.node.nodeId], afterStop: true });
    assert.equal(discovery.members().length, 2, 'still a member: health is not membership');
  });

  it('follows a peers file as it changes', async () => {
    nodes = [await startTestNode(), await startTestNode()];
    const dir = await tempDir();
    const file = join(dir.path, 'peers');
    await writeFile(file, `# the cluster\n${nodes[0]!.node.address}\n`);
    discovery = new StaticDiscovery({ peersFile: file, healthIntervalMs: 50 });
    await discovery.start();
    assert.equal(discovery.members().length, 1);
    await writeFile(file, JSON.stringify(nodes.map((n) => n.node.address)));
    await waitFor(() => discovery!.members().length === 2, 'the second peer from the file');
    await writeFile(file, `${nodes[1]!.node.address}\n`);
    await waitFor(() => discovery!.members().length === 1 && discovery!.members()[0]!.id === nodes[1]!.node.nodeId, 'the first peer to leave');
    await dir.cleanup();
  });

  it('fails to start with a clear error when no peer answers', async () => {
    discovery = new StaticDiscovery({ peers: ['127.0.0.1:1'], healthIntervalMs: 100 });
    await assert.rejects(discovery.start(), (e: DstashError) => e.code === ErrorCode.Discovery && /127\.0\.0\.1:1/.test(e.message));
  });
});
