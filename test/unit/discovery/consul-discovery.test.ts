// ConsulRegistrar and ConsulDiscovery against the Consul double: the cluster's view of membership and health.
import assert from 'node:assert/strict';
import { ConsulDiscovery } from '../../../src/discovery/consul-discovery.js';
import type { ConsulOptions } from '../../../src/discovery/consul-options.js';
import { ConsulRegistrar } from '../../../src/discovery/consul-registrar.js';
import type { Member } from '../../../src/discovery/discovery.js';
import { ErrorCode, hasCode } from '../../../src/errors.js';
import { FakeNodes, healthTarget } from '../../helpers/consul.js';
import { waitFor } from '../../helpers/wait.js';
import { ConsulDouble, type ConsulDoubleOptions } from '../../support/consul-double/consul-double.js';
import { freshRequest } from '../../support/consul-double/fresh-request.js';
import { untilHealth, untilMembers } from '../../support/consul-double/until.js';

/** Short intervals so that every transition happens in milliseconds; `token: ''` ignores a CONSUL_HTTP_TOKEN in the environment. */
const FAST: ConsulOptions = {
  token: '',
  checkInterval: '20ms',
  checkTimeout: '1s',
  wait: '5s',
  resyncInterval: '50ms',
  backoffMin: '10ms',
  backoffMax: '100ms',
  requestTimeout: '2s',
};

/** A self-signed test certificate for 127.0.0.1 (valid until 2126) and its key; test material only. */
const TEST_KEY = `-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgUuq8O4XfrL7rKJV5
TWc5PdkygCIMs+oQj1xsLRoijWuhRANCAATMtn20zdMmbzv9pQZXwrBQJwljT10o
AH7rVuD3BTPWoGSQSwb3EQCY6zRTbheimPObBLPIHDn0h1vzVeleQsAE
-----END PRIVATE KEY-----`;
const TEST_CERT = `-----BEGIN CERTIFICATE-----
MIIBozCCAUmgAwIBAgIUFH/QJfurGwrTEqwqaK4aqwH8beUwCgYIKoZIzj0EAwIw
GDEWMBQGA1UEAwwNY29uc3VsLWRvdWJsZTAgFw0yNjExMjIwMjAwMzlaGA8yMTI2
MTAyOTAyMDAzOVowGDEWMBQGA1UEAwwNY29uc3VsLWRvdWJsZTBZMBMGByqGSM49
AgEGCCqGSM49AwEHA0IABMy2fbTN0yZvO/2lBlfCsFAnCWNPXSgAfutW4PcFM9ag
ZJBLBvcRAJjrNFNuF6KY85sEs8gcOfSHW/NV6V5CwASjbzBtMB0GA1UdDgQWBBQW
kMya+NyO32apoTEf3WBD1D/AQjAfBgNVHSMEGDAWgBQWkMya+NyO32apoTEf3WBD
1D/AQjAPBgNVHRMBAf8EBTADAQH/MBoGA1UdEQQTMBGHBH8AAAGCCWxvY2FsaG9z
dDAKBggqhkjOPQQDAgNIADBFAiBOYvzYrock9E/pRHrt3SUduP4wHpqvOWmiRdZt
BwlFWQIhAMV2irE2i11IwPKRWD6gPpY7VZu0nX7SfxtQmKb+gi4q
-----END CERTIFICATE-----`;

const allHealthy = (count: number) => (members: readonly Member[]) => members.length === count && members.every((m) => m.healthy);

