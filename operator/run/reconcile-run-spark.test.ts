import { describe, expect, it } from 'vitest';
import type { PipelineObject, PipelineRunObject } from '../core/resources.js';
import { PipelineResourceSpecSchema } from '../spec/pipeline-resource.js';
import { PipelineRunSpecSchema } from '../spec/pipeline-run.js';
import { jobOutcome, type ObservedJob } from './observed-job.js';
import { observeSparkApplication, type SparkApplicationLike } from './observed-spark-application.js';
import { reconcileRun, type RunResult } from './reconcile-run.js';

const T0 = Date.parse('2026-03-01T03:00:00Z');
const at = (s: number) => new Date(T0 + s * 1000);
const iso = (s: number) => at(s).toISOString().replace('.000Z', 'Z');

function pipelineOf(engine?: 'spark'): PipelineObject {
  const spec = PipelineResourceSpecSchema.parse({
    source: { uri: '/data' },
    job: { image: 'medallion:test' },
  });
  // engine.type read structurally: the runner's spec owns its schema.
  if (engine) Object.assign(spec.engine, { type: 'spark', spark: { executor: { instances: 2 } } });
  return {
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'Pipeline',
    metadata: { name: 'retail', namespace: 'shop' },
    spec,
  };
}
const report = (step: string, extra: object = {}) =>
  JSON.stringify({ v: 1, step, status: 'Succeeded', rowsIn: 10, rowsOut: 9, durationMs: 5, ...extra });

/** The run, its Jobs and SparkApplications (with their driver Pods' reports) as the adapter would observe them. */
function world(
  spec: Record<string, unknown> = {},
  sparkUnavailable?: string,
  pipeline = pipelineOf('spark'),
) {
  const run: PipelineRunObject = {
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'PipelineRun',
    metadata: { name: 'r1', namespace: 'shop', uid: 'uid-r', generation: 1 },
    spec: PipelineRunSpecSchema.parse({ pipelineRef: { name: 'retail' }, ...spec }),
  };
  const jobs = new Map<string, ObservedJob>();
  const apps = new Map<
    string,
    { app: SparkApplicationLike; driver: { message?: string; terminated: boolean } }
  >();
  const w = {
    run,
    jobs,
    apps,
    reconcile(s: number): RunResult {
      const observed = [
        ...jobs.values(),
        ...[...apps.values()].map((a) => observeSparkApplication(a.app, a.driver)),
      ];
      const r = reconcileRun(
        {
          run: structuredClone(run),
          pipeline,
          defaultImage: 'img',
          ...(sparkUnavailable ? { sparkUnavailable } : {}),
        },
        observed,
        at(s),
      );
      for (const a of r.actions) {
        if (a.type === 'createJob')
          jobs.set(a.job.metadata.name, {
            name: a.job.metadata.name,
            labels: a.job.metadata.labels,
            status: {
              startTime: iso(s),
              completionTime: iso(s),
              conditions: [{ type: 'Complete', status: 'True' }],
            },
            terminationMessage: report('bronze'),
          });
        if (a.type === 'createSparkApplication' && !apps.has(a.app.metadata.name))
          apps.set(a.app.metadata.name, {
            app: { metadata: { ...a.app.metadata, creationTimestamp: iso(s) }, status: {} },
            driver: { terminated: false },
          });
        if (a.type === 'deleteSparkApplication') apps.delete(a.name);
      }
      run.status = r.status;
      return r;
    },
    /** The Spark Operator's view: a state, and when finished the driver Pod's termination message. */
    set(name: string, state: string, s: number, message?: string, errorMessage?: string) {
      const a = apps.get(name);
      if (!a) throw new Error(`no application ${name}: ${[...apps.keys()].join(', ')}`);
      a.app.status = {
        applicationState: { state, ...(errorMessage ? { errorMessage } : {}) },
        driverInfo: { podName: `${name}-driver` },
        lastSubmissionAttemptTime: iso(s),
        ...(['COMPLETED', 'FAILED'].includes(state) ? { terminationTime: iso(s) } : {}),
      };
      a.driver = { ...(message !== undefined ? { message } : {}), terminated: message !== undefined };
    },
  };
  return w;
}
const types = (r: RunResult) => r.actions.map((a) => a.type);

