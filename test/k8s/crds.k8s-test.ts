import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { PipelineResourceSpecSchema } from '../../operator/spec/pipeline-resource.js';
import { PipelineRunSpecSchema } from '../../operator/spec/pipeline-run.js';
import { PipelineScheduleSpecSchema } from '../../operator/spec/pipeline-schedule.js';
import { installCrds } from './install-crds.js';
import { kubeRest } from './kube-rest.js';

const api = kubeRest(inject('kubeconfig'));
const NS = `crds-${Date.now()}`;
const base = `/apis/medallion.dev/v1alpha1/namespaces/${NS}`;
type Obj = Record<string, unknown>;

const kubectl = (...args: string[]) =>
  execFileSync(join(inject('k8sBinDir'), 'kubectl'), ['-n', NS, ...args], {
    env: { ...process.env, KUBECONFIG: inject('kubeconfig') },
  }).toString();

const pipeline = (spec: Obj = {}, name = 'retail'): Obj => ({
  apiVersion: 'medallion.dev/v1alpha1',
  kind: 'Pipeline',
  metadata: { name },
  spec: { source: { uri: '/data/online-retail' }, ...spec },
});
const schedule = (spec: Obj = {}, name = 'nightly'): Obj => ({
  apiVersion: 'medallion.dev/v1alpha1',
  kind: 'PipelineSchedule',
  metadata: { name },
  spec: { pipelineRef: { name: 'retail' }, schedule: '30 1 * * *', timeZone: 'Europe/London', ...spec },
});
const run = (spec: Obj = {}, name = 'manual-1'): Obj => ({
  apiVersion: 'medallion.dev/v1alpha1',
  kind: 'PipelineRun',
  metadata: { name },
  spec: { pipelineRef: { name: 'retail' }, ...spec },
});
const plural = (o: Obj) => `${String(o.kind).toLowerCase()}s`;

async function create(o: Obj) {
  // Strict field validation: unknown fields are errors, as with `kubectl apply` by default.
  return api.call('POST', `${base}/${plural(o)}?fieldValidation=Strict`, o);
}

beforeAll(async () => {
  await installCrds(api);
  expect((await api.call('POST', '/api/v1/namespaces', { metadata: { name: NS } })).status).toBe(201);
});

