// The registrar/discovery scenario against a real Consul agent, when one is reachable through CONSUL_HTTP_ADDR
// (with CONSUL_HTTP_TOKEN and the CONSUL_CACERT family when the agent needs them). The agent must run on this
// machine: its gRPC checks dial the test's health servers on 127.0.0.1.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ConsulDiscovery } from '../../src/discovery/consul-discovery.js';
import { ConsulHttp } from '../../src/discovery/consul-http.js';
import { resolveConsulOptions, type ConsulOptions } from '../../src/discovery/consul-options.js';
import type { Member } from '../../src/discovery/discovery.js';
import { FakeNodes, healthTarget } from '../helpers/consul.js';
import { untilHealth, untilMembers } from '../support/consul-double/until.js';

/** Real Consul raises check intervals under 1s to 1s; allow a few rounds of it. */
const TIMEOUT_MS = 20_000;

const allHealthy = (count: number) => (members: readonly Member[]) => members.length === count && members.every((m) => m.healthy);

describe('ConsulRegistrar + ConsulDiscovery (real Consul agent)', function () {
  this.timeout(60_000);
  let options: ConsulOptions;
  let nodes: FakeNodes | undefined;
  let watcher: ConsulDiscovery | undefined;

  before(function () {
    // Without an agent there is nothing real to run against.
    if (!process.env.CONSUL_HTTP_ADDR) {
      console.log('skipped: CONSUL_HTTP_ADDR is not set (no Consul agent)');
      this.skip();
    }
  });

  beforeEach(async () => {
    // A service name of its own, so that the test never touches a real cluster's registrations.
    options = { serviceName: `dstash-test-${randomUUID().slice(0, 8)}`, checkInterval: '1s', checkTimeout: '1s', wait: '5s', resyncInterval: '200ms', backoffMin: '50ms', backoffMax: '1s' };
    nodes = await FakeNodes.start(3, options);
    watcher = new ConsulDiscovery(options);
    await watcher.start();
  });

  afterEach(async () => {
    await watcher?.close();
    await nodes?.close();
  });

  it('sees the registered nodes, marks a failing one unhealthy and drops a deregistered one', async () => {
    const members = await untilMembers(watcher!, allHealthy(3), 'three healthy members', TIMEOUT_MS);
    assert.deepEqual(
      members.map((m) => [m.id, m.address, m.zone]),
      nodes!.registrations.map((r) => [r.id, `127.0.0.1:${r.port}`, r.zone]),
    );
    nodes!.servers[1]!.setServing(false);
    await untilMembers(watcher!, (ms) => ms.length === 3 && ms.some((m) => m.id === 'node-1' && !m.healthy), 'node-1 to turn unhealthy', TIMEOUT_MS);
    await nodes!.registrars[2]!.deregister();
    await untilMembers(watcher!, (ms) => ms.length === 2 && !ms.some((m) => m.id === 'node-2'), 'node-2 to leave', TIMEOUT_MS);
  });

  it('registers again when the agent no longer has the service', async () => {
    const before = await untilHealth(healthTarget(options), (es) => es.length === 3, 'three registrations', TIMEOUT_MS);
    const created = before.find((e) => e.Service.ID === 'node-0')!.Service.CreateIndex;
    // A test cannot restart the agent; removing the service behind the registrar's back is what it then sees.
    const http = new ConsulHttp(resolveConsulOptions(options));
    try {
      await http.request('PUT', '/agent/service/deregister/node-0');
    } finally {
      http.close();
    }
    await untilHealth(healthTarget(options), (es) => (es.find((e) => e.Service.ID === 'node-0')?.Service.CreateIndex ?? 0) > created, 'node-0 to be registered again', TIMEOUT_MS);
    await untilMembers(watcher!, allHealthy(3), 'three healthy members again', TIMEOUT_MS);
  });
});
