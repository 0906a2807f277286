// The Consul double follows the documented HTTP API: each test names the behaviour and the doc page.
import assert from 'node:assert/strict';
import { ConsulDouble, type ConsulDoubleOptions } from '../../support/consul-double/consul-double.js';
import { freshRequest } from '../../support/consul-double/fresh-request.js';
import { HealthServer } from '../../support/consul-double/health-server.js';
import { parseGoDuration } from '../../support/consul-double/go-duration.js';
import { untilHealth, type HealthEntry, type HealthTarget } from '../../support/consul-double/until.js';

interface Answer {
  status: number;
  index: bigint | undefined;
  header(name: string): string | undefined;
  text: string;
}

describe('Consul double', () => {
  let consul: ConsulDouble;
  let servers: HealthServer[];

  async function startConsul(options: ConsulDoubleOptions = {}): Promise<void> {
    consul = new ConsulDouble({ reapIntervalMs: 20, ...options });
    await consul.start();
  }

  async function call(method: 'GET' | 'PUT', path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
    const answer = await freshRequest(consul.address, method, path, body, headers);
    const header = (name: string): string | undefined => answer.headers[name] as string | undefined;
    const index = header('x-consul-index');
    return { status: answer.status, index: index === undefined ? undefined : BigInt(index), header, text: answer.text };
  }

  async function health(name: string, query = ''): Promise<{ index: bigint; entries: HealthEntry[] }> {
    const answer = await call('GET', `/v1/health/service/${name}${query}`);
    assert.equal(answer.status, 200, answer.text);
    return { index: answer.index!, entries: JSON.parse(answer.text) as HealthEntry[] };
  }

  function ttlService(id: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
    return { ID: id, Name: 'web', Tags: ['t1'], Address: '10.0.0.1', Port: 8080, Meta: { zone: 'z1' }, Check: { TTL: '30s', ...extra } };
  }

  /** Where untilHealth follows service `web`. */
  function web(): HealthTarget {
    return { address: consul.address, serviceName: 'web' };
  }

  /** The same, for the GRPC tests' service `node`. */
  function node(): HealthTarget {
    return { ...web(), serviceName: 'node' };
  }

  function serviceCheck(entry: HealthEntry): HealthEntry['Checks'][number] {
    return entry.Checks.find((c) => c.CheckID !== 'serfHealth')!;
  }

  beforeEach(() => {
    servers = [];
  });

  afterEach(async () => {
    for (const server of servers) server.stop();
    await consul.stop();
  });

  describe('service registration (/api-docs/agent/service)', () => {
    beforeEach(() => startConsul());

    it('registers a service and shows it with its node, its checks and the node serfHealth check', async () => {
      assert.equal((await call('PUT', '/v1/agent/service/register', ttlService('web-1'))).status, 200);
      const { entries } = await health('web');
      assert.equal(entries.length, 1);
      const [entry] = entries;
      assert.deepEqual(
        { ID: entry!.Service.ID, Service: entry!.Service.Service, Address: entry!.Service.Address, Port: entry!.Service.Port, Tags: entry!.Service.Tags, Meta: entry!.Service.Meta },
        { ID: 'web-1', Service: 'web', Address: '10.0.0.1', Port: 8080, Tags: ['t1'], Meta: { zone: 'z1' } },
      );
      assert.equal(entry!.Node.Address, '127.0.0.1');
      assert.equal(entry!.Node.Datacenter, 'dc1');
      assert.deepEqual(
        entry!.Checks.map((c) => [c.CheckID, c.Status, c.ServiceID]),
        [
          ['serfHealth', 'passing', ''],
          ['service:web-1', 'critical', 'web-1'],
        ],
        'checks start critical unless Status says otherwise; default CheckID is service:<id>',
      );
      assert.equal(serviceCheck(entry!).Name, "Service 'web' check");
    });

    it('honours the initial Status, snake_case keys, and numbers several checks service:<id>:<n>', async () => {
      await call('PUT', '/v1/agent/service/register', {
        name: 'api',
        id: 'api-1',
        port: 1,
        checks: [
          { ttl: '30s', status: 'passing' },
          { ttl: '30s', deregister_critical_service_after: '1h' },
        ],
      });
      const { entries } = await health('api');
      assert.deepEqual(
        entries[0]!.Checks.map((c) => [c.CheckID, c.Status]),
        [
          ['serfHealth', 'passing'],
          ['service:api-1:1', 'passing'],
          ['service:api-1:2', 'critical'],
        ],
      );
    });

    it('refuses a registration without a name, and checks the double cannot run', async () => {
      const nameless = await call('PUT', '/v1/agent/service/register', { ID: 'x', Port: 1 });
      assert.equal(nameless.status, 400);
      assert.match(nameless.text, /Missing service name/);
      const http = await call('PUT', '/v1/agent/service/register', { Name: 'x', Check: { HTTP: 'http://x', Interval: '1s' } });
      assert.equal(http.status, 400);
      assert.match(http.text, /only GRPC and TTL/);
      assert.equal((await call('PUT', '/v1/agent/service/register', { Name: 'x', Check: { GRPC: '127.0.0.1:1' } })).status, 400, 'GRPC needs an Interval');
    });

    it('reads one service back, and answers 404 for an unknown one (/api-docs/agent/service#get-service-configuration)', async () => {
      await call('PUT', '/v1/agent/service/register', ttlService('web-1'));
      const found = await call('GET', '/v1/agent/service/web-1');
      assert.equal(found.status, 200);
      const body = JSON.parse(found.text) as { ID: string; Service: string; ContentHash: string };
      assert.equal(body.ID, 'web-1');
      assert.equal(found.header('x-consul-contenthash'), body.ContentHash);
      assert.equal((await call('GET', '/v1/agent/service/nope')).status, 404);
    });

    it('deregisters a service with its checks; an unknown id is no action', async () => {
      await call('PUT', '/v1/agent/service/register', ttlService('web-1'));
      await call('PUT', '/v1/agent/service/register', ttlService('web-2'));
      assert.equal((await call('PUT', '/v1/agent/service/deregister/web-1')).status, 200);
      assert.deepEqual((await health('web')).entries.map((e) => e.Service.ID), ['web-2']);
      assert.equal((await call('PUT', '/v1/agent/service/deregister/never-was')).status, 200);
      assert.equal((await call('PUT', '/v1/agent/check/pass/service:web-1')).status, 404, 'its check went with it');
    });

    it('keeps a check status across re-registration (no flapping to critical)', async () => {
      await call('PUT', '/v1/agent/service/register', ttlService('web-1'));
      await call('PUT', '/v1/agent/check/pass/service:web-1');
      await call('PUT', '/v1/agent/service/register', { ...ttlService('web-1'), Port: 9090 });
      const [entry] = (await health('web')).entries;
      assert.equal(entry!.Service.Port, 9090);
      assert.equal(serviceCheck(entry!).Status, 'passing');
    });

    it('lists services with their tags (/api-docs/catalog#list-services)', async () => {
      await call('PUT', '/v1/agent/service/register', ttlService('web-1'));
      await call('PUT', '/v1/agent/service/register', { ...ttlService('web-2'), Tags: ['t2'] });
      await call('PUT', '/v1/agent/service/register', { Name: 'db', Port: 5432 });
      const answer = await call('GET', '/v1/catalog/services');
      assert.equal(answer.status, 200);
      assert.ok(answer.index! > 0n);
      assert.deepEqual(JSON.parse(answer.text), { web: ['t1', 't2'], db: [] });
    });
  });

  describe('TTL check updates (/api-docs/agent/check)', () => {
    beforeEach(async () => {
      await startConsul();
      await call('PUT', '/v1/agent/service/register', ttlService('web-1'));
    });

    async function check(): Promise<HealthEntry['Checks'][number]> {
      return serviceCheck((await health('web')).entries[0]!);
    }

    it('pass, warn and fail set the status, with ?note= as the output', async () => {
      for (const [verb, status] of [
        ['pass', 'passing'],
        ['warn', 'warning'],
        ['fail', 'critical'],
      ] as const) {
        assert.equal((await call('PUT', `/v1/agent/check/${verb}/service:web-1?note=${verb}%20note`)).status, 200);
        assert.deepEqual([(await check()).Status, (await check()).Output], [status, `${verb} note`]);
      }
    });

    it('update takes a JSON Status and Output, and refuses an unknown status', async () => {
      assert.equal((await call('PUT', '/v1/agent/check/update/service:web-1', { Status: 'warning', Output: 'slow' })).status, 200);
      assert.deepEqual([(await check()).Status, (await check()).Output], ['warning', 'slow']);
      const bad = await call('PUT', '/v1/agent/check/update/service:web-1', { Status: 'fine' });
      assert.equal(bad.status, 400);
      assert.match(bad.text, /Invalid check status/);
    });

    it('answers 404 for an unknown check id', async () => {
      const answer = await call('PUT', '/v1/agent/check/pass/nope');
      assert.equal(answer.status, 404);
      assert.match(answer.text, /Unknown check ID/);
    });

    it('turns a TTL check critical when its TTL passes without an update', async () => {
      await call('PUT', '/v1/agent/service/register', ttlService('short', { TTL: '50ms', Status: 'passing' }));
      await call('PUT', '/v1/agent/check/pass/service:short?note=fine');
      const entries = await untilHealth(web(), (es) => es.some((e) => e.Service.ID === 'short' && serviceCheck(e).Status === 'critical'), 'the TTL to expire');
      assert.equal(serviceCheck(entries.find((e) => e.Service.ID === 'short')!).Output, 'TTL expired (last output before timeout follows): fine');
    });
  });

  describe('health queries (/api-docs/health#list-nodes-for-service, /api-docs/features/blocking)', () => {
    beforeEach(async () => {
      await startConsul();
      await call('PUT', '/v1/agent/service/register', ttlService('web-1'));
      await call('PUT', '/v1/agent/service/register', ttlService('web-2'));
      await call('PUT', '/v1/agent/check/pass/service:web-2');
    });

    it('?passing keeps only entries whose checks all pass', async () => {
      assert.deepEqual((await health('web', '?passing')).entries.map((e) => e.Service.ID), ['web-2']);
      assert.deepEqual((await health('web', '?passing=false')).entries.map((e) => e.Service.ID), ['web-1', 'web-2']);
    });

    it('answers an unknown service with [] and an index', async () => {
      const { index, entries } = await health('nothing');
      assert.deepEqual(entries, []);
      assert.ok(index > 0n);
    });

    it('returns a blocked query as soon as the result changes, with a higher index', async () => {
      const { index } = await health('web');
      const blocked = health('web', `?index=${index}&wait=5m`);
      await call('PUT', '/v1/agent/check/pass/service:web-1');
      const answer = await blocked;
      assert.ok(answer.index > index);
      assert.ok(answer.entries.every((e) => serviceCheck(e).Status === 'passing'));
    });

    it('returns a blocked query after wait with the same index when nothing changes', async () => {
      const { index } = await health('web');
      const answer = await health('web', `?index=${index}&wait=100ms`);
      assert.equal(answer.index, index);
    });

    it('answers at once for index 0 or an index below the current one', async () => {
      const { index } = await health('web');
      assert.equal((await health('web', '?index=0&wait=5m')).index, index);
      assert.equal((await health('web', `?index=${index - 1n}&wait=5m`)).index, index);
    });

    it('keeps the index growing with every change and still when a write changes nothing', async () => {
      const seen = [(await health('web')).index];
      await call('PUT', '/v1/agent/check/warn/service:web-1');
      seen.push((await health('web')).index);
      await call('PUT', '/v1/agent/service/deregister/web-2');
      seen.push((await health('web')).index);
      await call('PUT', '/v1/agent/service/register', ttlService('web-3'));
      seen.push((await health('web')).index);
      for (let i = 1; i < seen.length; i++) assert.ok(seen[i]! > seen[i - 1]!, `index ${i}: ${seen.join(', ')}`);
      await call('PUT', '/v1/agent/service/register', ttlService('web-3'));
      await call('PUT', '/v1/agent/check/warn/service:web-1');
      assert.equal((await health('web')).index, seen.at(-1), 'identical writes take no index');
    });

    it('does not wake a service watcher for another service', async () => {
      const { index } = await health('web');
      const blocked = health('web', `?index=${index}&wait=150ms`);
      await call('PUT', '/v1/agent/service/register', { Name: 'other', Port: 1 });
      assert.equal((await blocked).index, index);
    });

    it('refuses a malformed index or wait, and another datacenter', async () => {
      assert.equal((await call('GET', '/v1/health/service/web?index=abc')).status, 400);
      assert.equal((await call('GET', '/v1/health/service/web?index=1&wait=soon')).status, 400);
      assert.equal((await call('GET', '/v1/health/service/web?index=1&wait=5')).status, 400, 'a wait needs a unit');
      assert.equal((await call('GET', '/v1/health/service/web?index=0&wait=1m30s')).status, 200);
      assert.equal((await call('GET', '/v1/health/service/web?dc=dc1')).status, 200);
      const elsewhere = await call('GET', '/v1/health/service/web?dc=dc9');
      assert.equal(elsewhere.status, 500);
      assert.match(elsewhere.text, /No path to datacenter/);
    });
  });

  describe('ACLs (/api-docs/api-structure#authentication)', () => {
    const token = 'd3adb33f-0000-4000-8000-000000000000';

    beforeEach(async () => {
      await startConsul({ aclToken: token });
      assert.equal((await call('PUT', '/v1/agent/service/register', ttlService('web-1'), { 'X-Consul-Token': token })).status, 200);
    });

    it('refuses a write without a token: 403 Permission denied', async () => {
      const answer = await call('PUT', '/v1/agent/service/register', ttlService('web-2'));
      assert.equal(answer.status, 403);
      assert.match(answer.text, /^Permission denied: anonymous token lacks permission 'service:write' on "web"/);
      assert.equal(answer.header('x-consul-default-acl-policy'), 'deny');
      assert.equal((await call('PUT', '/v1/agent/check/pass/service:web-1')).status, 403);
      assert.equal((await call('GET', '/v1/agent/service/web-1')).status, 403);
    });

    it('refuses an unknown token everywhere: 403 ACL not found', async () => {
      const answer = await call('GET', '/v1/health/service/web', undefined, { 'X-Consul-Token': 'wrong' });
      assert.equal(answer.status, 403);
      assert.equal(answer.text, 'ACL not found');
    });

    it('filters list reads for the anonymous token instead of refusing them', async () => {
      assert.deepEqual((await health('web')).entries, []);
      assert.deepEqual(JSON.parse((await call('GET', '/v1/catalog/services')).text), {});
    });

    it('takes the token from X-Consul-Token, Authorization: Bearer or ?token=', async () => {
      for (const [query, headers] of [
        ['', { 'X-Consul-Token': token }],
        ['', { Authorization: `Bearer ${token}` }],
        [`?token=${token}`, {}],
      ] as const) {
        const answer = await call('GET', `/v1/health/service/web${query}`, undefined, headers);
        assert.equal((JSON.parse(answer.text) as unknown[]).length, 1, JSON.stringify(headers));
      }
    });
  });

  describe('GRPC checks (/api-docs/agent/check, GRPC)', () => {
    async function registerGrpc(server: HealthServer, id: string): Promise<void> {
      await call('PUT', '/v1/agent/service/register', { ID: id, Name: 'node', Port: server.port, Check: { GRPC: server.address, Interval: '20ms', Timeout: '1s' } });
    }

    beforeEach(async () => {
      await startConsul();
      servers.push(await HealthServer.start());
      await registerGrpc(servers[0]!, 'n1');
    });

    it('passes while the server answers SERVING, with output like Consul', async () => {
      const [entry] = await untilHealth(node(), (es) => serviceCheck(es[0]!).Status === 'passing', 'the GRPC check to pass');
      assert.equal(serviceCheck(entry!).Output, `gRPC check ${servers[0]!.address}: success`);
      assert.equal(serviceCheck(entry!).Type, 'grpc');
    });

    it('goes critical on NOT_SERVING, and when the server is gone', async () => {
      await untilHealth(node(), (es) => serviceCheck(es[0]!).Status === 'passing', 'the GRPC check to pass');
      servers[0]!.setServing(false);
      let [entry] = await untilHealth(node(), (es) => serviceCheck(es[0]!).Status === 'critical', 'NOT_SERVING to turn it critical');
      assert.equal(serviceCheck(entry!).Output, `gRPC ${servers[0]!.address} serving status: NOT_SERVING`);
      servers[0]!.setServing(true);
      await untilHealth(node(), (es) => serviceCheck(es[0]!).Status === 'passing', 'the check to pass again');
      servers[0]!.stop();
      [entry] = await untilHealth(node(), (es) => serviceCheck(es[0]!).Status === 'critical', 'a stopped server to turn it critical');
      assert.match(serviceCheck(entry!).Output, /^rpc error: code = Unavailable desc = /);
    });

    it('probes a named service with host:port/service', async () => {
      await call('PUT', '/v1/agent/service/register', { ID: 'n2', Name: 'node', Port: servers[0]!.port, Check: { GRPC: `${servers[0]!.address}/dstash`, Interval: '20ms' } });
      await untilHealth(node(), (es) => es.length === 2 && es.every((e) => serviceCheck(e).Status === 'passing'), 'both checks to pass');
    });
  });

  describe('DeregisterCriticalServiceAfter (/api-docs/agent/check#register-check)', () => {
    it('reaps a service whose check stays critical longer than the limit', async () => {
      await startConsul();
      await call('PUT', '/v1/agent/service/register', ttlService('doomed', { DeregisterCriticalServiceAfter: '50ms' }));
      await call('PUT', '/v1/agent/service/register', ttlService('kept', { DeregisterCriticalServiceAfter: '50ms', Status: 'passing' }));
      const entries = await untilHealth(web(), (es) => !es.some((e) => e.Service.ID === 'doomed'), 'the critical service to be reaped');
      assert.deepEqual(
        entries.map((e) => e.Service.ID),
        ['kept'],
      );
    });

    it('applies a compound duration given at registration, and refuses one without a unit (400)', async () => {
      await startConsul();
      assert.equal((await call('PUT', '/v1/agent/service/register', ttlService('doomed', { DeregisterCriticalServiceAfter: '0h0m0.05s' }))).status, 200);
      await untilHealth(web(), (es) => es.length === 0, 'the critical service to be reaped after 50 ms');
      const refused = await call('PUT', '/v1/agent/service/register', ttlService('web-2', { TTL: '30' }));
      assert.equal(refused.status, 400);
      assert.match(refused.text, /invalid duration for TTL: "30"/);
    });

    it('keeps a service whose check recovers before the limit', async () => {
      await startConsul();
      await call('PUT', '/v1/agent/service/register', ttlService('saved', { DeregisterCriticalServiceAfter: '200ms' }));
      await call('PUT', '/v1/agent/check/pass/service:saved');
      await call('PUT', '/v1/agent/service/register', ttlService('doomed', { DeregisterCriticalServiceAfter: '50ms' }));
      const entries = await untilHealth(web(), (es) => es.length === 1, 'the critical one to be reaped');
      assert.equal(entries[0]!.Service.ID, 'saved');
    });
  });

  describe('test controls', () => {
    beforeEach(() => startConsul());

    it('restartAgent() forgets every service, and the index moves on', async () => {
      await call('PUT', '/v1/agent/service/register', ttlService('web-1'));
      const { index } = await health('web');
      consul.restartAgent();
      const after = await health('web');
      assert.deepEqual(after.entries, []);
      assert.ok(after.index > index);
      assert.equal((await call('GET', '/v1/agent/service/web-1')).status, 404);
    });

    it('restartAgent({ resetIndexes }) makes the index go backwards; a client still on the old one waits for the timeout', async () => {
      await call('PUT', '/v1/agent/service/register', ttlService('web-1'));
      await call('PUT', '/v1/agent/check/pass/service:web-1');
      const { index } = await health('web');
      consul.restartAgent({ resetIndexes: true });
      const answer = await health('web', `?index=${index}&wait=100ms`);
      assert.ok(answer.index < index, `${answer.index} < ${index}`);
    });

    it('pause() makes it unreachable and resume() serves again on the same port, state kept', async () => {
      await call('PUT', '/v1/agent/service/register', ttlService('web-1'));
      const address = consul.address;
      await consul.pause();
      await assert.rejects(freshRequest(address, 'GET', '/v1/health/service/web'));
      await consul.resume();
      assert.equal(consul.address, address);
      assert.equal((await health('web')).entries.length, 1);
    });

    it('stop() then start() listens again on the same port with the state kept', async () => {
      await call('PUT', '/v1/agent/service/register', ttlService('web-1'));
      const address = consul.address;
      await consul.stop();
      await assert.rejects(freshRequest(address, 'GET', '/v1/health/service/web'));
      assert.equal(await consul.start(), address);
      assert.equal((await health('web')).entries.length, 1);
    });
  });
});

describe('Consul double: durations read as Go reads them (time.ParseDuration), as in wait, Interval, Timeout, TTL', () => {
  it('takes signed sequences of numbers, each with an optional fraction and a unit, and a bare 0', () => {
    const cases: [string, number][] = [
      ['5s', 5000], ['100ms', 100], ['1m30s', 90_000], ['2h45m', 9_900_000], ['1h1m1s1ms', 3_661_001],
      ['1.5h', 5_400_000], ['.5s', 500], ['1.s', 1000], ['-1.5h', -5_400_000], ['+2s', 2000],
      ['1500us', 1.5], ['1500\u00b5s', 1.5], ['1500\u03bcs', 1.5], ['1000000ns', 1], ['0', 0], ['-0', 0],
    ];
    for (const [text, ms] of cases) assert.equal(parseGoDuration(text), ms, text);
  });

  it('refuses what Go refuses: a number without a unit, an unknown unit, a unit without a number, an empty string', () => {
    for (const text of ['', '5', '10', '1x', '1d', '1S', 's', '.s', '-', '--1s', '1.5.5s', ' 1s', '1s ']) assert.equal(parseGoDuration(text), undefined, JSON.stringify(text));
  });
});
