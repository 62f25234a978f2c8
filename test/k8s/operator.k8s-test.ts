import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { startOperator, type RunningOperator } from '../../operator/controller/start-operator.js';
import { createKubeClient, loadKubeConfig } from '../../operator/kube/client-node-adapter.js';
import { createOperatorMetrics, type OperatorMetrics } from '../../operator/metrics.js';
import { startFakeJobExecutor, type Script } from './fake-job-executor.js';
import { installCrds } from './install-crds.js';
import { kubeRest } from './kube-rest.js';
import { waitFor } from './wait-for.js';

const api = kubeRest(inject('kubeconfig'));
const client = createKubeClient(loadKubeConfig({ kubeconfig: inject('kubeconfig') }));
const logger = pino({ level: process.env.MEDALLION_TEST_LOG ?? 'silent' });
type Obj = Record<string, unknown>;

let nsCounter = 0;
async function namespace(): Promise<string> {
  const ns = `op-${Date.now()}-${nsCounter++}`;
  expect((await api.call('POST', '/api/v1/namespaces', { metadata: { name: ns } })).status).toBe(201);
  // Pods need the namespace's default ServiceAccount, which only kube-controller-manager would create.
  expect(
    (await api.call('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, { metadata: { name: 'default' } }))
      .status,
  ).toBe(201);
  return ns;
}

const crPath = (ns: string, plural: string) => `/apis/medallion.dev/v1alpha1/namespaces/${ns}/${plural}`;
async function create(ns: string, plural: string, kind: string, name: string, spec: Obj) {
  const res = await api.call('POST', crPath(ns, plural), {
    apiVersion: 'medallion.dev/v1alpha1',
    kind,
    metadata: { name },
    spec,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

async function runStatus(ns: string, name: string): Promise<Obj> {
  return ((await api.call('GET', `${crPath(ns, 'pipelineruns')}/${name}`)).body.status ?? {}) as Obj;
}
const terminal = (s: Obj) =>
  ['Succeeded', 'Degraded', 'Failed', 'Cancelled'].includes(String(s.phase)) ? s : undefined;
const report = (step: string, extra: Obj = {}) =>
  JSON.stringify({ v: 1, step, status: 'Succeeded', rowsIn: 100, rowsOut: 98, durationMs: 2500, ...extra });

const script: Script = ({ step, attempt }) => {
  if (step === 'silver' && attempt === 1) return { ok: false, message: 'Error: lake is locked\n' };
  const breakers = { currency: 'open', country: 'closed', product: 'closed' };
  if (step === 'silver')
    return { ok: true, message: report('silver', { quality: { score: 0.97, failedChecks: [] }, breakers }) };
  if (step === 'gold')
    return { ok: true, message: report('gold', { kpis: { revenue: 8911.5, orders: 42 }, breakers }) };
  return {
    ok: true,
    message: report(step, { lineage: { inputs: ['file:///data'], outputs: ['lake/bronze.sales'] } }),
  };
};

let operators: RunningOperator[] = [];
const start = async (ns: string, now?: () => Date, metrics?: OperatorMetrics) => {
  const op = startOperator({
    client,
    logger,
    namespace: ns,
    defaultImage: 'medallion:test',
    ...(now ? { now } : {}),
    ...(metrics ? { metrics } : {}),
  });
  operators.push(op);
  await op.synced;
  return op;
};

beforeAll(() => installCrds(api));
afterEach(async () => {
  await Promise.all(operators.map((o) => o.stop()));
  operators = [];
});
afterAll(() => Promise.all(operators.map((o) => o.stop())));

const pipelineSpec = { source: { uri: '/data/online-retail' }, job: { image: 'medallion:test' } };
const fastRetries = { limit: 2, backoffSeconds: 1, maxBackoffSeconds: 1 };

describe('operator against a real apiserver', () => {
  it('runs a PipelineRun to completion: Jobs in order, a retried step, reports copied into the status', async () => {
    const ns = await namespace();
    const executor = startFakeJobExecutor(api, ns, script);
    const metrics = createOperatorMetrics();
    await start(ns, undefined, metrics);
    await create(ns, 'pipelines', 'Pipeline', 'retail', pipelineSpec);
    await create(ns, 'pipelineruns', 'PipelineRun', 'run-1', {
      pipelineRef: { name: 'retail' },
      retries: fastRetries,
    });

    const status = await waitFor('run-1 to finish', async () => terminal(await runStatus(ns, 'run-1')));
    await executor.stop();
    expect(executor.errors).toEqual([]);
    expect(executor.executed).toEqual(['run-1-bronze-1', 'run-1-silver-1', 'run-1-silver-2', 'run-1-gold-1']);
    expect(status).toMatchObject({
      phase: 'Succeeded',
      observedGeneration: 1,
      quality: { score: 0.97 },
      kpis: { revenue: 8911.5, orders: 42 },
      lineage: { inputs: ['file:///data'], outputs: ['lake/bronze.sales'] },
      enrichment: { breakers: { currency: 'open', country: 'closed', product: 'closed' } },
    });
    const steps = status.steps as Obj[];
    expect(steps.map((s) => [s.name, s.phase, s.attempts, s.jobName, s.rowsOut])).toEqual([
      ['bronze', 'Succeeded', 1, 'run-1-bronze-1', 98],
      ['silver', 'Succeeded', 2, 'run-1-silver-2', 98],
      ['gold', 'Succeeded', 1, 'run-1-gold-1', 98],
    ]);
    const events = await api.call('GET', `/api/v1/namespaces/${ns}/events`);
    const reasons = (events.body.items as { reason: string }[]).map((e) => e.reason);
    expect(reasons).toEqual(
      expect.arrayContaining(['Running', 'StepAttemptFailed', 'StepRetried', 'Succeeded']),
    );
    const pipelineStatus = await waitFor('pipeline status', async () => {
      const p = (await api.call('GET', `${crPath(ns, 'pipelines')}/retail`)).body.status as Obj | undefined;
      return (p?.lastSuccessfulRun as Obj | undefined)?.name === 'run-1' ? p : undefined;
    });
    expect(pipelineStatus).toMatchObject({
      lastRun: { name: 'run-1', phase: 'Succeeded' },
      lastQualityScore: 0.97,
    });
    expect(pipelineStatus.conditions).toEqual([expect.objectContaining({ type: 'Ready', status: 'True' })]);
    // Each finished step and the run counted once (silver's failed first attempt is a retry, not a finish).
    const text = await metrics.registry.metrics();
    const count = (name: string, labels: string) =>
      Number(new RegExp(`^${name}_count\\{${labels}\\} (\\d+)$`, 'm').exec(text)?.[1]);
    const of = `namespace="${ns}",pipeline="retail"`;
    expect(count('medallion_run_duration_seconds', `${of},phase="Succeeded"`)).toBe(1);
    for (const step of ['bronze', 'silver', 'gold'])
      expect(count('medallion_step_duration_seconds', `${of},step="${step}",phase="Succeeded"`)).toBe(1);
    expect(text).toContain(`medallion_run_completions_total{${of},phase="Succeeded"} 1`);
    expect(text).toContain(`medallion_pipeline_last_quality_score{${of}} 0.97`);
    expect(text).toMatch(
      new RegExp(`^medallion_pipeline_last_success_timestamp_seconds\\{${of}\\} \\d+`, 'm'),
    );
    // The CRD's default minScore as the apiserver stored it, and the breakers from the run's last step report.
    expect(text).toContain(`medallion_pipeline_quality_min_score{${of}} 0.9`);
    expect(text).toContain(`medallion_enrichment_breaker_open{${of},provider="currency"} 1`);
    expect(text).toContain(`medallion_enrichment_breaker_open{${of},provider="country"} 0`);
    expect(text).not.toContain('run-1');
    // The spec snapshot the steps read, owned by the run.
    const cm = await api.call('GET', `/api/v1/namespaces/${ns}/configmaps/run-1-spec`);
    expect(String((cm.body.data as Obj)['pipeline.yaml'])).toContain('uri: /data/online-retail');

    // Deleting the Pipeline removes every series labelled with it.
    expect((await api.call('DELETE', `${crPath(ns, 'pipelines')}/retail`)).status).toBe(200);
    await waitFor('the pipeline series to go', async () =>
      (await metrics.registry.metrics()).includes(`pipeline="retail"`) ? undefined : true,
    );
  });

  it('waits for the step report when the Job is seen finished before its Pod (separate watches)', async () => {
    const ns = await namespace();
    const executor = startFakeJobExecutor(api, ns, script, { podStatusLagMs: 1500 });
    await start(ns);
    await create(ns, 'pipelines', 'Pipeline', 'retail', pipelineSpec);
    await create(ns, 'pipelineruns', 'PipelineRun', 'run-lag', {
      pipelineRef: { name: 'retail' },
      steps: ['bronze', 'gold'],
    });
    const status = await waitFor('run-lag to finish', async () => terminal(await runStatus(ns, 'run-lag')));
    await executor.stop();
    expect(executor.errors).toEqual([]);
    expect(status).toMatchObject({ phase: 'Succeeded', kpis: { revenue: 8911.5, orders: 42 } });
    expect((status.steps as Obj[]).map((s) => [s.name, s.rowsIn, s.rowsOut, s.message])).toEqual([
      ['bronze', 100, 98, undefined],
      ['gold', 100, 98, undefined],
    ]);
  });

  it('survives an operator restart mid-run without duplicate Jobs', async () => {
    const ns = await namespace();
    let hung = false;
    const executor = startFakeJobExecutor(api, ns, (j) => {
      if (j.step !== 'silver') return script({ ...j, attempt: 2 });
      hung = true;
      return 'hang';
    });
    const first = await start(ns);
    await create(ns, 'pipelines', 'Pipeline', 'retail', pipelineSpec);
    await create(ns, 'pipelineruns', 'PipelineRun', 'run-2', {
      pipelineRef: { name: 'retail' },
      steps: ['bronze', 'silver'],
    });
    // Until the executor has started the silver Job (startTime set) and left it hanging, it may still write the
    // Job's status; from then on only this test does.
    await waitFor('silver to start and hang', async () =>
      (await runStatus(ns, 'run-2')).currentStep === 'silver' && hung ? true : undefined,
    );
    await first.stop();
    operators = operators.filter((o) => o !== first);

    await start(ns);
    // The hung silver Job is still the current attempt: finish it by hand, like a kubelet would.
    const job = `/apis/batch/v1/namespaces/${ns}/jobs/run-2-silver-1/status`;
    const t = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    // Kubernetes rejects a changed startTime of an unsuspended Job ("startTime cannot be removed"): keep the
    // executor's.
    const startTime = ((await api.call('GET', job)).body.status as { startTime?: string }).startTime;
    expect(startTime).toBeDefined();
    // As kubelet: the container terminates with its report before the Job controller marks the Job Complete.
    const pod = await api.call(
      'PATCH',
      `/api/v1/namespaces/${ns}/pods/run-2-silver-1-pod/status`,
      {
        status: {
          phase: 'Succeeded',
          containerStatuses: [
            {
              name: 'step',
              image: 'medallion:test',
              imageID: '',
              ready: false,
              restartCount: 0,
              state: {
                terminated: {
                  exitCode: 0,
                  reason: 'Completed',
                  message: report('silver'),
                  startedAt: startTime,
                  finishedAt: t,
                },
              },
            },
          ],
        },
      },
      'application/merge-patch+json',
    );
    expect(pod.status, JSON.stringify(pod.body)).toBe(200);
    const c = (type: string) => ({
      type,
      status: 'True',
      reason: 'CompletionsReached',
      lastTransitionTime: t,
      lastProbeTime: t,
    });
    const done = await api.call(
      'PATCH',
      job,
      {
        status: {
          startTime,
          succeeded: 1,
          active: 0,
          completionTime: t,
          conditions: [c('SuccessCriteriaMet'), c('Complete')],
        },
      },
      'application/merge-patch+json',
    );
    expect(done.status, JSON.stringify(done.body)).toBe(200);

    const status = await waitFor('run-2 to finish', async () => terminal(await runStatus(ns, 'run-2')));
    await executor.stop();
    expect(status.phase).toBe('Succeeded');
    const jobs = await api.call('GET', `/apis/batch/v1/namespaces/${ns}/jobs`);
    expect((jobs.body.items as { metadata: { name: string } }[]).map((j) => j.metadata.name).sort()).toEqual([
      'run-2-bronze-1',
      'run-2-silver-1',
    ]);
  });

  it('a finished run (cached in brief) changed later keeps its whole status when observedGeneration moves', async () => {
    const ns = await namespace();
    const executor = startFakeJobExecutor(api, ns, script);
    await start(ns);
    await create(ns, 'pipelines', 'Pipeline', 'retail', pipelineSpec);
    await create(ns, 'pipelineruns', 'PipelineRun', 'run-done', {
      pipelineRef: { name: 'retail' },
      steps: ['gold'],
    });
    const done = await waitFor('run-done to finish', async () => terminal(await runStatus(ns, 'run-done')));
    await executor.stop();
    // Cancelling a finished run changes nothing but the generation the status was computed from.
    await api.call(
      'PATCH',
      `${crPath(ns, 'pipelineruns')}/run-done`,
      { spec: { cancelled: true } },
      'application/merge-patch+json',
    );
    const after = await waitFor('observedGeneration 2', async () => {
      const s = await runStatus(ns, 'run-done');
      return s.observedGeneration === 2 ? s : undefined;
    });
    expect(after).toEqual({ ...done, observedGeneration: 2 });
    expect(after.steps).toEqual([expect.objectContaining({ name: 'gold', rowsOut: 98 })]);
  });

  it('cancels a running run: its active Job is deleted', async () => {
    const ns = await namespace();
    const executor = startFakeJobExecutor(api, ns, () => 'hang');
    await start(ns);
    await create(ns, 'pipelines', 'Pipeline', 'retail', pipelineSpec);
    await create(ns, 'pipelineruns', 'PipelineRun', 'run-3', { pipelineRef: { name: 'retail' } });
    await waitFor('bronze Job', async () =>
      (await api.call('GET', `/apis/batch/v1/namespaces/${ns}/jobs/run-3-bronze-1`)).status === 200
        ? true
        : undefined,
    );
    await api.call(
      'PATCH',
      `${crPath(ns, 'pipelineruns')}/run-3`,
      { spec: { cancelled: true } },
      'application/merge-patch+json',
    );
    const status = await waitFor('run-3 cancelled', async () => terminal(await runStatus(ns, 'run-3')));
    await executor.stop();
    expect(status.phase).toBe('Cancelled');
    await waitFor('Job deleted', async () =>
      (await api.call('GET', `/apis/batch/v1/namespaces/${ns}/jobs/run-3-bronze-1`)).status === 404
        ? true
        : undefined,
    );
  });

  it('a PipelineSchedule creates its due run once, with an injected clock', async () => {
    const ns = await namespace();
    const executor = startFakeJobExecutor(api, ns, script);
    // The schedule's creation is "now"; run the operator's clock 3 minutes ahead so a run is due at once.
    const ahead = () => new Date(Date.now() + 180_000);
    const metrics = createOperatorMetrics();
    await start(ns, ahead, metrics);
    await create(ns, 'pipelines', 'Pipeline', 'retail', pipelineSpec);
    await create(ns, 'pipelineschedules', 'PipelineSchedule', 'every-minute', {
      pipelineRef: { name: 'retail' },
      schedule: '* * * * *',
      runOverrides: { steps: ['bronze'] },
    });
    const sched = await waitFor('a scheduled run', async () => {
      const s = (await api.call('GET', `${crPath(ns, 'pipelineschedules')}/every-minute`)).body.status as
        Obj | undefined;
      return s?.lastScheduleTime ? s : undefined;
    });
    const runs = await api.call('GET', crPath(ns, 'pipelineruns'));
    const items = runs.body.items as { metadata: { name: string; labels: Obj } }[];
    expect(items).toHaveLength(1);
    const expected = `every-minute-${Math.floor(Date.parse(String(sched.lastScheduleTime)) / 60_000)}`;
    expect(items[0]?.metadata.name).toBe(expected);
    expect(items[0]?.metadata.labels).toMatchObject({
      'medallion.dev/schedule': 'every-minute',
      'medallion.dev/pipeline': 'retail',
    });
    expect(sched.conditions).toEqual([
      expect.objectContaining({ type: 'Ready', status: 'True', reason: 'Scheduled' }),
    ]);
    await waitFor('scheduled run done', async () => terminal(await runStatus(ns, expected)));
    await executor.stop();

    const of = `namespace="${ns}",schedule="every-minute",pipeline="retail"`;
    const text = await metrics.registry.metrics();
    expect(text).toContain(`medallion_schedule_interval_seconds{${of}} 60`);
    expect(text).toContain(
      `medallion_schedule_last_schedule_timestamp_seconds{${of}} ${Date.parse(String(sched.lastScheduleTime)) / 1000}`,
    );
    expect(text).toContain(`medallion_schedule_suspended{${of}} 0`);
    // The operator's clock runs 3 minutes ahead: the minutes between the schedule's creation and the run it made
    // were missed (too late: only the latest due time runs).
    const createdAt = Date.parse(
      String(
        ((await api.call('GET', `${crPath(ns, 'pipelineschedules')}/every-minute`)).body.metadata as Obj)
          .creationTimestamp,
      ),
    );
    const lastMinute = Date.parse(String(sched.lastScheduleTime)) / 60_000;
    const skipped = lastMinute - Math.floor(createdAt / 60_000) - 1;
    expect(skipped).toBeGreaterThanOrEqual(1);
    expect(text).toContain(
      `medallion_schedule_missed_runs_total{${of},reason="starting_deadline_exceeded"} ${skipped}`,
    );
    expect(text).toContain(`medallion_schedule_missed_runs_total{${of},reason="concurrency_forbid"} 0`);
    expect(text).toMatch(
      new RegExp(`^medallion_schedule_next_schedule_timestamp_seconds\\{${of}\\} \\d+`, 'm'),
    );
    expect((await api.call('DELETE', `${crPath(ns, 'pipelineschedules')}/every-minute`)).status).toBe(200);
    await waitFor('the schedule series to go', async () =>
      (await metrics.registry.metrics()).includes('schedule="every-minute"') ? undefined : true,
    );
  });
});
