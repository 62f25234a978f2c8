import { describe, expect, it } from 'vitest';
import type { PipelineObject, PipelineRunObject } from '../core/resources.js';
import { PipelineResourceSpecSchema } from '../spec/pipeline-resource.js';
import { PipelineRunSpecSchema, PipelineRunStatusSchema } from '../spec/pipeline-run.js';
import { reconcilePipeline } from '../pipeline/reconcile-pipeline.js';
import type { ObservedJob } from './observed-job.js';
import {
  REPORT_WAIT_MS,
  reconcileRun,
  retryDelayMs,
  type RunAction,
  type RunResult,
} from './reconcile-run.js';

const T0 = Date.parse('2026-03-01T03:00:00Z');
const at = (seconds: number) => new Date(T0 + seconds * 1000);
const iso = (seconds: number) => at(seconds).toISOString().replace('.000Z', 'Z');

const pipeline: PipelineObject = {
  apiVersion: 'medallion.dev/v1alpha1',
  kind: 'Pipeline',
  metadata: { name: 'retail', namespace: 'shop', uid: 'uid-p' },
  spec: PipelineResourceSpecSchema.parse({ source: { uri: '/data' }, job: { image: 'medallion:test' } }),
};

/** A tiny world: the run, its Jobs, and a clock; `step` reconciles and applies the actions like the adapter would. */
/** The reconciler must not modify its input: it is the informer's cache, shared with every other reader. */
function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

function world(spec: Record<string, unknown> = {}) {
  const run: PipelineRunObject = {
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'PipelineRun',
    metadata: { name: 'r1', namespace: 'shop', uid: 'uid-r', generation: 1 },
    spec: PipelineRunSpecSchema.parse({ pipelineRef: { name: 'retail' }, ...spec }),
  };
  const jobs = new Map<string, ObservedJob>();
  const w = {
    run,
    jobs,
    last: undefined as RunResult | undefined,
    reconcile(seconds: number, p: PipelineObject | null = pipeline): RunResult {
      const r = reconcileRun(
        { run: deepFreeze(structuredClone(run)), pipeline: p ?? undefined, defaultImage: 'default:img' },
        [...jobs.values()],
        at(seconds),
      );
      for (const a of r.actions) {
        if (a.type === 'createJob' && !jobs.has(a.job.metadata.name)) {
          jobs.set(a.job.metadata.name, {
            name: a.job.metadata.name,
            labels: a.job.metadata.labels,
            status: { startTime: iso(seconds) },
          });
        }
        if (a.type === 'deleteJob') jobs.delete(a.name);
      }
      run.status = r.status;
      w.last = r;
      return r;
    },
    finish(name: string, seconds: number, ok: boolean, report?: object | string) {
      const job = jobs.get(name);
      if (!job) throw new Error(`no job ${name}: ${[...jobs.keys()].join(', ')}`);
      job.status.conditions = [
        {
          type: ok ? 'Complete' : 'Failed',
          status: 'True',
          reason: ok ? 'Completed' : 'BackoffLimitExceeded',
          message: ok ? '' : 'Job has reached the specified backoff limit',
          lastTransitionTime: iso(seconds),
        },
      ];
      if (ok) job.status.completionTime = iso(seconds);
      if (report !== undefined)
        job.terminationMessage = typeof report === 'string' ? report : JSON.stringify(report);
    },
  };
  return w;
}

const kinds = (r: RunResult) => r.actions.map((a) => (a.type === 'event' ? `event:${a.reason}` : a.type));
const createdJobs = (r: RunResult) =>
  r.actions.flatMap((a: RunAction) => (a.type === 'createJob' ? [a.job] : []));
const report = (step: string, extra: object = {}) => ({
  v: 1,
  step,
  status: 'Succeeded',
  rowsIn: 10,
  rowsOut: 9,
  durationMs: 1500,
  ...extra,
});

