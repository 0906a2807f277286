import assert from 'node:assert/strict';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from '../helpers/temp-dir.js';
import { checkChart, chartVariants, configMapData, nodeEnvironment, parseManifests, renderArgs, type ChartCheck, type Rendered } from './chart-check.js';
import { CHART_DIR, helm, helmBinary } from './helm.js';

/** Rendered manifests, loosely typed for assertions (the chart check has validated them). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = any;

function find(rendered: Rendered, kind: string, name?: string): Loose {
  const m = rendered.manifests.find((x) => x.kind === kind && (name === undefined || x.metadata.name === name));
  assert.ok(m, `[${rendered.variant.name}] renders no ${kind}${name ? `/${name}` : ''}`);
  return m;
}

/** Runs `fn` on a scratch copy of the chart (a temp dir, removed afterwards). */
async function withChartCopy<T>(fn: (chart: string) => Promise<T>): Promise<T> {
  const dir = await tempDir('dstash-chart-');
  try {
    const chart = join(dir.path, 'dstash');
    await cp(CHART_DIR, chart, { recursive: true });
    return await fn(chart);
  } finally {
    await dir.cleanup();
  }
}

const kinds = (rendered: Rendered): string[] => rendered.manifests.map((m) => m.kind).sort();
const podSpec = (rendered: Rendered): Loose => find(rendered, 'StatefulSet').spec.template.spec;
const mainContainer = (rendered: Rendered): Loose => podSpec(rendered).containers[0];

