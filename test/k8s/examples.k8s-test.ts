import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import type { PipelineObject, PipelineRunObject } from '../../operator/core/resources.js';
import { buildStepJob } from '../../operator/run/step-job.js';
import { PipelineRunSpecSchema } from '../../operator/spec/pipeline-run.js';
import { installCrds } from './install-crds.js';
import { kubeRest } from './kube-rest.js';

/**
 * The shipped example manifests are valid against the CRDs in a real apiserver: examples/kubernetes as they are, the
 * kustomize base and production overlay as `kubectl kustomize` renders them, and the Argo CD Applications against Argo
 * CD's published Application CRD (server-side dry runs with strict field validation, so unknown fields are errors).
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const api = kubeRest(inject('kubeconfig'));
const NS = `examples-${Date.now()}`;
const OVERLAY_NS = 'retail-prod';

interface Obj {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Record<string, unknown> & { job?: Record<string, unknown> };
}

function kubectl(args: string[], input?: string) {
  const r = spawnSync(join(inject('k8sBinDir'), 'kubectl'), args, {
    input,
    encoding: 'utf8',
    env: { ...process.env, KUBECONFIG: inject('kubeconfig') },
  });
  return { ok: r.status === 0, out: r.stdout, err: r.stderr };
}

const docs = (text: string) => parseAllDocuments(text).map((d) => d.toJSON() as Obj);
const file = (path: string) => docs(readFileSync(join(ROOT, path), 'utf8'));
const render = (dir: string) => {
  const r = kubectl(['kustomize', join(ROOT, dir)]);
  expect(r.ok, r.err).toBe(true);
  return docs(r.out);
};
const dryRun = (objs: Obj[], namespace?: string) =>
  kubectl(
    [
      'apply',
      '--server-side',
      '--dry-run=server',
      '--validate=strict',
      '--field-manager=medallion-examples-test',
      ...(namespace ? ['-n', namespace] : []),
      '-f',
      '-',
    ],
    objs.map((o) => `---\n${stringify(o)}`).join(''),
  );

beforeAll(async () => {
  await installCrds(api);
  expect((await api.call('POST', '/api/v1/namespaces', { metadata: { name: NS } })).status).toBe(201);
});

describe('examples/kubernetes', () => {
  it('pipeline, schedule and manual run pass a server-side dry run', () => {
    const objs = ['pipeline.yaml', 'schedule.yaml', 'run.yaml'].flatMap((f) =>
      file(`examples/kubernetes/${f}`),
    );
    expect(objs.map((o) => o.kind)).toEqual(['Pipeline', 'PipelineSchedule', 'PipelineRun']);
    const r = dryRun(objs, NS);
    expect(r.ok, r.err).toBe(true);
    expect(r.out.match(/serverside-applied \(server dry run\)/g)).toHaveLength(3);
  });

  it('the dry run rejects what the CRDs forbid (so passing it means something)', () => {
    const [schedule] = file('examples/kubernetes/schedule.yaml');
    const badCron = dryRun([{ ...schedule!, spec: { ...schedule!.spec, schedule: '0 25 * * *' } }], NS);
    expect(badCron.ok).toBe(false);
    expect(badCron.err).toMatch(/must be a cron expression/);
    const unknownField = dryRun([{ ...schedule!, spec: { ...schedule!.spec, surprise: true } }], NS);
    expect(unknownField.ok).toBe(false);
    expect(unknownField.err).toMatch(/\.spec\.surprise: field not declared in schema/);
  });
});

describe('examples/s3/kubernetes', () => {
  it('Secret, Pipeline and run pass a server-side dry run; the stored Pipeline gives step Jobs no volume', async () => {
    const objs = ['credentials-secret.yaml', 'pipeline.yaml', 'run.yaml'].flatMap((f) =>
      file(`examples/s3/kubernetes/${f}`),
    );
    expect(objs.map((o) => o.kind)).toEqual(['Secret', 'Pipeline', 'PipelineRun']);
    const r = dryRun(objs, NS);
    expect(r.ok, r.err).toBe(true);
    expect(r.out.match(/serverside-applied \(server dry run\)/g)).toHaveLength(3);

    // The Pipeline as the apiserver stores it (CRD defaults applied), turned into a step Job by the operator's code.
    const pipeline = objs[1]!;
    const created = await api.call(
      'POST',
      `/apis/medallion.dev/v1alpha1/namespaces/${NS}/pipelines`,
      pipeline,
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const stored = created.body as unknown as PipelineObject;
    const run = {
      ...(objs[2] as unknown as PipelineRunObject),
      metadata: { name: 'online-retail-s3-manual', namespace: NS, uid: 'u' },
      spec: PipelineRunSpecSchema.parse(objs[2]!.spec),
    };
    const pod = (buildStepJob(run, stored, 'bronze', 1, 'img').spec as { template: { spec: Obj['spec'] } })
      .template.spec as {
      volumes: { name: string }[];
      containers: { env: { name: string; valueFrom?: unknown }[] }[];
    };
    expect(pod.volumes.map((v) => v.name)).toEqual(['spec', 'tmp']);
    const secretName = (objs[0] as Obj).metadata.name;
    expect(pod.containers[0]!.env.find((e) => e.name === 'AWS_SECRET_ACCESS_KEY')?.valueFrom).toEqual({
      secretKeyRef: { name: secretName, key: 'AWS_SECRET_ACCESS_KEY' },
    });
  });
});

describe('examples/kustomize', () => {
  it('the base holds the same pipeline and schedule as examples/kubernetes', () => {
    for (const f of ['pipeline.yaml', 'schedule.yaml'])
      expect(file(`examples/kustomize/base/${f}`)).toEqual(file(`examples/kubernetes/${f}`));
  });

  it('the base renders and passes a server-side dry run', () => {
    const objs = render('examples/kustomize/base');
    expect(objs.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Pipeline/online-retail',
      'PipelineSchedule/online-retail-daily',
    ]);
    const r = dryRun(objs, NS);
    expect(r.ok, r.err).toBe(true);
  });

  it('the production overlay sets the namespace, the image and the resources, and keeps everything else', () => {
    const objs = render('examples/kustomize/overlays/production');
    const [pipeline, schedule] = ['Pipeline', 'PipelineSchedule'].map((k) => objs.find((o) => o.kind === k)!);
    const [basePipeline] = file('examples/kubernetes/pipeline.yaml');
    const [baseSchedule] = file('examples/kubernetes/schedule.yaml');
    const overlayDir = join(ROOT, 'examples/kustomize/overlays/production');
    const patch = parse(readFileSync(join(overlayDir, 'pipeline-resources.yaml'), 'utf8')) as Obj;

    expect(objs.map((o) => o.kind).sort()).toEqual(
      ['Namespace', 'PersistentVolumeClaim', 'Pipeline', 'PipelineSchedule'].sort(),
    );
    expect(objs.find((o) => o.kind === 'Namespace')?.metadata.name).toBe(OVERLAY_NS);
    for (const o of objs.filter((x) => x.kind !== 'Namespace')) expect(o.metadata.namespace).toBe(OVERLAY_NS);
    expect(pipeline?.spec?.job?.image).toBe('ghcr.io/example/medallion:0.1.0');
    expect(pipeline?.spec?.job?.resources).toEqual(patch.spec?.job?.resources);
    expect(pipeline?.spec?.engine).toEqual(patch.spec?.engine);
    // Everything the overlay does not touch is the base's.
    const { job, ...rest } = pipeline!.spec!;
    const { job: baseJob, ...baseRest } = basePipeline!.spec!;
    expect({ ...rest, engine: baseRest.engine }).toEqual(baseRest);
    expect({ ...job, image: baseJob?.image, resources: baseJob?.resources }).toEqual(baseJob);
    expect(schedule?.spec).toEqual({ ...baseSchedule!.spec, startingDeadlineSeconds: 7200 });
    const pvc = objs.find((o) => o.kind === 'PersistentVolumeClaim');
    expect(pvc?.metadata.name).toBe((baseJob?.lakeVolume as { claimName: string }).claimName);
  });

  it('the production overlay passes a server-side dry run in its namespace', async () => {
    const objs = render('examples/kustomize/overlays/production');
    // A dry run creates nothing, so the namespace the other objects go into must exist for real first.
    const ns = objs.filter((o) => o.kind === 'Namespace');
    const created = kubectl(
      ['apply', '--server-side', '--field-manager=medallion-examples-test', '-f', '-'],
      stringify(ns[0]),
    );
    expect(created.ok, created.err).toBe(true);
    const r = dryRun(objs);
    expect(r.ok, r.err).toBe(true);
    expect(r.out.match(/serverside-applied \(server dry run\)/g)).toHaveLength(objs.length);
    expect(r.out).toContain('pipeline.medallion.dev/online-retail serverside-applied (server dry run)');
  });
});

describe('examples/argocd/application.yaml', () => {
  interface Application extends Obj {
    spec: {
      source: { path: string; helm?: { valuesObject?: Record<string, unknown> } };
      destination: { namespace: string };
    };
  }
  const apps = () => file('examples/argocd/application.yaml') as unknown as Application[];

  it("passes a server-side dry run against Argo CD's Application CRD", async () => {
    const crdDir = execFileSync('bash', [join(ROOT, 'test/argocd/setup-argocd-crds.sh')], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
      .toString()
      .trim();
    const crd = kubectl(['apply', '--server-side', '-f', join(crdDir, 'application-crd.yaml')]);
    expect(crd.ok, crd.err).toBe(true);
    for (let i = 0; ; i++) {
      const got = await api.call(
        'GET',
        '/apis/apiextensions.k8s.io/v1/customresourcedefinitions/applications.argoproj.io',
      );
      const conds =
        (got.body.status as { conditions?: { type: string; status: string }[] })?.conditions ?? [];
      if (conds.some((c) => c.type === 'Established' && c.status === 'True')) break;
      if (i > 100) throw new Error('applications.argoproj.io not established');
      await new Promise((res) => setTimeout(res, 100));
    }
    const argocdNs = kubectl(
      ['apply', '--server-side', '--field-manager=medallion-examples-test', '-f', '-'],
      stringify({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'argocd' } }),
    );
    expect(argocdNs.ok, argocdNs.err).toBe(true);
    let r = dryRun(apps());
    // Discovery can lag the Established condition by a moment.
    for (let i = 0; !r.ok && /no matches for kind|ensure CRDs are installed/.test(r.err) && i < 50; i++) {
      await new Promise((res) => setTimeout(res, 200));
      r = dryRun(apps());
    }
    expect(r.ok, r.err).toBe(true);
    expect(r.out).toContain('application.argoproj.io/medallion-operator serverside-applied (server dry run)');
    expect(r.out).toContain('application.argoproj.io/online-retail serverside-applied (server dry run)');
    const [first] = apps();
    const typo = dryRun([{ ...first!, spec: { ...first!.spec, syncPolicy: { automatic: {} } } } as Obj]);
    expect(typo.ok).toBe(false);
    expect(typo.err).toMatch(/\.spec\.syncPolicy\.automatic: field not declared in schema/);
  });

  it("points at paths of this repository that exist, and at the overlay's namespace", () => {
    const [operator, retail] = apps();
    expect(existsSync(join(ROOT, operator!.spec.source.path, 'Chart.yaml'))).toBe(true);
    const values = parse(readFileSync(join(ROOT, operator!.spec.source.path, 'values.yaml'), 'utf8'));
    for (const key of Object.keys(operator!.spec.source.helm?.valuesObject ?? {}))
      expect(values).toHaveProperty(key);
    const rendered = render(retail!.spec.source.path);
    const ns = rendered.find((o) => o.kind === 'Namespace')?.metadata.name;
    expect(retail!.spec.destination.namespace).toBe(ns);
  });
});
