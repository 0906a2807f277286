/**
 * The chart check: for the default values and each ci/*-values.yaml, `helm
 * lint --strict` and `helm template`, then every rendered manifest against
 * the Kubernetes schemas (kube-schemas.ts), the references between the
 * manifests (selectors, ports, volumes, ConfigMaps, service accounts), and
 * the node's environment against the real `dstash node start` flag parser.
 * It returns problems instead of throwing, so that a test can assert both
 * that the chart passes and that a broken copy of it does not.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Parser } from '@oclif/core';
import { parseAllDocuments } from 'yaml';
import NodeStart from '../../src/cli/commands/node/start.js';
import { helm } from './helm.js';
import { typeCheckManifests, validateManifest, type LabelledManifest, type Manifest } from './kube-schemas.js';

/** Release and namespace the check renders with. */
export const RELEASE = 'dstash';
export const NAMESPACE = 'kv';

/** One set of values: the chart's defaults, or defaults plus one ci/ file. */
export interface Variant {
  name: string;
  valuesFile?: string;
}

/** The manifests one variant renders. */
export interface Rendered {
  variant: Variant;
  manifests: Manifest[];
}

/** The outcome of a check: problems (empty when the chart passes) and what was rendered. */
export interface ChartCheck {
  problems: string[];
  rendered: Rendered[];
}

/** The default values, then every `ci/*-values.yaml` of the chart. */
export function chartVariants(chartDir: string): Variant[] {
  const ci = join(chartDir, 'ci');
  const files = readdirSync(ci).filter((f) => f.endsWith('-values.yaml')).sort();
  return [{ name: 'default' }, ...files.map((f) => ({ name: f.replace(/-values\.yaml$/, ''), valuesFile: join(ci, f) }))];
}

/** Parses `helm template` output into manifests (empty documents dropped). */
export function parseManifests(yamlText: string): Manifest[] {
  return parseAllDocuments(yamlText).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`helm rendered invalid YAML: ${doc.errors[0]!.message}`);
    return doc.toJS() as Manifest | null;
  }).filter((m): m is Manifest => m !== null && typeof m === 'object');
}

const valuesArgs = (variant: Variant): string[] => (variant.valuesFile ? ['-f', variant.valuesFile] : []);

/** `helm template` of one variant, with extra helm arguments (--set …). */
export function renderArgs(chartDir: string, variant: Variant, extra: string[] = []): string[] {
  return ['template', RELEASE, chartDir, '--namespace', NAMESPACE, ...valuesArgs(variant), ...extra];
}

/** Runs the whole check on `chartDir` (default: every variant). */
export async function checkChart(chartDir: string, variants: Variant[] = chartVariants(chartDir)): Promise<ChartCheck> {
  const problems: string[] = [];
  const rendered: Rendered[] = [];
  const all: LabelledManifest[] = [];
  const results = await Promise.all(variants.map(async (variant) => {
    const [lint, template] = await Promise.all([
      helm(['lint', chartDir, '--strict', '--namespace', NAMESPACE, ...valuesArgs(variant)]),
      helm(renderArgs(chartDir, variant)),
    ]);
    return { variant, lint, template };
  }));
  for (const { variant, lint, template } of results) {
    const tag = `[${variant.name}]`;
    if (lint.code !== 0) problems.push(`${tag} helm lint failed:\n${lint.stdout}${lint.stderr}`);
    if (template.code !== 0) {
      problems.push(`${tag} helm template failed:\n${template.stderr}`);
      continue;
    }
    let manifests: Manifest[];
    try {
      manifests = parseManifests(template.stdout);
    } catch (err) {
      problems.push(`${tag} ${(err as Error).message}`);
      continue;
    }
    rendered.push({ variant, manifests });
    const labelled = manifests.map((manifest) => ({ label: `${tag} ${manifest.kind}/${manifest.metadata?.name}`, manifest }));
    all.push(...labelled);
    problems.push(...labelled.flatMap(validateManifest));
    problems.push(...crossReferenceProblems(manifests).map((p) => `${tag} ${p}`));
    if (of(manifests, 'StatefulSet').length === 1) {
      problems.push(...addressProblems(manifests).map((p) => `${tag} ${p}`));
      problems.push(...(await nodeEnvironmentProblems(manifests)).map((p) => `${tag} ${p}`));
    }
  }
  // One TypeScript program for every variant: it costs seconds to start.
  problems.push(...typeCheckManifests(all));
  return { problems, rendered };
}

