import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConsulDiscovery } from '../../../src/discovery/consul-discovery.js';
import { createDiscovery, type DiscoverySource } from '../../../src/discovery/create-discovery.js';
import type { Discovery, Member } from '../../../src/discovery/discovery.js';
import { DnsDiscovery } from '../../../src/discovery/dns-discovery.js';
import { JoinDiscovery } from '../../../src/discovery/join-discovery.js';
import { ErrorCode, type DstashError } from '../../../src/index.js';
import { startTestNode, type TestNode } from '../../helpers/in-process-node.js';
import { tempDir } from '../../helpers/temp-dir.js';

const invalidOptions = (e: DstashError): boolean => e.code === ErrorCode.InvalidOptions;

describe('createDiscovery: one factory for the client, the node and the CLI', function () {
  let made: Discovery[] = [];
  let node: TestNode | undefined;
  let dir: { path: string; cleanup: () => Promise<void> } | undefined;
  afterEach(async () => {
    await Promise.all(made.map((d) => d.close()));
    made = [];
    await node?.stop();
    node = undefined;
    await dir?.cleanup();
    dir = undefined;
  });

  function make(...args: Parameters<typeof createDiscovery>): Discovery {
    const d = createDiscovery(...args);
    made.push(d);
    return d;
  }

  it('peers: static discovery that learns each peer\'s id from the node', async () => {
    node = await startTestNode();
    const d = make({ peers: [node.node.address] }, { healthIntervalMs: 100 });
    assert.ok(d instanceof JoinDiscovery);
    await d.start();
    assert.deepEqual(d.members().map((m) => [m.id, m.healthy]), [[node.node.nodeId, true]]);
  });

  it('peersFile: static discovery reading the file', async () => {
    node = await startTestNode();
    dir = await tempDir();
    const file = join(dir.path, 'peers');
    await writeFile(file, `${node.node.address}\n`);
    const d = make({ peersFile: file }, { healthIntervalMs: 100 });
    assert.ok(d instanceof JoinDiscovery);
    await d.start();
    assert.deepEqual(d.members().map((m) => m.id), [node.node.nodeId]);
  });

  it('join: static discovery that asks the running member to add this one', () => {
    const self = (): Member => ({ id: 'me', address: '127.0.0.1:1', healthy: true });
    const d = make({ join: ['127.0.0.1:7420'] }, { self, healthIntervalMs: 250, token: 't' });
    assert.ok(d instanceof JoinDiscovery);
    assert.deepEqual(d.options.join, ['127.0.0.1:7420']);
    assert.equal(d.options.self, self);
    assert.equal(d.options.healthIntervalMs, 250);
    assert.equal(d.options.token, 't');
  });

  it('dns: DNS discovery, whose own health interval wins over the shared one', () => {
    const shared = make({ dns: { name: 'a.b', port: 7420 } }, { healthIntervalMs: 250 });
    assert.ok(shared instanceof DnsDiscovery);
    assert.deepEqual([shared.options.name, shared.options.port, shared.options.healthIntervalMs], ['a.b', 7420, 250]);
    const own = make({ dns: { name: 'a.b', healthIntervalMs: 400 } }, { healthIntervalMs: 250 });
    assert.equal((own as DnsDiscovery).options.healthIntervalMs, 400);
    assert.throws(() => createDiscovery({ dns: { name: 'a b' } }), invalidOptions, 'the DNS options are validated');
  });

  it('consul: Consul discovery, its options validated', () => {
    assert.ok(make({ consul: { address: '127.0.0.1:8500' } }) instanceof ConsulDiscovery);
    assert.throws(() => createDiscovery({ consul: { address: 'ftp://consul' } }), invalidOptions);
  });

  it('discovery: the caller\'s own, as it is', () => {
    const own = make({ peers: [] });
    assert.equal(createDiscovery({ discovery: own }), own);
  });

  it('none: refused, except for a node, which is then a cluster of itself alone', async () => {
    assert.throws(() => createDiscovery({}), (e: DstashError) => invalidOptions(e) && /got none/.test(e.message));
    assert.throws(() => createDiscovery({ peers: undefined, dns: undefined }), invalidOptions, 'undefined fields name no source');
    const self: Member = { id: 'alone', address: '127.0.0.1:1', healthy: true };
    const d = make({}, { self: () => self });
    await d.start();
    assert.deepEqual(d.members(), [self]);
  });

  it('two: refused with DSTASH_INVALID_OPTIONS naming both, static counting once', () => {
    const own = make({ peers: [] });
    const twos: [DiscoverySource, RegExp][] = [
      [{ peers: ['127.0.0.1:1'], dns: { name: 'a.b' } }, /got peers \(or peersFile, join\) and dns/],
      [{ peersFile: '/tmp/peers', consul: {} }, /got peers \(or peersFile, join\) and consul/],
      [{ dns: { name: 'a.b' }, consul: {} }, /got dns and consul/],
      [{ consul: {}, discovery: own }, /got consul and discovery/],
      [{ join: ['127.0.0.1:1'], discovery: own }, /got peers \(or peersFile, join\) and discovery/],
    ];
    for (const [source, named] of twos) {
      assert.throws(() => createDiscovery(source, { self: () => ({ id: 'x', address: '127.0.0.1:1', healthy: true }) }),
        (e: DstashError) => invalidOptions(e) && named.test(e.message), JSON.stringify(Object.keys(source)));
    }
    assert.ok(make({ peers: ['127.0.0.1:1'], peersFile: '/tmp/peers', join: [] }) instanceof JoinDiscovery, 'peers, peersFile and join are one source');
  });
});
