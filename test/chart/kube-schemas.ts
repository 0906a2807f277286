/**
 * Rendered manifests against the Kubernetes API schemas, in two passes:
 * kubernetes-models' `.validate()` (types, required fields, formats), and the
 * same package's TypeScript interfaces through the TypeScript checker, which
 * rejects unknown fields: `.validate()` accepts a misspelt
 * `readinesProbe` silently, and so would a chart test built on it alone.
 */
import { join } from 'node:path';
import ts from 'typescript';
import { StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import { ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import { ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
import { Service } from 'kubernetes-models/v1/Service';
import { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import { REPO_ROOT } from './helm.js';

/** A parsed manifest. */
export interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: unknown;
}

/** A manifest with a label for messages (`[variant] Kind/name`). */
export interface LabelledManifest {
  label: string;
  manifest: Manifest;
}

interface KindSchema {
  /** The kubernetes-models class, whose instances validate themselves. */
  model: new (data: never) => { validate(): void };
  /** The module and interface that type the manifest. */
  module: string;
  type: string;
}

/** Every kind the chart renders, by `apiVersion/kind`. A kind missing here fails the check until it is added. */
const SCHEMAS: Record<string, KindSchema> = {
  'v1/ConfigMap': { model: ConfigMap, module: 'kubernetes-models/v1/ConfigMap', type: 'IConfigMap' },
  'v1/Service': { model: Service, module: 'kubernetes-models/v1/Service', type: 'IService' },
  'v1/ServiceAccount': { model: ServiceAccount, module: 'kubernetes-models/v1/ServiceAccount', type: 'IServiceAccount' },
  'apps/v1/StatefulSet': { model: StatefulSet, module: 'kubernetes-models/apps/v1/StatefulSet', type: 'IStatefulSet' },
  'policy/v1/PodDisruptionBudget': { model: PodDisruptionBudget, module: 'kubernetes-models/policy/v1/PodDisruptionBudget', type: 'IPodDisruptionBudget' },
  'rbac.authorization.k8s.io/v1/ClusterRole': { model: ClusterRole, module: 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole', type: 'IClusterRole' },
  'rbac.authorization.k8s.io/v1/ClusterRoleBinding': {
    model: ClusterRoleBinding, module: 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding', type: 'IClusterRoleBinding',
  },
};

/**
 * Kinds of CRDs that kubernetes-models does not carry; the chart check
 * verifies them structurally instead (chart-check.ts).
 */
export const CRD_KINDS = new Set(['monitoring.coreos.com/v1/ServiceMonitor']);

function schemaOf(manifest: Manifest): KindSchema | undefined {
  return SCHEMAS[`${manifest.apiVersion}/${manifest.kind}`];
}

/** Problems of one manifest per kubernetes-models' `.validate()`; [] when valid. */
export function validateManifest({ label, manifest }: LabelledManifest): string[] {
  const key = `${manifest.apiVersion}/${manifest.kind}`;
  if (CRD_KINDS.has(key)) return [];
  const schema = schemaOf(manifest);
  if (!schema) return [`${label}: no Kubernetes schema for ${key} (add it to test/chart/kube-schemas.ts)`];
  try {
    new schema.model(manifest as never).validate();
    return [];
  } catch (err) {
    return [`${label}: ${(err as Error).message}`];
  }
}

/**
 * Problems of the manifests per the kubernetes-models TypeScript interfaces:
 * each manifest becomes `const m: IKind = <manifest>` in a virtual source
 * file, whose excess-property and type errors are the problems. One program
 * checks them all (a few seconds).
 */
export function typeCheckManifests(manifests: LabelledManifest[]): string[] {
  const sources = new Map<string, { text: string; label: string }>();
  manifests.forEach(({ label, manifest }, i) => {
    const schema = schemaOf(manifest);
    if (!schema) return;
    // Under the repository, so that kubernetes-models resolves from its node_modules; never written to disk.
    const file = join(REPO_ROOT, '.cache', 'chart-check', `manifest-${i}.ts`);
    sources.set(file, {
      label,
      text: `import type { ${schema.type} } from '${schema.module}';\nexport const manifest: ${schema.type} = ${JSON.stringify(manifest, null, 2)};\n`,
    });
  });
  const options: ts.CompilerOptions = {
    strict: true, noEmit: true, skipLibCheck: true, types: [],
    target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext,
  };
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (name, language, ...rest) => {
    const source = sources.get(name);
    return source ? ts.createSourceFile(name, source.text, language) : getSourceFile.call(host, name, language, ...rest);
  };
  host.fileExists = (name) => sources.has(name) || fileExists.call(host, name);
  host.readFile = (name) => sources.get(name)?.text ?? readFile.call(host, name);
  const program = ts.createProgram([...sources.keys()], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const message = ts.flattenDiagnosticMessageText(d.messageText, ' ');
    const source = d.file ? sources.get(d.file.fileName) : undefined;
    if (!source || !d.file || d.start === undefined) return `type check: ${message}`;
    const line = d.file.text.slice(0, d.start).split('\n').length;
    const context = d.file.text.split('\n')[line - 1]!.trim();
    return `${source.label}: ${message} (at ${context})`;
  });
}