// --- references between the manifests -------------------------------------

/** The shapes this file reads; the schemas above check the rest. */
interface Probe {
  grpc?: { port: number };
  httpGet?: { port: number | string };
}
interface Container {
  name: string;
  command?: string[];
  env?: { name: string; value?: string; valueFrom?: Record<string, { fieldPath?: string; name?: string; key?: string }> }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  ports?: { name?: string; containerPort: number }[];
  volumeMounts?: { name: string }[];
  startupProbe?: Probe;
  livenessProbe?: Probe;
  readinessProbe?: Probe;
}
interface Volume {
  name: string;
  configMap?: { name: string };
  projected?: { sources: { configMap?: { name: string } }[] };
}
interface PodSpec {
  serviceAccountName?: string;
  containers: Container[];
  initContainers?: Container[];
  volumes?: Volume[];
}
interface StatefulSetSpec {
  serviceName: string;
  replicas: number;
  selector: { matchLabels: Record<string, string> };
  template: { metadata: { labels: Record<string, string> }; spec: PodSpec };
  volumeClaimTemplates?: { metadata: { name: string } }[];
}
interface ServiceSpec {
  clusterIP?: string;
  publishNotReadyAddresses?: boolean;
  selector: Record<string, string>;
  ports: { name: string; port: number; targetPort: number | string }[];
}

const of = <T>(manifests: Manifest[], kind: string): (Manifest & T)[] => manifests.filter((m) => m.kind === kind) as (Manifest & T)[];
const matches = (selector: Record<string, string>, labels: Record<string, string> = {}): boolean =>
  Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels[k] === v);