describe('reconcileRun with engine spark', () => {
  it('runs silver and gold as SparkApplications and copies their driver reports into the status', () => {
    const w = world();
    expect(types(w.reconcile(0))).toEqual(['createConfigMap', 'createJob', 'event']);
    expect(types(w.reconcile(1))).toEqual(['createSparkApplication']);
    w.set('r1-silver-1', 'SUBMITTED', 2);
    expect(w.reconcile(2).status.steps?.[1]).toMatchObject({
      name: 'silver',
      phase: 'Running',
      jobName: 'r1-silver-1',
    });
    w.set('r1-silver-1', 'RUNNING', 3);
    expect(w.reconcile(3).actions).toEqual([]);
    w.set('r1-silver-1', 'COMPLETED', 10, report('silver', { quality: { score: 0.98, failedChecks: [] } }));
    expect(types(w.reconcile(10))).toEqual(['createSparkApplication']);
    w.set('r1-gold-1', 'COMPLETED', 20, report('gold', { kpis: { revenue: 12.5, orders: 2 } }));
    const done = w.reconcile(20);
    expect(done.status).toMatchObject({
      phase: 'Succeeded',
      quality: { score: 0.98 },
      kpis: { revenue: 12.5 },
    });
    expect(done.status.steps?.map((s) => [s.name, s.phase, s.rowsOut, s.jobName])).toEqual([
      ['bronze', 'Succeeded', 9, 'r1-bronze-1'],
      ['silver', 'Succeeded', 9, 'r1-silver-1'],
      ['gold', 'Succeeded', 9, 'r1-gold-1'],
    ]);
  });

  it('retries a FAILED application with a new one, and fails the run with the driver’s error once out of attempts', () => {
    const w = world({ retries: { limit: 1, backoffSeconds: 1, maxBackoffSeconds: 1 }, steps: ['silver'] });
    w.reconcile(0);
    w.set('r1-silver-1', 'FAILED', 5, 'Error: executor lost\n');
    expect(w.reconcile(5).status.steps?.[0]).toMatchObject({ phase: 'Retrying', attempts: 1 });
    const retried = w.reconcile(7);
    expect(retried.actions).toContainEqual(expect.objectContaining({ type: 'createSparkApplication' }));
    w.set('r1-silver-2', 'SUBMISSION_FAILED', 8, undefined, 'failed to run spark-submit: no such image');
    const failed = w.reconcile(8);
    expect(failed.status.phase).toBe('Failed');
    expect(failed.status.steps?.[0]?.message).toBe(
      'SUBMISSION_FAILED: failed to run spark-submit: no such image',
    );
  });

  it('waits a little for the driver report of a COMPLETED application', () => {
    const w = world({ steps: ['gold'] });
    w.reconcile(0);
    w.set('r1-gold-1', 'COMPLETED', 5);
    expect(w.reconcile(5).status.phase).toBe('Running');
    w.set('r1-gold-1', 'COMPLETED', 5, report('gold'));
    expect(w.reconcile(6).status.phase).toBe('Succeeded');
  });

  it('deletes the application on a step timeout and on cancellation', () => {
    const w = world({ timeouts: { stepSeconds: 60 }, steps: ['silver'] });
    w.reconcile(0);
    w.set('r1-silver-1', 'RUNNING', 1);
    expect(w.reconcile(61).actions).toContainEqual({ type: 'deleteSparkApplication', name: 'r1-silver-1' });

    const c = world({ steps: ['gold'] });
    c.reconcile(0);
    c.set('r1-gold-1', 'RUNNING', 1);
    c.run.spec.cancelled = true;
    const r = c.reconcile(2);
    expect(r.actions).toContainEqual({ type: 'deleteSparkApplication', name: 'r1-gold-1' });
    expect(r.status.phase).toBe('Cancelled');
  });

  it('suspends and resumes the application with the run', () => {
    const w = world({ steps: ['gold'] });
    w.reconcile(0);
    w.run.spec.suspend = true;
    expect(w.reconcile(1).actions).toContainEqual({
      type: 'suspendSparkApplication',
      name: 'r1-gold-1',
      suspend: true,
    });
  });

  it('fails the run at once with SparkOperatorMissing when SparkApplications cannot be made', () => {
    const why = 'the SparkApplication CRD is not installed';
    const r = world({}, why).reconcile(0);
    expect(types(r)).toEqual(['event']);
    expect(r.status.phase).toBe('Failed');
    expect(r.status.conditions?.[0]).toMatchObject({
      reason: 'SparkOperatorMissing',
      message: `step silver: ${why}`,
    });
    expect(r.status.steps?.map((s) => [s.name, s.phase])).toEqual([
      ['bronze', 'Pending'],
      ['silver', 'Failed'],
      ['gold', 'Pending'],
    ]);
    // DuckDB pipelines do not care.
    const duck = world({}, why, pipelineOf()).reconcile(0);
    expect(types(duck)).toEqual(['createConfigMap', 'createJob', 'event']);
  });
});

describe('observeSparkApplication', () => {
  const app = (state: string | undefined): SparkApplicationLike => ({
    metadata: { name: 'a', creationTimestamp: iso(0) },
    status: {
      ...(state !== undefined ? { applicationState: { state } } : {}),
      lastSubmissionAttemptTime: '0001-01-01T00:00:00Z',
      terminationTime: iso(9),
    },
  });
  it('maps applicationState to the Job outcome the reconciler reads', () => {
    const outcome = (s: string | undefined) =>
      jobOutcome(observeSparkApplication(app(s), { terminated: true })).state;
    expect(
      [
        undefined,
        'SUBMITTED',
        'RUNNING',
        'SUCCEEDING',
        'FAILING',
        'PENDING_RERUN',
        'UNKNOWN',
        'COMPLETED',
        'FAILED',
        'SUBMISSION_FAILED',
      ].map(outcome),
    ).toEqual([
      'running',
      'running',
      'running',
      'running',
      'running',
      'running',
      'running',
      'complete',
      'failed',
      'failed',
    ]);
    const o = observeSparkApplication(app('COMPLETED'), { terminated: false });
    expect(o.status).toMatchObject({ startTime: iso(0), completionTime: iso(9) });
    expect(o.reportPending).toBe(true);
    // A failed submission has no driver to wait for.
    expect(observeSparkApplication(app('SUBMISSION_FAILED'), { terminated: false }).reportPending).toBe(
      false,
    );
  });
});