describe('CRDs in a real apiserver', () => {
  it('accepts valid objects and applies the schema defaults', async () => {
    const p = await create(pipeline());
    expect(p.status, JSON.stringify(p.body)).toBe(201);
    expect(p.body.spec).toMatchObject({
      steps: ['bronze', 'silver', 'gold'],
      lake: { uri: './.medallion/lake', retainVersions: 5 },
      source: { format: 'csv', timezone: 'Europe/London', options: { header: true } },
      job: { imagePullPolicy: 'IfNotPresent', env: [] },
    });
    const s = await create(schedule());
    expect(s.status, JSON.stringify(s.body)).toBe(201);
    expect(s.body.spec).toMatchObject({
      concurrencyPolicy: 'Forbid',
      suspend: false,
      successfulRunsHistoryLimit: 3,
      failedRunsHistoryLimit: 1,
      runOverrides: { retries: { limit: 2 } },
    });
    const r = await create(run());
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body.spec).toMatchObject({
      cancelled: false,
      timeouts: { runSeconds: 21600, stepSeconds: 3600 },
      retries: { limit: 2, backoffSeconds: 10, maxBackoffSeconds: 300 },
    });
  });

  // [case, object, message the apiserver must answer with, zod schema that must agree (spec-level rules)]
  const cases: [string, Obj, RegExp, { safeParse(v: unknown): { success: boolean } }?][] = [
    ['bad cron', schedule({ schedule: '61 * * * *' }, 's1'), /must be a cron expression with 5 fields/, PipelineScheduleSpecSchema],
    ['cron with 4 fields', schedule({ schedule: '0 3 * *' }, 's2'), /must be a cron expression/, PipelineScheduleSpecSchema],
    ['bad time zone', schedule({ timeZone: 'Mars/Olympus' }, 's3'), /must be an IANA time zone/, PipelineScheduleSpecSchema],
    ['unknown policy', schedule({ concurrencyPolicy: 'Sometimes' }, 's4'), /Unsupported value: "Sometimes"/, PipelineScheduleSpecSchema],
    ['history limit bound', schedule({ successfulRunsHistoryLimit: 1000 }, 's5'), /less than or equal to 100/, PipelineScheduleSpecSchema],
    ['long schedule name', schedule({}, 'x'.repeat(53)), /at most 52 characters/],
    ['missing pipelineRef', run({ pipelineRef: undefined }, 'r1'), /spec.pipelineRef: Required value/, PipelineRunSpecSchema],
    ['step timeout over run timeout', run({ timeouts: { runSeconds: 600, stepSeconds: 900 } }, 'r2'), /spec.timeouts.stepSeconds: Invalid value.*must not exceed timeouts.runSeconds/, PipelineRunSpecSchema],
    ['backoff over max', run({ retries: { backoffSeconds: 600, maxBackoffSeconds: 60 } }, 'r3'), /retries.backoffSeconds must not exceed/, PipelineRunSpecSchema],
    ['unknown step', run({ steps: ['platinum'] }, 'r4'), /Unsupported value: "platinum"/, PipelineRunSpecSchema],
    ['unknown field', run({ surprise: true }, 'r5'), /unknown field "spec.surprise"/, PipelineRunSpecSchema],
    ['repeated step', pipeline({ steps: ['bronze', 'bronze'] }, 'p1'), /Duplicate value: "bronze"/, PipelineResourceSpecSchema],
    ['bad source time zone', pipeline({ source: { uri: '/d', timezone: 'Nowhere/Land' } }, 'p2'), /must be an IANA time zone/, PipelineResourceSpecSchema],
    ['env with two sources', pipeline({ job: { env: [{ name: 'A', value: 'x', secretKeyRef: { name: 's', key: 'k' } }] } }, 'p3'), /set exactly one of value, secretKeyRef or configMapKeyRef/, PipelineResourceSpecSchema],
    ['bad quantity', pipeline({ job: { resources: { limits: { memory: 'lots' } } } }, 'p4'), /spec.job.resources.limits.memory: Invalid value/, PipelineResourceSpecSchema],
    ['quality out of range', pipeline({ quality: { minScore: 2 } }, 'p5'), /less than or equal to 1/, PipelineResourceSpecSchema],
  ]; // prettier-ignore

  it.each(cases)('rejects %s with a readable message', async (_name, obj, message, zodSchema) => {
    const res = await create(obj);
    // Unknown fields fail decoding (400) before validation (422) runs.
    expect(res.status, JSON.stringify(res.body)).toBe(/unknown field/.test(message.source) ? 400 : 422);
    expect(String(res.body.message)).toMatch(message);
    if (zodSchema) expect(zodSchema.safeParse(obj.spec).success).toBe(false);
  });

  it('enforces transition rules: pipelineRef is immutable and cancellation is final', async () => {
    expect((await create(run({}, 'tr'))).status).toBe(201);
    const path = `${base}/pipelineruns/tr`;
    const merge = (spec: Obj) => api.call('PATCH', path, { spec }, 'application/merge-patch+json');
    const moved = await merge({ pipelineRef: { name: 'other' } });
    expect(moved.status).toBe(422);
    expect(String(moved.body.message)).toMatch(/pipelineRef is immutable/);
    expect((await merge({ cancelled: true })).status).toBe(200);
    const resumed = await merge({ cancelled: false });
    expect(resumed.status).toBe(422);
    expect(String(resumed.body.message)).toMatch(/a cancelled run cannot be resumed/);
  });

  it('keeps status in the status subresource', async () => {
    expect((await create(run({}, 'st'))).status).toBe(201);
    const path = `${base}/pipelineruns/st`;
    const viaMain = await api.call(
      'PATCH',
      path,
      { status: { phase: 'Running' } },
      'application/merge-patch+json',
    );
    expect(viaMain.body.status).toBeUndefined();
    const viaStatus = await api.call(
      'PATCH',
      `${path}/status`,
      { status: { phase: 'Running', currentStep: 'silver' } },
      'application/merge-patch+json',
    );
    expect(viaStatus.status).toBe(200);
    expect(viaStatus.body.status).toEqual({ phase: 'Running', currentStep: 'silver' });
    const badPhase = await api.call(
      'PATCH',
      `${path}/status`,
      { status: { phase: 'Done' } },
      'application/merge-patch+json',
    );
    expect(badPhase.status).toBe(422);
  });

  it('prints columns, wide columns, short names and the medallion category with kubectl', () => {
    const plain = kubectl('get', 'mpr');
    expect(plain.split('\n')[0]).toMatch(/^NAME\s+PIPELINE\s+PHASE\s+STEP\s+QUALITY\s+STARTED\s+AGE$/);
    expect(plain).toMatch(/st\s+retail\s+Running\s+silver/);
    const wide = kubectl('get', 'pipelineruns', '-o', 'wide').split('\n')[0];
    expect(wide).toMatch(/AGE\s+COMPLETED\s+REASON\s+MESSAGE$/);
    expect(kubectl('get', 'mps').split('\n')[0]).toMatch(
      /PIPELINE\s+SCHEDULE\s+TIME ZONE\s+SUSPEND\s+LAST SCHEDULE/,
    );
    expect(kubectl('get', 'mp', '-o', 'wide').split('\n')[0]).toMatch(/LAST SUCCESS\s+STEPS\s+SOURCE$/);
    const all = kubectl('get', 'medallion', '-o', 'name');
    expect(all).toContain('pipeline.medallion.dev/retail');
    expect(all).toContain('pipelineschedule.medallion.dev/nightly');
    expect(all).toContain('pipelinerun.medallion.dev/manual-1');
  });

  it('documents every field for kubectl explain', () => {
    const explain = (field: string) => kubectl('explain', field).replace(/\s+/g, ' ');
    expect(explain('pipelineschedule.spec.concurrencyPolicy')).toMatch(/Forbid \(skip the new one\)/);
    expect(explain('pipeline.spec.job.lakeVolume.claimName')).toMatch(/PersistentVolumeClaim/);
    expect(explain('pipelinerun.status.steps.rowsOut')).toMatch(/Rows the step published/);
  });
});