/** Problems with how the manifests refer to each other; [] when they fit. */
export function crossReferenceProblems(manifests: Manifest[]): string[] {
  const problems: string[] = [];
  const statefulSets = of<{ spec: StatefulSetSpec }>(manifests, 'StatefulSet');
  if (statefulSets.length !== 1) return [`expected one StatefulSet, got ${statefulSets.length}`];
  const sts = statefulSets[0]!;
  const pod = sts.spec.template.spec;
  const podLabels = sts.spec.template.metadata.labels;
  const main = pod.containers[0]!;
  const containers = [...pod.containers, ...(pod.initContainers ?? [])];
  const portNames = new Set((main.ports ?? []).map((p) => p.name));
  const portNumbers = new Set((main.ports ?? []).map((p) => p.containerPort));
  const exposes = (port: number | string): boolean => (typeof port === 'string' ? portNames.has(port) : portNumbers.has(port));
  const services = of<{ spec: ServiceSpec }>(manifests, 'Service');
  const configMaps = new Set(of(manifests, 'ConfigMap').map((m) => m.metadata.name));

  if (!matches(sts.spec.selector.matchLabels, podLabels)) problems.push('the StatefulSet selector does not match its pod labels');
  const headless = services.find((s) => s.metadata.name === sts.spec.serviceName);
  if (!headless) problems.push(`the StatefulSet's serviceName ${sts.spec.serviceName} is not a rendered Service`);
  else if (headless.spec.clusterIP !== 'None' || headless.spec.publishNotReadyAddresses !== true) {
    problems.push(`Service/${headless.metadata.name} must be headless (clusterIP: None) and publish not-ready addresses`);
  }
  for (const svc of services) {
    if (!matches(svc.spec.selector, podLabels)) problems.push(`Service/${svc.metadata.name} selects no pod of the StatefulSet`);
    for (const port of svc.spec.ports) {
      if (!exposes(port.targetPort)) problems.push(`Service/${svc.metadata.name} port ${port.name} targets ${port.targetPort}, which the container does not expose`);
    }
  }
  for (const pdb of of<{ spec: { selector: { matchLabels: Record<string, string> } } }>(manifests, 'PodDisruptionBudget')) {
    if (!matches(pdb.spec.selector.matchLabels, podLabels)) problems.push(`PodDisruptionBudget/${pdb.metadata.name} selects no pod`);
  }

  const volumes = new Set([...(pod.volumes ?? []).map((v) => v.name), ...(sts.spec.volumeClaimTemplates ?? []).map((c) => c.metadata.name)]);
  for (const c of containers) {
    for (const mount of c.volumeMounts ?? []) if (!volumes.has(mount.name)) problems.push(`container ${c.name} mounts ${mount.name}, which is no volume`);
    for (const from of c.envFrom ?? []) {
      if (from.configMapRef && !configMaps.has(from.configMapRef.name)) problems.push(`container ${c.name} reads ConfigMap ${from.configMapRef.name}, which is not rendered`);
    }
    for (const probe of [c.startupProbe, c.livenessProbe, c.readinessProbe]) {
      const port = probe?.grpc?.port ?? probe?.httpGet?.port;
      if (port !== undefined && !exposes(port)) {
        problems.push(`container ${c.name} probes port ${port}, which it does not expose`);
      }
    }
    // Kubernetes expands $(VAR) only from variables defined before it (envFrom first, then env in order).
    const defined = new Set((c.envFrom ?? []).flatMap((f) => (f.configMapRef ? Object.keys(configMapData(manifests, f.configMapRef.name)) : [])));
    for (const e of c.env ?? []) {
      for (const [, ref] of (e.value ?? '').matchAll(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g)) {
        if (!defined.has(ref!)) problems.push(`container ${c.name}: ${e.name} refers to $(${ref}), which is not defined before it`);
      }
      defined.add(e.name);
    }
  }
  for (const v of pod.volumes ?? []) {
    const refs = [v.configMap?.name, ...(v.projected?.sources ?? []).map((s) => s.configMap?.name)];
    // kube-root-ca.crt is the cluster's own ConfigMap, present in every namespace.
    for (const name of refs) if (name && name !== 'kube-root-ca.crt' && !configMaps.has(name)) problems.push(`volume ${v.name} reads ConfigMap ${name}, which is not rendered`);
  }

  const accounts = new Set(of(manifests, 'ServiceAccount').map((m) => m.metadata.name));
  if (pod.serviceAccountName && pod.serviceAccountName !== 'default' && !accounts.has(pod.serviceAccountName)) {
    problems.push(`the pods run as ServiceAccount ${pod.serviceAccountName}, which is not rendered`);
  }
  const roles = new Set(of(manifests, 'ClusterRole').map((m) => m.metadata.name));
  for (const binding of of<{ roleRef: { name: string }; subjects: { name: string }[] }>(manifests, 'ClusterRoleBinding')) {
    if (!roles.has(binding.roleRef.name)) problems.push(`ClusterRoleBinding/${binding.metadata.name} binds ${binding.roleRef.name}, which is not rendered`);
    for (const s of binding.subjects) if (s.name !== pod.serviceAccountName) problems.push(`ClusterRoleBinding/${binding.metadata.name} binds ${s.name}, not the pods' account`);
  }

  type Monitor = { spec: { selector: { matchLabels: Record<string, string> }; namespaceSelector?: { matchNames?: string[] }; endpoints: { port: string }[] } };
  for (const sm of of<Monitor>(manifests, 'ServiceMonitor')) {
    const target = services.find((s) => matches(sm.spec.selector.matchLabels, s.metadata.labels));
    if (!target) problems.push(`ServiceMonitor/${sm.metadata.name} selects no rendered Service`);
    for (const e of sm.spec.endpoints) {
      if (target && !target.spec.ports.some((p) => p.name === e.port)) problems.push(`ServiceMonitor/${sm.metadata.name} scrapes port ${e.port}, which Service/${target.metadata.name} lacks`);
    }
    if (!sm.spec.namespaceSelector?.matchNames?.includes(NAMESPACE)) problems.push(`ServiceMonitor/${sm.metadata.name} does not look in the release's namespace`);
  }
  return problems;
}

/** The data of a rendered ConfigMap ({} when absent). */
export function configMapData(manifests: Manifest[], name: string): Record<string, string> {
  const cm = manifests.find((m) => m.kind === 'ConfigMap' && m.metadata.name === name) as (Manifest & { data?: Record<string, string> }) | undefined;
  return cm?.data ?? {};
}