describe('ConsulRegistrar + ConsulDiscovery (Consul double)', () => {
  let consul: ConsulDouble;
  let nodes: FakeNodes | undefined;
  const closers: (() => Promise<void>)[] = [];

  async function startConsul(options: ConsulDoubleOptions = {}): Promise<ConsulOptions> {
    consul = new ConsulDouble({ reapIntervalMs: 20, ...options });
    return { ...FAST, address: await consul.start() };
  }

  function discovery(options: ConsulOptions): ConsulDiscovery {
    const d = new ConsulDiscovery(options);
    closers.push(() => d.close());
    return d;
  }

  afterEach(async () => {
    for (const close of closers.splice(0)) await close();
    await nodes?.close();
    nodes = undefined;
    await consul.stop();
  });

  describe('membership and health', () => {
    let options: ConsulOptions;
    let watcher: ConsulDiscovery;

    beforeEach(async () => {
      options = await startConsul();
      nodes = await FakeNodes.start(3, options);
      watcher = discovery(options);
      await watcher.start();
    });

    it('sees every registered node as a member with its address and zone, healthy once its gRPC check passes', async () => {
      const members = await untilMembers(watcher, allHealthy(3), 'three healthy members');
      assert.deepEqual(
        members,
        nodes!.registrations.map((r) => ({ id: r.id, address: `127.0.0.1:${r.port}`, zone: r.zone, healthy: true })),
      );
    });

    it('registers the node id, version and zone as meta, and a gRPC check with the configured timings', async () => {
      const entries = await untilHealth(healthTarget(options), (es) => es.length === 3, 'three registrations');
      const first = entries.find((e) => e.Service.ID === 'node-0')!;
      assert.deepEqual(first.Service.Meta, { node_id: 'node-0', version: '0.0.0-test', zone: 'zone-0' });
      const check = first.Checks.find((c) => c.CheckID !== 'serfHealth')!;
      assert.deepEqual([check.CheckID, check.Name, check.Type, check.Interval, check.Timeout], ['service:node-0', 'dstash gRPC health', 'grpc', '20ms', '1s']);
      const definition = JSON.parse((await freshRequest(consul.address, 'GET', '/v1/agent/service/node-0')).text) as { Port: number };
      assert.equal(definition.Port, nodes!.registrations[0]!.port);
    });

    it('keeps a member whose check goes critical, marked unhealthy', async () => {
      await untilMembers(watcher, allHealthy(3), 'three healthy members');
      nodes!.servers[1]!.setServing(false);
      const members = await untilMembers(watcher, (ms) => ms.some((m) => m.id === 'node-1' && !m.healthy), 'node-1 to turn unhealthy');
      assert.equal(members.length, 3);
      assert.deepEqual(
        members.filter((m) => m.healthy).map((m) => m.id),
        ['node-0', 'node-2'],
      );
    });

    it('drops a member that deregisters', async () => {
      await untilMembers(watcher, allHealthy(3), 'three healthy members');
      await nodes!.registrars[2]!.deregister();
      const members = await untilMembers(watcher, (ms) => ms.length === 2, 'node-2 to leave');
      assert.deepEqual(
        members.map((m) => m.id),
        ['node-0', 'node-1'],
      );
      await nodes!.registrars[2]!.deregister(); // idempotent
    });

    it('calls onChange only when the member list changed, and not after unsubscribe', async () => {
      await untilMembers(watcher, allHealthy(3), 'three healthy members');
      const views: (readonly Member[])[] = [];
      const unsubscribe = watcher.onChange((members) => views.push(members));
      // New tags move Consul's index (the blocked query returns) but change no member: no event.
      const definition = JSON.parse((await freshRequest(consul.address, 'GET', '/v1/agent/service/node-0')).text) as Record<string, unknown>;
      await freshRequest(consul.address, 'PUT', '/v1/agent/service/register', { ...definition, Tags: ['retagged'] });
      nodes!.servers[0]!.setServing(false);
      await untilMembers(watcher, (ms) => ms.some((m) => m.id === 'node-0' && !m.healthy), 'node-0 to turn unhealthy');
      unsubscribe();
      nodes!.servers[0]!.setServing(true);
      await untilMembers(watcher, allHealthy(3), 'node-0 to recover');
      assert.equal(views.length, 1);
      assert.equal(views[0]!.find((m) => m.id === 'node-0')!.healthy, false);
    });

    it('registers again when the agent restarts without its state', async () => {
      const before = await untilHealth(healthTarget(options), (es) => es.length === 3, 'three registrations');
      const created = Math.max(...before.map((e) => e.Service.CreateIndex));
      consul.restartAgent();
      // Each registrar notices the 404 and registers anew: new entries, created after the restart.
      await untilHealth(healthTarget(options), (es) => es.length === 3 && es.every((e) => e.Service.CreateIndex > created), 'the registrars to register again');
      await untilMembers(watcher, allHealthy(3), 'three healthy members again');
    });
  });

  describe('ACL tokens', () => {
    const token = '4c6ad8f3-0000-4000-8000-00000000acl1';
    let options: ConsulOptions;

    beforeEach(async () => {
      options = await startConsul({ aclToken: token });
    });

    it('registers and follows with the token', async () => {
      nodes = await FakeNodes.start(2, { ...options, token });
      const watcher = discovery({ ...options, token });
      await watcher.start();
      await untilMembers(watcher, allHealthy(2), 'two healthy members');
    });

    it('refuses a registration without a token, naming the token settings', async () => {
      const registrar = new ConsulRegistrar(options);
      await assert.rejects(registrar.register({ id: 'n', host: '127.0.0.1', port: 1, version: 'x' }), (err: Error) => {
        assert.ok(hasCode(err, ErrorCode.Unauthenticated), String(err));
        assert.match(err.message, /403 Permission denied/);
        assert.match(err.message, /CONSUL_HTTP_TOKEN/);
        return true;
      });
      await registrar.deregister();
    });

    it('refuses to start with a token Consul does not know', async () => {
      await assert.rejects(discovery({ ...options, token: 'not-a-token' }).start(), (err: Error) => {
        assert.ok(hasCode(err, ErrorCode.Unauthenticated), String(err));
        assert.match(err.message, /ACL not found/);
        return true;
      });
    });

    it('sees no members without a token: Consul filters anonymous reads rather than refusing them', async () => {
      nodes = await FakeNodes.start(1, { ...options, token });
      await untilHealth(healthTarget({ ...options, token }), (es) => es.length === 1, 'the registration');
      const anonymous = discovery(options);
      await anonymous.start();
      assert.deepEqual(anonymous.members(), []);
    });
  });

  describe('registration input', () => {
    it('refuses a wildcard host or a bad port before contacting Consul', async () => {
      const registrar = new ConsulRegistrar({ ...FAST, address: '127.0.0.1:1' });
      for (const registration of [
        { id: 'n', host: '0.0.0.0', port: 7000, version: 'x' },
        { id: 'n', host: '127.0.0.1', port: 0, version: 'x' },
        { id: '', host: '127.0.0.1', port: 7000, version: 'x' },
      ]) {
        await assert.rejects(registrar.register(registration), (err: Error) => hasCode(err, ErrorCode.InvalidArgument), JSON.stringify(registration));
      }
    });
  });

  describe('Consul unreachable', () => {
    it('rejects register() with DSTASH_DISCOVERY', async () => {
      const options = await startConsul();
      await consul.stop();
      const registrar = new ConsulRegistrar(options);
      await assert.rejects(registrar.register({ id: 'n', host: '127.0.0.1', port: 7000, version: 'x' }), (err: Error) => hasCode(err, ErrorCode.Discovery) && /CONSUL_HTTP_ADDR/.test(err.message));
      await registrar.deregister();
    });

    it('rejects start() with DSTASH_DISCOVERY naming the address and the settings to check', async () => {
      const options = await startConsul();
      await consul.stop();
      await assert.rejects(discovery(options).start(), (err: Error) => {
        assert.ok(hasCode(err, ErrorCode.Discovery), String(err));
        assert.ok(err.message.includes(`http://${consul.address}`), err.message);
        assert.match(err.message, /--consul-addr \/ CONSUL_HTTP_ADDR/);
        return true;
      });
    });

    it('keeps the last view while Consul is down, and follows again when it is back', async () => {
      const options = await startConsul();
      nodes = await FakeNodes.start(3, options);
      const watcher = discovery(options);
      await watcher.start();
      const view = await untilMembers(watcher, allHealthy(3), 'three healthy members');
      await consul.pause();
      await waitFor(() => watcher.lastError !== undefined, 'the discovery to notice the outage');
      assert.ok(hasCode(watcher.lastError, ErrorCode.Discovery));
      assert.deepEqual(watcher.members(), view);
      // The agent's checks go on while it is unreachable; the change shows once it answers again.
      nodes.servers[0]!.setServing(false);
      await consul.resume();
      await untilMembers(watcher, (ms) => ms.length === 3 && ms.some((m) => m.id === 'node-0' && !m.healthy), 'the change made during the outage');
      assert.equal(watcher.lastError, undefined);
    });

    it('recovers when the index goes backwards (a Consul that lost its state)', async () => {
      const options = await startConsul();
      nodes = await FakeNodes.start(2, options);
      const watcher = discovery({ ...options, wait: '200ms' });
      await watcher.start();
      await untilMembers(watcher, allHealthy(2), 'two healthy members');
      consul.restartAgent({ resetIndexes: true });
      // The registrars register again at indexes below the watcher's; only a reset to 0 lets it see them.
      nodes.servers[1]!.setServing(false);
      await untilMembers(watcher, (ms) => ms.length === 2 && ms.some((m) => m.id === 'node-1' && !m.healthy), 'the registrations made after the reset');
    });
  });

  describe('HTTPS', () => {
    async function startTlsConsul(): Promise<string> {
      consul = new ConsulDouble({ reapIntervalMs: 20, tls: { key: TEST_KEY, cert: TEST_CERT } });
      return `https://${await consul.start()}`;
    }

    it('registers and follows over HTTPS, trusting the CA given as tls.ca', async () => {
      const options: ConsulOptions = { ...FAST, address: await startTlsConsul(), tls: { ca: Buffer.from(TEST_CERT) } };
      nodes = await FakeNodes.start(2, options);
      const watcher = discovery(options);
      await watcher.start();
      await untilMembers(watcher, allHealthy(2), 'two healthy members');
    });

    it("refuses a Consul whose certificate it cannot verify", async () => {
      const address = await startTlsConsul();
      await assert.rejects(discovery({ ...FAST, address }).start(), (err: Error) => {
        assert.ok(hasCode(err, ErrorCode.Discovery), String(err));
        assert.match(err.message, /SELF_SIGNED/);
        assert.match(err.message, /CONSUL_CACERT/);
        return true;
      });
    });
  });

  it('close() is idempotent and start() afterwards rejects with DSTASH_CLOSED', async () => {
    const options = await startConsul();
    const watcher = new ConsulDiscovery(options);
    await watcher.start();
    await Promise.all([watcher.close(), watcher.close()]);
    await assert.rejects(watcher.start(), (err: Error) => hasCode(err, ErrorCode.Closed));
  });
});
