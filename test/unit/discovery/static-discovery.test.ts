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

  it('learns member ids from the nodes and marks a stopped node unhealthy within two intervals', async () => {
    nodes = [await startTestNode(), await startTestNode()];
    const interval = 100;
    discovery = new StaticDiscovery({ peers: nodes.map((n) => n.node.address), healthIntervalMs: interval });
    await discovery.start();
    assert.deepEqual(discovery.members().map((m) => m.id).sort(), nodes.map((n) => n.node.nodeId).sort());
    assert.ok(discovery.members().every((m) => m.healthy));

    const changed = new Promise<number>((resolve) => {
      const stoppedAt = Date.now();
      discovery!.onChange((members) => {
        if (members.some((m) => !m.healthy)) resolve(Date.now() - stoppedAt);
      });
    });
    const victim = nodes.pop()!;
    await victim.stop();
    const elapsed = await changed;
    assert.ok(elapsed <= 2 * interval + 150, `unhealthy after ${elapsed} ms (interval ${interval} ms)`);
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