// --- the node's environment ------------------------------------------------

/** Stand-ins for what the downward API and Secrets supply at run time. */
const FIELD_STAND_INS: Record<string, string> = { 'status.hostIP': '10.0.0.7', 'spec.nodeName': 'node-a', 'metadata.namespace': NAMESPACE };

/** The environment the node container starts with: envFrom ConfigMaps, then env with $(VAR) expanded (pod 0). */
export function nodeEnvironment(manifests: Manifest[]): Record<string, string> {
  const sts = of<{ spec: StatefulSetSpec }>(manifests, 'StatefulSet')[0]!;
  const main = sts.spec.template.spec.containers[0]!;
  const env: Record<string, string> = {};
  for (const from of main.envFrom ?? []) if (from.configMapRef) Object.assign(env, configMapData(manifests, from.configMapRef.name));
  for (const e of main.env ?? []) {
    const field = e.valueFrom?.fieldRef?.fieldPath;
    const value = field === 'metadata.name' ? `${sts.metadata.name}-0` : field ? FIELD_STAND_INS[field] : e.valueFrom?.secretKeyRef ? 'from-a-secret' : e.value;
    env[e.name] = (value ?? '').replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (_, name: string) => env[name] ?? '');
  }
  return env;
}

/**
 * Problems with how the nodes find each other: each advertises its stable
 * DNS name under the headless Service, and a static peers file lists exactly
 * the StatefulSet's pods by those names.
 */
export function addressProblems(manifests: Manifest[]): string[] {
  const sts = of<{ spec: StatefulSetSpec }>(manifests, 'StatefulSet')[0]!;
  const env = nodeEnvironment(manifests);
  const pod0 = `${sts.metadata.name}-0.${sts.spec.serviceName}.${NAMESPACE}.svc.`;
  const host = env.DSTASH_ADVERTISE_HOST ?? '';
  if (!host.startsWith(pod0)) return [`pod 0 advertises ${JSON.stringify(host)}, not its stable DNS name ${pod0}<cluster domain>`];
  const problems: string[] = [];
  const suffix = host.slice(`${sts.metadata.name}-0.`.length);
  if (env.DSTASH_PEERS_FILE) {
    const peers = configMapData(manifests, `${sts.metadata.name}-peers`).peers ?? '';
    const expected = Array.from({ length: sts.spec.replicas }, (_, i) => `${sts.metadata.name}-${i}.${suffix}:${env.DSTASH_PORT}`);
    const listed = peers.split('\n').map((l) => l.trim()).filter(Boolean);
    if (listed.join(',') !== expected.join(',')) problems.push(`the peers file lists ${JSON.stringify(listed)}, expected ${JSON.stringify(expected)}`);
  }
  return problems;
}

/**
 * Problems of the node container's DSTASH_* settings: each must be a flag
 * of `dstash node start`, and the node's own parser must accept
 * them all together (types, choices, ranges, flags that need --tls).
 */
export async function nodeEnvironmentProblems(manifests: Manifest[]): Promise<string[]> {
  const env = nodeEnvironment(manifests);
  const flagEnv = new Set(Object.values(NodeStart.flags).map((f) => f.env).filter((e): e is string => Boolean(e)));
  const problems = Object.keys(env)
    .filter((name) => name.startsWith('DSTASH_') && !flagEnv.has(name))
    .map((name) => `the node container sets ${name}, which no flag of dstash node start reads`);
  // The parser reads process.env: swap the DSTASH_* variables in for the parse, and back.
  const saved = Object.fromEntries(Object.entries(process.env).filter(([k]) => k.startsWith('DSTASH_')));
  for (const k of Object.keys(saved)) delete process.env[k];
  Object.assign(process.env, Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('DSTASH_'))));
  try {
    await Parser.parse([], { flags: NodeStart.flags, args: {}, strict: true });
  } catch (err) {
    problems.push(`dstash node start rejects the container's environment: ${(err as Error).message}`);
  } finally {
    for (const k of Object.keys(process.env)) if (k.startsWith('DSTASH_')) delete process.env[k];
    Object.assign(process.env, saved);
  }
  return problems;
}