describe('reconcileRun', () => {
  it('runs the steps in order, one Job each, and copies the step reports into the status', () => {
    const w = world();
    const first = w.reconcile(0);
    expect(kinds(first)).toEqual(['createConfigMap', 'createJob', 'event:Running']);
    const job = createdJobs(first)[0];
    expect(job?.metadata).toMatchObject({
      name: 'r1-bronze-1',
      namespace: 'shop',
      labels: {
        'medallion.dev/pipeline': 'retail',
        'medallion.dev/run': 'r1',
        'medallion.dev/step': 'bronze',
        'medallion.dev/attempt': '1',
      },
      ownerReferences: [
        { kind: 'PipelineRun', name: 'r1', uid: 'uid-r', controller: true, blockOwnerDeletion: true },
      ],
    });
    expect(w.run.status).toMatchObject({ phase: 'Running', currentStep: 'bronze', startTime: iso(0) });
    // Reconciling the same state again changes nothing (no duplicate Jobs).
    expect(createdJobs(w.reconcile(5))).toEqual([]);

    w.finish(
      'r1-bronze-1',
      60,
      true,
      report('bronze', { lineage: { inputs: ['file:///data'], outputs: ['lake/bronze.sales'] } }),
    );
    expect(createdJobs(w.reconcile(61)).map((j) => j.metadata.name)).toEqual(['r1-silver-1']);
    w.finish(
      'r1-silver-1',
      120,
      true,
      report('silver', {
        status: 'Degraded',
        note: 'quarantine ratio 2%',
        quality: { score: 0.93, failedChecks: ['quarantine_ratio'] },
      }),
    );
    expect(createdJobs(w.reconcile(121)).map((j) => j.metadata.name)).toEqual(['r1-gold-1']);
    w.finish(
      'r1-gold-1',
      180,
      true,
      report('gold', {
        kpis: { revenue: 1234.5, orders: 7 },
        lineage: { outputs: ['lake/gold.kpi_monthly'] },
      }),
    );
    const done = w.reconcile(181);
    expect(kinds(done)).toEqual(['event:Degraded']);
    expect(w.run.status).toMatchObject({
      phase: 'Degraded',
      completionTime: iso(181),
      quality: { score: 0.93, failedChecks: ['quarantine_ratio'] },
      kpis: { revenue: 1234.5, orders: 7 },
      lineage: { inputs: ['file:///data'], outputs: ['lake/bronze.sales', 'lake/gold.kpi_monthly'] },
    });
    expect(w.run.status?.currentStep).toBeUndefined();
    expect(
      w.run.status?.steps?.map((s) => [s.name, s.phase, s.attempts, s.rowsOut, s.durationSeconds]),
    ).toEqual([
      ['bronze', 'Succeeded', 1, 9, 1.5],
      ['silver', 'Degraded', 1, 9, 1.5],
      ['gold', 'Succeeded', 1, 9, 1.5],
    ]);
    expect(w.run.status?.conditions?.[0]).toMatchObject({
      type: 'Succeeded',
      status: 'True',
      reason: 'Degraded',
    });
  });

  it('copies the partitions each step recomputed into its step status, and none for a step without them', () => {
    const w = world();
    w.reconcile(0);
    w.finish('r1-bronze-1', 60, true, report('bronze'));
    w.reconcile(61);
    const silverParts = { full: true, count: 305, first: '2010-12-01', last: '2011-12-09' };
    w.finish('r1-silver-1', 120, true, report('silver', { partitions: silverParts }));
    w.reconcile(121);
    w.finish('r1-gold-1', 180, true, report('gold', { partitions: { full: false, count: 1 } }));
    w.reconcile(181);
    expect(w.run.status?.steps?.map((s) => [s.name, s.partitions])).toEqual([
      ['bronze', undefined],
      ['silver', silverParts],
      ['gold', { full: false, count: 1 }],
    ]);
    // The status still satisfies its own schema (what the CRD is generated from).
    expect(PipelineRunStatusSchema.safeParse(w.run.status).success).toBe(true);
  });

  it('builds the step Job: args, image, deadline, no Job-level retries, spec snapshot and lake mounts', () => {
    const w = world({ parameters: { sourceUri: '/data/2026-03' }, timeouts: { stepSeconds: 900 } });
    const job = createdJobs(w.reconcile(0))[0];
    const spec = job?.spec as {
      backoffLimit: number;
      activeDeadlineSeconds: number;
      template: {
        spec: { containers: { image: string; args: string[]; terminationMessagePolicy: string }[] };
      };
    };
    expect(spec.backoffLimit).toBe(0);
    expect(spec.activeDeadlineSeconds).toBe(900);
    const c = spec.template.spec.containers[0];
    expect(c?.image).toBe('medallion:test');
    expect(c?.args).toEqual([
      'run',
      '-f',
      '/etc/medallion/pipeline.yaml',
      '--steps',
      'bronze',
      '--lake',
      '/var/lib/medallion/lake',
      '--quiet',
      '--termination-log',
      '/dev/termination-log',
      '--source-uri',
      '/data/2026-03',
    ]);
    expect(c?.terminationMessagePolicy).toBe('FallbackToLogsOnError');
  });

  it('retries a failed step with exponential backoff, then succeeds', () => {
    const w = world({ retries: { limit: 2, backoffSeconds: 10, maxBackoffSeconds: 15 } });
    w.reconcile(0);
    w.finish('r1-bronze-1', 30, false, 'Error: source not found\n');
    const waiting = w.reconcile(31);
    expect(createdJobs(waiting)).toEqual([]);
    expect(kinds(waiting)).toEqual(['event:StepAttemptFailed']);
    expect(w.run.status?.steps?.[0]).toMatchObject({
      phase: 'Retrying',
      attempts: 1,
      nextAttemptTime: iso(40),
    });
    expect(w.run.status?.steps?.[0]?.message).toMatch(/source not found/);
    expect(waiting.requeueAfterMs).toBe(9000);
    expect(createdJobs(w.reconcile(39))).toEqual([]);
    expect(createdJobs(w.reconcile(40)).map((j) => j.metadata.name)).toEqual(['r1-bronze-2']);
    w.finish('r1-bronze-2', 50, false);
    w.reconcile(51);
    // Second retry waits min(10 * 2, 15) = 15 s.
    expect(w.run.status?.steps?.[0]?.nextAttemptTime).toBe(iso(65));
    expect(createdJobs(w.reconcile(65)).map((j) => j.metadata.name)).toEqual(['r1-bronze-3']);
    w.finish('r1-bronze-3', 70, true, report('bronze'));
    w.reconcile(71);
    expect(w.run.status?.steps?.[0]).toMatchObject({ phase: 'Succeeded', attempts: 3 });
    expect(w.run.status?.currentStep).toBe('silver');
  });

  it("reports a retry whose status write was lost (409) when it adopts the new attempt's Job", () => {
    const w = world({ retries: { limit: 2, backoffSeconds: 10, maxBackoffSeconds: 10 } });
    w.reconcile(0);
    w.finish('r1-bronze-1', 30, false);
    w.reconcile(31);
    const stored = structuredClone(w.run.status);
    expect(kinds(w.reconcile(40))).toEqual(['createJob', 'event:StepRetried']);
    w.run.status = stored; // the write of that status failed with 409; the Job exists
    const again = w.reconcile(41);
    expect(kinds(again)).toEqual(['event:StepRetried']);
    expect(w.run.status?.steps?.[0]).toMatchObject({ phase: 'Running', attempts: 2, jobName: 'r1-bronze-2' });
    // Once stored, no second event.
    expect(kinds(w.reconcile(42))).toEqual([]);
  });

  it('records the failed attempt even when the operator only sees it after its retry is due', () => {
    const w = world({ retries: { limit: 2, backoffSeconds: 1, maxBackoffSeconds: 1 } });
    w.reconcile(0);
    w.finish('r1-bronze-1', 30, false, 'Error: lake is locked\n');
    // A busy operator reconciles 5 s later: the retry starts at once, and the failure still gets its event.
    const late = w.reconcile(35);
    expect(kinds(late)).toEqual(['event:StepAttemptFailed', 'createJob', 'event:StepRetried']);
    expect(w.run.status?.steps?.[0]).toMatchObject({ phase: 'Running', attempts: 2 });
    expect(kinds(w.reconcile(36))).toEqual([]);
  });

  it('reports the failed attempt too when the lost write was the one that saw the failure and started the retry', () => {
    const w = world({ retries: { limit: 2, backoffSeconds: 1, maxBackoffSeconds: 1 } });
    w.reconcile(0);
    const stored = structuredClone(w.run.status); // bronze attempt 1 Running
    w.finish('r1-bronze-1', 30, false, 'Error: lake is locked\n');
    expect(kinds(w.reconcile(35))).toEqual(['event:StepAttemptFailed', 'createJob', 'event:StepRetried']);
    w.run.status = stored; // that write failed with 409; Job r1-bronze-2 exists
    expect(kinds(w.reconcile(36))).toEqual(['event:StepAttemptFailed', 'event:StepRetried']);
    expect(w.run.status?.steps?.[0]).toMatchObject({ phase: 'Running', attempts: 2, jobName: 'r1-bronze-2' });
    expect(kinds(w.reconcile(37))).toEqual([]);
  });

  it('fails the run when a step is out of attempts, and runs no later step', () => {
    const w = world({ retries: { limit: 0 } });
    w.reconcile(0);
    w.finish(
      'r1-bronze-1',
      30,
      false,
      report('bronze', { status: 'Failed', error: { code: 'SOURCE', message: 'no files match /data' } }),
    );
    const r = w.reconcile(31);
    expect(createdJobs(r)).toEqual([]);
    expect(w.run.status).toMatchObject({ phase: 'Failed', completionTime: iso(31) });
    expect(w.run.status?.conditions?.[0]).toMatchObject({ status: 'False', reason: 'StepFailed' });
    expect(w.run.status?.conditions?.[0]?.message).toMatch(
      /step bronze failed after 1 attempt\(s\): no files match/,
    );
    expect(w.run.status?.steps?.map((s) => s.phase)).toEqual(['Failed', 'Pending', 'Pending']);
    expect(kinds(r)).toEqual(['event:StepFailed']);
    // Terminal: nothing more happens.
    expect(w.reconcile(100).actions).toEqual([]);
  });

  it('keeps the quality and rows of a step that failed its quality check, so the Pipeline reports the score', () => {
    const w = world({ retries: { limit: 1 } });
    w.reconcile(0);
    w.finish('r1-bronze-1', 30, true, report('bronze'));
    w.reconcile(31);
    // minScoreSeverity error: the runner exits non-zero and reports the score it measured.
    const failedSilver = (score: number) =>
      report('silver', {
        status: 'Failed',
        rowsIn: 500,
        rowsOut: 0,
        durationMs: 2500,
        note: 'quality check failed: min_score; nothing published',
        quality: { score, failedChecks: ['min_score'] },
        kpis: { revenue: 99 },
      });
    w.finish('r1-silver-1', 60, false, failedSilver(0.71));
    w.reconcile(61);
    expect(w.run.status?.steps?.[1]).toMatchObject({ phase: 'Retrying', rowsIn: 500, rowsOut: 0 });
    expect(w.run.status?.quality).toEqual({ score: 0.71, failedChecks: ['min_score'] });
    w.reconcile(71); // the retry
    w.finish('r1-silver-2', 90, false, failedSilver(0.72));
    w.reconcile(91);
    expect(w.run.status?.phase).toBe('Failed');
    expect(w.run.status?.steps?.[1]).toMatchObject({
      phase: 'Failed',
      rowsIn: 500,
      rowsOut: 0,
      durationSeconds: 2.5,
      message: 'quality check failed: min_score; nothing published',
    });
    expect(w.run.status?.quality).toEqual({ score: 0.72, failedChecks: ['min_score'] });
    // KPIs of a failed step describe nothing published.
    expect(w.run.status?.kpis).toBeUndefined();
    const pipelineStatus = reconcilePipeline(pipeline, [w.run], at(100));
    expect(pipelineStatus.lastQualityScore).toBe(0.72);
  });

  it('shows the checks per step and per run; a failed warn check degrades the run and names the check', () => {
    const w = world();
    w.reconcile(0);
    w.finish('r1-bronze-1', 30, true, report('bronze'));
    w.reconcile(31);
    // An older runner called the step Succeeded: the warned check alone makes it Degraded.
    const silverChecks = {
      passed: 3,
      failed: 0,
      warned: 1,
      insufficientHistory: 1,
      failing: ['price_range'],
    };
    w.finish('r1-silver-1', 60, true, report('silver', { checks: silverChecks }));
    w.reconcile(61);
    expect(w.run.status?.steps?.[1]).toMatchObject({ phase: 'Degraded', checks: silverChecks });
    w.finish(
      'r1-gold-1',
      90,
      true,
      report('gold', { checks: { passed: 2, failed: 0, warned: 0, failing: [] } }),
    );
    w.reconcile(91);
    expect(w.run.status?.phase).toBe('Degraded');
    expect(w.run.status?.quality?.checks).toEqual({
      passed: 5,
      failed: 0,
      warned: 1,
      insufficientHistory: 1,
      failing: [{ name: 'price_range', severity: 'warn', step: 'silver' }],
    });
    expect(w.run.status?.conditions?.[0]?.message).toBe(
      'completed with warnings in silver (warning checks: price_range)',
    );
    expect(PipelineRunStatusSchema.safeParse(w.run.status).success).toBe(true);
  });

  it('names the error check that failed a step, and counts a retried step once', () => {
    const w = world({ retries: { limit: 1 } });
    w.reconcile(0);
    w.finish('r1-bronze-1', 30, true, report('bronze'));
    w.reconcile(31);
    w.finish(
      'r1-silver-1',
      60,
      true,
      report('silver', { checks: { passed: 1, failed: 0, warned: 0, failing: [] } }),
    );
    w.reconcile(61);
    const failedGold = report('gold', {
      status: 'Failed',
      error: { code: 'CHECK_FAILED', message: 'gold not published' },
      checks: { passed: 1, failed: 2, warned: 1, failing: ['orders_unique', 'kpi_rows', 'revenue_anomaly'] },
    });
    w.finish('r1-gold-1', 90, false, failedGold);
    w.reconcile(91);
    w.reconcile(101); // the retry
    w.finish('r1-gold-2', 120, false, failedGold);
    w.reconcile(121);
    expect(w.run.status?.phase).toBe('Failed');
    expect(w.run.status?.steps?.[2]?.message).toBe(
      'gold not published (failing checks: orders_unique, kpi_rows)',
    );
    expect(w.run.status?.conditions?.[0]?.message).toMatch(/failing checks: orders_unique, kpi_rows/);
    // Two attempts of gold, but its checks count once next to silver's.
    expect(w.run.status?.quality?.checks).toMatchObject({ passed: 2, failed: 2, warned: 1 });
    expect(w.run.status?.quality?.checks?.failing).toEqual([
      { name: 'orders_unique', severity: 'error', step: 'gold' },
      { name: 'kpi_rows', severity: 'error', step: 'gold' },
      { name: 'revenue_anomaly', severity: 'warn', step: 'gold' },
    ]);
  });

  it('times out a step attempt whose Job outlives stepSeconds: deletes it and counts a failed attempt', () => {
    const w = world({ timeouts: { stepSeconds: 60 }, retries: { limit: 0 } });
    expect(w.reconcile(0).requeueAfterMs).toBe(60_000);
    const r = w.reconcile(60);
    expect(r.actions).toContainEqual({ type: 'deleteJob', name: 'r1-bronze-1' });
    expect(w.run.status?.phase).toBe('Failed');
    expect(w.run.status?.steps?.[0]?.message).toMatch(/exceeded timeouts.stepSeconds \(60 s\)/);
  });

  it('fails the whole run at timeouts.runSeconds and deletes the active Job', () => {
    const w = world({ timeouts: { runSeconds: 120, stepSeconds: 100 } });
    w.reconcile(0);
    w.finish('r1-bronze-1', 90, true, report('bronze'));
    w.reconcile(91);
    const r = w.reconcile(120);
    expect(r.actions).toContainEqual({ type: 'deleteJob', name: 'r1-silver-1' });
    expect(w.run.status?.phase).toBe('Failed');
    expect(w.run.status?.conditions?.[0]?.reason).toBe('RunTimeout');
    expect(w.run.status?.steps?.map((s) => s.phase)).toEqual(['Succeeded', 'Failed', 'Pending']);
  });

  it('cancellation deletes active Jobs and cancels the remaining steps', () => {
    const w = world();
    w.reconcile(0);
    w.run.spec.cancelled = true;
    const r = w.reconcile(10);
    expect(r.actions).toContainEqual({ type: 'deleteJob', name: 'r1-bronze-1' });
    expect(w.run.status?.phase).toBe('Cancelled');
    expect(w.run.status?.steps?.map((s) => s.phase)).toEqual(['Cancelled', 'Cancelled', 'Cancelled']);
    expect(w.run.status?.conditions?.[0]).toMatchObject({ status: 'False', reason: 'Cancelled' });
  });

  it('runs a subset of steps in the pipeline order and rejects steps the pipeline lacks', () => {
    const w = world({ steps: ['gold', 'silver'] });
    expect(createdJobs(w.reconcile(0)).map((j) => j.metadata.name)).toEqual(['r1-silver-1']);
    expect(w.run.status?.steps?.map((s) => s.name)).toEqual(['silver', 'gold']);
    const bad = world({ steps: ['search'] });
    bad.reconcile(0);
    expect(bad.run.status).toMatchObject({ phase: 'Failed' });
    expect(bad.run.status?.conditions?.[0]?.message).toMatch(/steps not in pipeline retail: search/);
  });

  it('waits (Pending) while the Pipeline is missing', () => {
    const w = world();
    const r = w.reconcile(0, null);
    expect(r.actions.filter((a) => a.type !== 'event')).toEqual([]);
    expect(w.run.status?.phase).toBe('Pending');
    expect(r.requeueAfterMs).toBe(30_000);
  });

  it('recreates a Job the cache has not seen yet (idempotent by name) instead of starting a new attempt', () => {
    const w = world();
    w.reconcile(0);
    w.jobs.clear(); // the informer has not delivered it yet
    expect(createdJobs(w.reconcile(1)).map((j) => j.metadata.name)).toEqual(['r1-bronze-1']);
  });

  it('keeps a success whose termination message is missing or too large, noting why', () => {
    const w = world({ steps: ['bronze'] });
    w.reconcile(0);
    w.finish('r1-bronze-1', 10, true, JSON.stringify(report('bronze', { note: 'x'.repeat(5000) })));
    w.reconcile(11);
    expect(w.run.status?.phase).toBe('Succeeded');
    expect(w.run.status?.steps?.[0]?.message).toMatch(/over 4096 bytes/);
  });

  it.each([true, false])(
    'waits for the report of a finished Job (ok=%s) until its Pod is seen, at most REPORT_WAIT_MS',
    (ok) => {
      const w = world({ steps: ['bronze'], retries: { limit: 0 } });
      w.reconcile(0);
      w.finish('r1-bronze-1', 10, ok);
      const job = w.jobs.get('r1-bronze-1');
      if (!job) throw new Error('no job');
      job.reportPending = true; // the Job watch was faster than the Pod watch
      const waiting = w.reconcile(11);
      expect(w.run.status?.phase).toBe('Running');
      expect(w.run.status?.steps?.[0]).toMatchObject({ phase: 'Running', jobName: 'r1-bronze-1' });
      expect(waiting.requeueAfterMs).toBe(10_000 + REPORT_WAIT_MS - 11_000);
      // The Pod arrives with the runner's report: the step takes its rows (or its error) from it.
      job.reportPending = false;
      job.terminationMessage = JSON.stringify(
        ok
          ? report('bronze', { rowsIn: 541909 })
          : {
              v: 1,
              step: 'bronze',
              status: 'Failed',
              error: { code: 'SOURCE', message: 'no files match /data' },
            },
      );
      w.reconcile(12);
      if (ok) expect(w.run.status?.steps?.[0]).toMatchObject({ phase: 'Succeeded', rowsIn: 541909 });
      else
        expect(w.run.status?.steps?.[0]).toMatchObject({ phase: 'Failed', message: 'no files match /data' });
    },
  );

  it('settles a finished Job without its report once REPORT_WAIT_MS has passed (the Pod is gone)', () => {
    const w = world({ steps: ['bronze'] });
    w.reconcile(0);
    w.finish('r1-bronze-1', 10, true);
    const job = w.jobs.get('r1-bronze-1');
    if (job) job.reportPending = true;
    w.reconcile(10 + REPORT_WAIT_MS / 1000 - 1);
    expect(w.run.status?.phase).toBe('Running');
    w.reconcile(10 + REPORT_WAIT_MS / 1000);
    expect(w.run.status?.phase).toBe('Succeeded');
    expect(w.run.status?.steps?.[0]?.message).toMatch(/without a step report \(no termination message\)/);
  });

  it('caps the backoff', () => {
    const r = { limit: 5, backoffSeconds: 10, maxBackoffSeconds: 60 };
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(n, r) / 1000)).toEqual([10, 20, 40, 60, 60]);
  });
});
