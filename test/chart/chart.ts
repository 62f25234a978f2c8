import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { parseAllDocuments } from 'yaml';
import type { PipelineObject, PipelineRunObject } from '../../operator/core/resources.js';
import { buildStepJob, type JobManifest } from '../../operator/run/step-job.js';

/** Helpers of the chart tests: helm and kubectl as processes, rendered manifests as plain objects. */

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CHART_DIR = join(ROOT, 'charts/medallion');
export const CI_VALUES = readdirSync(join(CHART_DIR, 'ci'))
  .filter((f) => f.endsWith('-values.yaml'))
  .sort();

export interface KubeDoc {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [k: string]: unknown;
}

export interface Exec {
  status: number;
  stdout: string;
  stderr: string;
}

function exec(bin: string, args: string[], input?: string, env: NodeJS.ProcessEnv = process.env): Exec {
  const r = spawnSync(bin, args, { input, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export const helm = (args: string[]): Exec => exec(inject('helm'), args);

export const kubectl = (args: string[], input?: string): Exec =>
  exec(join(inject('k8sBinDir'), 'kubectl'), args, input, {
    ...process.env,
    KUBECONFIG: inject('kubeconfig'),
  });

/** `helm template` of the chart; throws with helm's message when rendering fails. */
export function renderText(release: string, namespace: string, args: string[] = []): string {
  const r = helm(['template', release, CHART_DIR, '--namespace', namespace, ...args]);
  if (r.status !== 0) throw new Error(`helm template ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

export function parseDocs(text: string): KubeDoc[] {
  return parseAllDocuments(text)
    .map((d) => {
      if (d.errors.length) throw new Error(`rendered YAML does not parse: ${d.errors[0]?.message}`);
      return d.toJS() as KubeDoc | null;
    })
    .filter((d): d is KubeDoc => d !== null);
}

export const render = (release: string, namespace: string, args: string[] = []): KubeDoc[] =>
  parseDocs(renderText(release, namespace, args));

export const valuesArgs = (file: string) => ['-f', join(CHART_DIR, 'ci', file)];

/** Creates (or keeps) namespaces, enforcing the restricted Pod Security Standard and warning on violations. */
export function ensureNamespaces(names: Iterable<string>): void {
  const docs = [...new Set(names)].map((name) =>
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: {
        name,
        labels: {
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/warn': 'restricted',
        },
      },
    }),
  );
  if (docs.length === 0) return;
  const r = kubectl(['apply', '-f', '-'], `{"apiVersion":"v1","kind":"List","items":[${docs.join(',')}]}`);
  if (r.status !== 0) throw new Error(`namespaces: ${r.stderr}`);
}

export const byKind = (docs: KubeDoc[], kind: string) => docs.filter((d) => d.kind === kind);

export function one(docs: KubeDoc[], kind: string, nameSuffix: string): KubeDoc {
  const found = docs.filter((d) => d.kind === kind && d.metadata.name.endsWith(nameSuffix));
  if (found.length !== 1) throw new Error(`expected one ${kind} named *${nameSuffix}, found ${found.length}`);
  return found[0] as KubeDoc;
}

/** A step Job exactly as the operator builds it (operator/run/step-job.ts), for the defaults of a minimal Pipeline. */
export function sampleStepJob(namespace = 'n'): JobManifest {
  return buildStepJob(
    {
      apiVersion: 'medallion.dev/v1alpha1',
      kind: 'PipelineRun',
      metadata: { name: 'r', namespace, uid: 'u' },
      spec: { pipelineRef: { name: 'p' }, timeouts: { stepSeconds: 60 }, parameters: {} },
    } as unknown as PipelineRunObject,
    {
      apiVersion: 'medallion.dev/v1alpha1',
      kind: 'Pipeline',
      metadata: { name: 'p', namespace },
      spec: { source: { uri: '/data' }, job: { env: [], envFrom: [], imagePullPolicy: 'IfNotPresent' } },
    } as unknown as PipelineObject,
    'bronze',
    1,
    'medallion:test',
  );
}