describe('helm chart: charts/dstash', function () {
  let check: ChartCheck;
  const variant = (name: string): Rendered => {
    const r = check.rendered.find((x) => x.variant.name === name);
    assert.ok(r, `variant ${name} was not rendered`);
    return r;
  };

  before(async function () {
    // The first run of a fresh clone downloads helm (scripts/fetch-helm.js); later runs use the cache.
    this.timeout(300_000);
    helmBinary();
    check = await checkChart(CHART_DIR);
  });

  it('passes helm lint, helm template, the Kubernetes schemas and the cross-checks, for the defaults and every ci/ variant', () => {
    assert.deepEqual(chartVariants(CHART_DIR).map((v) => v.name), ['default', 'minimal', 'static', 'tls', 'zones']);
    assert.deepEqual(check.problems, []);
    assert.equal(check.rendered.length, 5);
  });

  it('by default: DNS discovery of the headless Service, gRPC probes, drain on SIGTERM, a locked-down non-root pod with a volume each', () => {
    const r = variant('default');
    assert.deepEqual(kinds(r), ['ConfigMap', 'PodDisruptionBudget', 'Service', 'Service', 'ServiceAccount', 'StatefulSet']);
    const env = nodeEnvironment(r.manifests);
    assert.equal(env.DSTASH_DISCOVERY, 'dns');
    assert.equal(env.DSTASH_DNS_NAME, '_grpc._tcp.dstash-headless.kv.svc.cluster.local');
    assert.deepEqual(Object.keys(env).filter((k) => k.includes('CONSUL') || k.includes('PEERS')), []);
    assert.equal(env.DSTASH_ADVERTISE_HOST, 'dstash-0.dstash-headless.kv.svc.cluster.local');
    assert.equal(env.DSTASH_BIND, '0.0.0.0');
    assert.equal(env.DSTASH_DATA_DIR, '/data');
    assert.equal(env.DSTASH_HTTP_PORT, '7421');
    assert.equal(env.DSTASH_DRAIN_ON_EXIT, 'true');
    assert.equal(env.DSTASH_CONSUL_TOKEN, undefined);
    assert.equal(env.DSTASH_AUTH_TOKEN_FILE, undefined, 'no tokens unless a Secret is named');

    const sts = find(r, 'StatefulSet');
    assert.equal(sts.spec.replicas, 3);
    assert.equal(sts.spec.podManagementPolicy, 'OrderedReady');
    assert.equal(sts.spec.volumeClaimTemplates[0].spec.resources.requests.storage, '10Gi');
    const pod = podSpec(r);
    const c = mainContainer(r);
    // A drain turns the gRPC health NOT_SERVING for as long as it takes: liveness must not ask it.
    for (const probe of ['startupProbe', 'livenessProbe']) assert.deepEqual([c[probe].httpGet, c[probe].grpc], [{ path: '/healthz', port: 'http' }, undefined], probe);
    assert.deepEqual(c.readinessProbe.grpc, { port: 7420 });
    assert.deepEqual(c.lifecycle.preStop.exec.command, ['sleep', '5']);
    assert.ok(pod.terminationGracePeriodSeconds >= 600, 'time to drain');
    assert.equal(pod.automountServiceAccountToken, false);
    assert.equal(pod.enableServiceLinks, false, 'Service "dstash" would otherwise inject DSTASH_PORT=tcp://…');
    assert.equal(c.securityContext.runAsNonRoot, true);
    assert.equal(c.securityContext.readOnlyRootFilesystem, true);
    assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
    assert.deepEqual(c.volumeMounts.map((m: Loose) => m.mountPath), ['/data', '/tmp']);
    const antiAffinity = pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution.map((t: Loose) => t.podAffinityTerm.topologyKey);
    assert.deepEqual(antiAffinity.sort(), ['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);

    assert.equal(find(r, 'Service', 'dstash-headless').spec.publishNotReadyAddresses, true);
    assert.deepEqual(find(r, 'Service', 'dstash').spec.ports.map((p: Loose) => p.name), ['grpc', 'http']);
    assert.equal(find(r, 'PodDisruptionBudget').spec.maxUnavailable, 1);
  });

  it('dns: scaling up or down changes only the replica count; every pod, ready or not, has an SRV record under the name the nodes resolve', async () => {
    const base = variant('default');
    const res = await helm(renderArgs(CHART_DIR, { name: 'default' }, ['--set', 'replicaCount=5']));
    assert.equal(res.code, 0, res.stderr);
    const scaled = parseManifests(res.stdout);
    const sts = (manifests: Loose[]): Loose => manifests.find((m: Loose) => m.kind === 'StatefulSet');
    assert.equal(sts(scaled).spec.replicas, 5);
    // The same pod template (so no pod restarts) and the same settings: new pods join through DNS, removed ones leave.
    assert.deepEqual(sts(scaled).spec.template, sts(base.manifests).spec.template);
    assert.deepEqual(configMapData(scaled, 'dstash'), configMapData(base.manifests, 'dstash'));
    assert.ok(!scaled.some((m: Loose) => m.metadata.name === 'dstash-peers'), 'no peers list to keep up to date');
    // Kubernetes names SRV records _<port name>._<protocol>.<service>: the headless Service's port must be "grpc" over TCP.
    const headless = find(base, 'Service', 'dstash-headless');
    assert.equal(headless.spec.clusterIP, 'None');
    assert.equal(headless.spec.publishNotReadyAddresses, true, 'a starting pod is found before it is ready');
    assert.ok(headless.spec.ports.some((p: Loose) => p.name === 'grpc' && p.protocol === 'TCP' && p.port === 7420));
    assert.equal(nodeEnvironment(base.manifests).DSTASH_DNS_NAME.split('.').slice(2).join('.'), nodeEnvironment(base.manifests).DSTASH_ADVERTISE_HOST.split('.').slice(1).join('.'),
      'SRV targets and advertised names are the same pod names');
    // Scale-down: a removed pod hands its partitions over on SIGTERM, with the time to do so.
    assert.equal(nodeEnvironment(base.manifests).DSTASH_DRAIN_ON_EXIT, 'true');
    assert.ok(podSpec(base).terminationGracePeriodSeconds >= 600);
  });

  it('static: the peers file lists every pod by its stable name, and no Consul setting is left', () => {
    const r = variant('static');
    const env = nodeEnvironment(r.manifests);
    assert.equal(env.DSTASH_DISCOVERY, 'static');
    assert.equal(env.DSTASH_PEERS_FILE, '/etc/dstash/peers/peers');
    assert.deepEqual(Object.keys(env).filter((k) => k.includes('CONSUL')), []);
    const peers = configMapData(r.manifests, 'dstash-peers').peers!.trim().split('\n');
    assert.equal(peers.length, 5);
    assert.equal(peers[4], 'dstash-4.dstash-headless.kv.svc.cluster.local:7420');
    // Scaling rewrites the peers file in place: the pods must not restart for it.
    const annotations = find(r, 'StatefulSet').spec.template.metadata.annotations;
    assert.deepEqual(Object.keys(annotations), ['checksum/config']);
    assert.equal(find(r, 'PodDisruptionBudget').spec.minAvailable, 4);
  });

  it('tls: files from the Secret, HTTP probes, Consul token and CA from Secrets', () => {
    const r = variant('tls');
    const env = nodeEnvironment(r.manifests);
    assert.equal(env.DSTASH_TLS, 'true');
    assert.deepEqual([env.DSTASH_CERT_FILE, env.DSTASH_KEY_FILE, env.DSTASH_CA_FILE], ['/etc/dstash/tls/tls.crt', '/etc/dstash/tls/tls.key', '/etc/dstash/tls/ca.crt']);
    assert.equal(env.DSTASH_CONSUL_ADDR, 'https://consul-server.consul.svc:8501');
    assert.equal(env.DSTASH_CONSUL_CA_FILE, '/etc/dstash/consul-ca/ca.crt');
    // Kubernetes' gRPC probe cannot speak TLS: the HTTP port's endpoints, over HTTPS like the rest of that port, stand in.
    const c = mainContainer(r);
    assert.deepEqual(['startupProbe', 'livenessProbe', 'readinessProbe'].map((p) => c[p].httpGet), [
      { path: '/healthz', port: 'http', scheme: 'HTTPS' }, { path: '/healthz', port: 'http', scheme: 'HTTPS' }, { path: '/readyz', port: 'http', scheme: 'HTTPS' },
    ]);
    // Bearer tokens from a Secret, as a file the node re-reads.
    assert.equal(env.DSTASH_AUTH_TOKEN_FILE, '/etc/dstash/auth/tokens');
    assert.equal(env.DSTASH_PROTECT_METRICS, 'false');
    const auth = podSpec(r).volumes.find((v: Loose) => v.name === 'auth');
    assert.deepEqual(auth.secret, { secretName: 'dstash-tokens', items: [{ key: 'tokens', path: 'tokens' }] });
    assert.ok(c.volumeMounts.some((m: Loose) => m.name === 'auth' && m.mountPath === '/etc/dstash/auth'));
    const token = c.env.find((e: Loose) => e.name === 'DSTASH_CONSUL_TOKEN');
    assert.deepEqual(token.valueFrom.secretKeyRef, { name: 'consul-acl', key: 'dstash-token' });
    const tls = podSpec(r).volumes.find((v: Loose) => v.name === 'tls');
    assert.equal(tls.secret.secretName, 'dstash-tls');
    assert.equal(c.image, 'registry.example.com/platform/dstash:0.1.0-rc.1');
  });

  it('tls without the HTTP port: probes through the image\'s healthcheck script, which dials with the node\'s TLS files', async () => {
    const tls = chartVariants(CHART_DIR).find((v) => v.name === 'tls')!;
    const res = await helm(renderArgs(CHART_DIR, tls, ['--set', 'node.httpPort=0', '--show-only', 'templates/statefulset.yaml']));
    assert.equal(res.code, 0, res.stderr);
    const [sts] = parseManifests(res.stdout) as Loose[];
    const c = sts.spec.template.spec.containers[0];
    for (const probe of ['startupProbe', 'livenessProbe']) assert.deepEqual(c[probe].exec.command, ['node', '/app/docker/healthcheck.js', '--alive'], probe);
    assert.deepEqual(c.readinessProbe.exec.command, ['node', '/app/docker/healthcheck.js']);
  });

  it('zones: an init container reads the node label with a token of its own, RBAC may only get nodes, and a ServiceMonitor scrapes every pod', () => {
    const r = variant('zones');
    const pod = podSpec(r);
    const init = pod.initContainers[0];
    assert.deepEqual(init.command.slice(0, 2), ['node', '/app/docker/node-zone.js']);
    assert.ok(init.volumeMounts.some((m: Loose) => m.mountPath === '/var/run/secrets/kubernetes.io/serviceaccount'));
    assert.ok(!mainContainer(r).volumeMounts.some((m: Loose) => m.name === 'kube-api-access'), 'the node container gets no API token');
    assert.match(mainContainer(r).command.join(' '), /DSTASH_ZONE=.*exec node \/app\/bin\/run\.js node start/s);
    assert.deepEqual(find(r, 'ClusterRole').rules, [{ apiGroups: [''], resources: ['nodes'], verbs: ['get'] }]);
    assert.equal(pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0].topologyKey, 'kubernetes.io/hostname');
    const sm = find(r, 'ServiceMonitor');
    assert.equal(sm.metadata.namespace, 'monitoring');
    assert.equal(sm.spec.selector.matchLabels['dstash/service'], 'headless', 'scrapes through the headless Service, which lists pods that are not ready');
    assert.equal(nodeEnvironment(r.manifests).DSTASH_CONSUL_ADDR, 'https://10.0.0.7:8501');
  });

  it('minimal: everything optional can be switched off', () => {
    const r = variant('minimal');
    assert.deepEqual(kinds(r), ['ConfigMap', 'Service', 'Service', 'StatefulSet']);
    const c = mainContainer(r);
    assert.equal(c.livenessProbe, undefined);
    assert.equal(c.lifecycle, undefined);
    assert.equal(c.securityContext, undefined);
    assert.deepEqual(c.ports.map((p: Loose) => p.name), ['grpc']);
    assert.equal(find(r, 'StatefulSet').spec.volumeClaimTemplates, undefined);
    assert.equal(nodeEnvironment(r.manifests).DSTASH_ZONE, 'eu-west-1a');
  });

  it('NOTES.txt renders for every variant and says how to connect', async () => {
    // helm template never renders NOTES.txt: a copy of the chart renders it as a ConfigMap's data.
    await withChartCopy(async (chart) => {
      await cp(join(chart, 'templates', 'NOTES.txt'), join(chart, 'notes.txt'));
      await writeFile(join(chart, 'templates', 'notes-as-configmap.yaml'),
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: notes\ndata:\n  notes: {{ tpl (.Files.Get "notes.txt") . | quote }}\n');
      for (const v of chartVariants(CHART_DIR)) {
        const res = await helm(renderArgs(chart, v, ['--show-only', 'templates/notes-as-configmap.yaml']));
        assert.equal(res.code, 0, `[${v.name}] ${res.stderr}`);
        const notes = configMapData(parseManifests(res.stdout), 'notes').notes!;
        assert.match(notes, /kubectl -n kv exec \S+-0 -- sh -c 'dstash cluster status --node "\$DSTASH_ADVERTISE_HOST:\d+"'/, `[${v.name}]\n${notes}`);
        assert.match(notes, /port-forward svc\//, `[${v.name}]`);
      }
      // Fewer than 3 nodes cannot keep a quorum through the loss of one: the notes say so.
      for (const [count, warned] of [[1, true], [2, true], [3, false], [5, false]] as const) {
        const res = await helm(renderArgs(chart, { name: 'default' }, ['--set', `replicaCount=${count}`, '--show-only', 'templates/notes-as-configmap.yaml']));
        assert.equal(res.code, 0, res.stderr);
        const notes = configMapData(parseManifests(res.stdout), 'notes').notes!;
        assert.equal(/WARNING: replicaCount is \d+\. A cluster of fewer than 3 nodes/.test(notes), warned, `replicaCount=${count}:\n${notes}`);
      }
    });
  });

  describe('rejects bad values', function () {
    const cases: { set: string; error: RegExp }[] = [
      { set: 'replicaCount=0', error: /replicaCount: Must be greater than or equal to 1/ },
      { set: 'discovery.mode=etcd', error: /discovery\.mode: discovery\.mode must be one of/ },
      { set: 'replicaCont=3', error: /Additional property replicaCont is not allowed/ },
      { set: 'node.port=70000', error: /node\.port: Must be less than or equal to 65535/ },
      { set: 'antiAffinity.zones=always', error: /antiAffinity\.zones: antiAffinity\.zones must be one of/ },
      { set: 'tls.enabled=true', error: /tls\.existingSecret: String length must be greater than or equal to 1/ },
      { set: 'consul.deregisterAfter=soon', error: /consul\.deregisterAfter: Does not match pattern/ },
      { set: 'replication.writeQuorum=4', error: /replication\.writeQuorum \(4\) must not exceed replication\.factor \(3\)/ },
      { set: 'node.httpPort=0,metrics.serviceMonitor.enabled=true', error: /metrics\.serviceMonitor\.enabled needs node\.httpPort/ },
    ];
    for (const { set, error } of cases) {
      it(`--set ${set}`, async () => {
        const res = await helm(renderArgs(CHART_DIR, { name: 'default' }, ['--set', set]));
        assert.notEqual(res.code, 0, `helm template accepted --set ${set}`);
        assert.match(res.stderr, error);
      });
    }
  });

  describe('fails on a broken template', function () {
    /** Copies the chart, applies `edit` to one template, and checks the default values only. */
    async function checkBroken(template: string, edit: (text: string) => string): Promise<string[]> {
      return withChartCopy(async (chart) => {
        const file = join(chart, 'templates', template);
        const text = await readFile(file, 'utf8');
        const broken = edit(text);
        assert.notEqual(broken, text, 'the edit changed nothing');
        await writeFile(file, broken);
        return (await checkChart(chart, [{ name: 'default' }])).problems;
      });
    }

    it('that does not parse (helm lint and helm template fail)', async () => {
      const problems = await checkBroken('svc.yaml', (t) => t.replace('{{- end }}', '{{- end'));
      assert.ok(problems.some((p) => p.startsWith('[default] helm lint failed')), problems.join('\n'));
      assert.ok(problems.some((p) => p.startsWith('[default] helm template failed')), problems.join('\n'));
    });

    it('that renders a wrong type (the Kubernetes schema fails)', async () => {
      const problems = await checkBroken('statefulset.yaml', (t) => t.replace('containerPort: {{ .Values.node.port }}', 'containerPort: {{ .Values.node.port | quote }}'));
      assert.ok(problems.some((p) => p.includes('StatefulSet/dstash: data/spec/template/spec/containers/0/ports/0/containerPort must be integer')), problems.join('\n'));
    });

    it('that renders a misspelt field (the unknown-field check fails)', async () => {
      const problems = await checkBroken('svc-headless.yaml', (t) => t.replace('publishNotReadyAddresses:', 'publishNotReadyAdresses:'));
      assert.ok(problems.some((p) => /Service\/dstash-headless: .*'"publishNotReadyAdresses"' does not exist/.test(p)), problems.join('\n'));
    });

    it('that sets a node setting no flag reads (the node flag check fails)', async () => {
      const problems = await checkBroken('configmap.yaml', (t) => t.replace('DSTASH_LOG_LEVEL:', 'DSTASH_LOGLEVEL:'));
      assert.ok(problems.includes('[default] the node container sets DSTASH_LOGLEVEL, which no flag of dstash node start reads'), problems.join('\n'));
    });

    it('that breaks a reference between manifests (the cross-check fails)', async () => {
      const problems = await checkBroken('svc.yaml', (t) => t.replace('targetPort: grpc', 'targetPort: grcp'));
      assert.ok(problems.includes('[default] Service/dstash port grpc targets grcp, which the container does not expose'), problems.join('\n'));
    });
  });
});
