import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { installCrds } from './install-crds.js';
import { kubeRest } from './kube-rest.js';

/**
 * The shipped example manifests are valid against the CRDs in a real apiserver: examples/kubernetes as they are, and
 * the kustomize base and production overlay as `kubectl kustomize` renders them (server-side dry runs with strict
 * field validation, so unknown fields are errors too).
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
