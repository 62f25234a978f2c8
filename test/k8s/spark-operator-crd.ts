import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { renderCrds } from '../../operator/crd-gen/generate.js';
import type { KubeRest } from './kube-rest.js';

/**
 * The Kubeflow Spark Operator's SparkApplication CRD on the test apiserver: installed from the published Go module
 * (setup-spark-operator-crd.sh), or removed, for the missing-CRD case. CRDs are cluster-wide and the k8s files share
 * one apiserver, so each Spark test file states the CRD it needs instead of relying on the order files run in.
 */

const CRD = 'sparkapplications.sparkoperator.k8s.io';
const CRD_PATH = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${CRD}`;
const SERVED = '/apis/sparkoperator.k8s.io/v1beta2/sparkapplications';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

export function sparkCrdFile(): string {
  const dir = execFileSync('bash', ['test/k8s/setup-spark-operator-crd.sh'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
    .toString()
    .trim()
    .split('\n')
    .at(-1);
  return join(dir ?? '', 'sparkoperator.k8s.io_sparkapplications.yaml');
}

export async function installSparkCrd(api: KubeRest): Promise<void> {
  // Server-side apply: the CRD is too large (0.8 MB) for a last-applied annotation.
  const res = await api.call(
    'PATCH',
    `${CRD_PATH}?fieldManager=medallion-test&force=true`,
    readFileSync(sparkCrdFile(), 'utf8'),
    'application/apply-patch+yaml',
  );
  if (res.status >= 300) throw new Error(`apply ${CRD}: ${JSON.stringify(res.body).slice(0, 500)}`);
  await until(`${CRD} established`, async () => {
    const conds = (
      (await api.call('GET', CRD_PATH)).body.status as { conditions?: { type: string; status: string }[] }
    )?.conditions;
    return conds?.some((c) => c.type === 'Established' && c.status === 'True') ?? false;
  });
  await until(`${SERVED} served`, async () => (await api.call('GET', SERVED)).status === 200);
}

export async function removeSparkCrd(api: KubeRest): Promise<void> {
  await api.call('DELETE', CRD_PATH);
  await until(`${CRD} gone`, async () => (await api.call('GET', CRD_PATH)).status === 404, 60_000);
  await until(`${SERVED} not served`, async () => (await api.call('GET', SERVED)).status === 404);
}

/**
 * Until runner/spec has `spec.engine.type` and `spec.engine.spark` (the other half of issue 17), the generated
 * Pipeline CRD would prune them; this widens the installed schema by exactly those two fields. Once the generated
 * CRD has `engine.type`, it does nothing.
 */
export async function ensureEngineTypeInPipelineCrd(api: KubeRest): Promise<void> {
  const text = renderCrds().get('medallion.dev_pipelines.yaml');
  if (!text) throw new Error('no Pipeline CRD rendered');
  type Schema = { properties: Record<string, Schema & Record<string, unknown>> };
  const crd = parse(text) as {
    metadata: { name: string };
    spec: { versions: { schema: { openAPIV3Schema: Schema } }[] };
  };
  let widened = false;
  for (const v of crd.spec.versions) {
    const engine = v.schema.openAPIV3Schema.properties.spec?.properties.engine;
    if (!engine || engine.properties.type) continue;
    engine.properties.type = { type: 'string', enum: ['duckdb', 'spark'] } as never;
    engine.properties.spark = { type: 'object', 'x-kubernetes-preserve-unknown-fields': true } as never;
    widened = true;
  }
  if (!widened) return;
  const path = `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${crd.metadata.name}`;
  const res = await api.call(
    'PATCH',
    `${path}?fieldManager=medallion-test&force=true`,
    stringify(crd),
    'application/apply-patch+yaml',
  );
  if (res.status >= 300) throw new Error(`widen ${crd.metadata.name}: ${JSON.stringify(res.body)}`);
  // The apiserver serves the new schema a moment after the update: until then a dry run drops the field.
  await until('the widened Pipeline schema', async () => {
    const probe = await api.call(
      'POST',
      '/apis/medallion.dev/v1alpha1/namespaces/default/pipelines?dryRun=All',
      {
        apiVersion: 'medallion.dev/v1alpha1',
        kind: 'Pipeline',
        metadata: { name: 'probe' },
        spec: { source: { uri: '/data' }, engine: { type: 'spark' } },
      },
    );
    return (probe.body.spec as { engine?: { type?: string } } | undefined)?.engine?.type === 'spark';
  });
}
