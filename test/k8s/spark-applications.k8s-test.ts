import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, inject, it } from 'vitest';
import { startOperator, type RunningOperator } from '../../operator/controller/start-operator.js';
import type { PipelineObject, PipelineRunObject } from '../../operator/core/resources.js';
import { createKubeClient, loadKubeConfig } from '../../operator/kube/client-node-adapter.js';
import { buildSparkApplication } from '../../operator/run/spark-application.js';
import { PipelineResourceSpecSchema } from '../../operator/spec/pipeline-resource.js';
import { PipelineRunSpecSchema } from '../../operator/spec/pipeline-run.js';
import { startFakeJobExecutor, type Script } from './fake-job-executor.js';
import { startFakeSparkOperator, type SparkScript } from './fake-spark-operator.js';
import { installCrds } from './install-crds.js';
import { kubeRest } from './kube-rest.js';
import { ensureEngineTypeInPipelineCrd, installSparkCrd, removeSparkCrd } from './spark-operator-crd.js';
import { waitFor } from './wait-for.js';

/**
 * Spark steps on Kubernetes: SparkApplications instead of Jobs, validated by the Kubeflow Spark Operator's published
 * CRD, run to completion by a stand-in for the Spark Operator; and the run's clear failure without that CRD. The
 * missing-CRD case comes first in this file and removes the CRD itself, so the order of files does not matter.
 */

const api = kubeRest(inject('kubeconfig'));
const client = createKubeClient(loadKubeConfig({ kubeconfig: inject('kubeconfig') }));
const logger = pino({ level: process.env.MEDALLION_TEST_LOG ?? 'silent' });
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- apiserver JSON

let nsCounter = 0;
async function namespace(): Promise<string> {
  const ns = `spark-${Date.now()}-${nsCounter++}`;
  expect((await api.call('POST', '/api/v1/namespaces', { metadata: { name: ns } })).status).toBe(201);
  const sa = await api.call('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, {
    metadata: { name: 'default' },
  });
  expect(sa.status).toBe(201);
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
  return res.body as Obj;
}
const runStatus = async (ns: string, name: string) =>
  ((await api.call('GET', `${crPath(ns, 'pipelineruns')}/${name}`)).body.status ?? {}) as Obj;
const terminal = (s: Obj) =>
  ['Succeeded', 'Degraded', 'Failed', 'Cancelled'].includes(String(s.phase)) ? s : undefined;
const report = (step: string, extra: Obj = {}) =>
  JSON.stringify({ v: 1, step, status: 'Succeeded', rowsIn: 100, rowsOut: 98, durationMs: 2500, ...extra });

const sparkEngine = {
  type: 'spark',
  spark: {
    driver: { cores: 1, memory: '2g' },
    executor: { cores: 2, memory: '4g', instances: 2 },
    image: 'medallion-spark:test',
    conf: { 'spark.sql.shuffle.partitions': '8' },
  },
};
const sparkPipeline = {
  source: { uri: '/data/online-retail' },
  job: { image: 'medallion:test' },
  engine: sparkEngine,
};
const bronzeOnly: Script = ({ step }) => ({ ok: true, message: report(step) });

let operators: RunningOperator[] = [];
const start = async (ns: string) => {
  const op = startOperator({ client, logger, namespace: ns, defaultImage: 'medallion:test' });
  operators.push(op);
  await op.synced;
  return op;
};

beforeAll(async () => {
  await installCrds(api);
  await ensureEngineTypeInPipelineCrd(api);
});
afterEach(async () => {
  await Promise.all(operators.map((o) => o.stop()));
  operators = [];
});
afterAll(() => removeSparkCrd(api));

describe('without the Spark Operator', () => {
  it('fails a spark run at once with SparkOperatorMissing, and leaves duckdb pipelines alone', async () => {
    await removeSparkCrd(api);
    const ns = await namespace();
    const jobs = startFakeJobExecutor(api, ns, bronzeOnly);
    await start(ns);
    await create(ns, 'pipelines', 'Pipeline', 'spark', sparkPipeline);
    await create(ns, 'pipelines', 'Pipeline', 'duck', {
      source: { uri: '/data' },
      job: { image: 'medallion:test' },
    });
    await create(ns, 'pipelineruns', 'PipelineRun', 'on-spark', { pipelineRef: { name: 'spark' } });
    await create(ns, 'pipelineruns', 'PipelineRun', 'on-duck', {
      pipelineRef: { name: 'duck' },
      steps: ['bronze'],
    });

    const failed = await waitFor('on-spark to finish', async () => terminal(await runStatus(ns, 'on-spark')));
    expect(failed.phase).toBe('Failed');
    const cond = (failed.conditions as Obj[]).find((c) => c.type === 'Succeeded');
    expect(cond).toMatchObject({ status: 'False', reason: 'SparkOperatorMissing' });
    expect(cond?.message).toMatch(/Kubeflow Spark Operator.*engine.type duckdb/);
    expect((failed.steps as Obj[]).find((s) => s.name === 'silver')).toMatchObject({ phase: 'Failed' });
    const duck = await waitFor('on-duck to finish', async () => terminal(await runStatus(ns, 'on-duck')));
    expect(duck.phase).toBe('Succeeded');
    await jobs.stop();
    expect(jobs.errors).toEqual([]);
    // Nothing was started for the spark run: no bronze Job spent on a run that cannot finish.
    expect(jobs.executed).toEqual(['on-duck-bronze-1']);
    const events = (await api.call('GET', `/api/v1/namespaces/${ns}/events`)).body.items as Obj[];
    expect(events.filter((e) => e.reason === 'SparkOperatorMissing')).toHaveLength(1);
  });
});

describe('with the Spark Operator’s CRD', () => {
  beforeAll(() => installSparkCrd(api));

  const run = (ns: string): PipelineRunObject => ({
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'PipelineRun',
    metadata: { name: 'r1', namespace: ns, uid: '5f2c7a9e-0000-4000-8000-000000000001', generation: 1 },
    spec: PipelineRunSpecSchema.parse({
      pipelineRef: { name: 'retail' },
      parameters: { sourceUri: 's3://landing/retail/' },
      partitions: { from: '2011-01-01', to: '2011-01-31' },
    }),
  });
  const pipeline = (ns: string, engine: Obj, spec: Obj = {}): PipelineObject => {
    const parsed = PipelineResourceSpecSchema.parse({ source: { uri: '/data' }, ...spec });
    return {
      apiVersion: 'medallion.dev/v1alpha1',
      kind: 'Pipeline',
      metadata: { name: 'retail', namespace: ns },
      spec: { ...parsed, engine: { ...parsed.engine, type: 'spark', ...engine } },
    } as PipelineObject;
  };

  it('accepts every SparkApplication the operator builds (strict field validation, nothing pruned)', async () => {
    const ns = await namespace();
    const variants: [string, PipelineObject, object?][] = [
      ['defaults', pipeline(ns, {})],
      ['sized', pipeline(ns, sparkEngine)],
      [
        'dynamic allocation, local lake on a claim',
        pipeline(
          ns,
          { spark: { dynamicAllocation: { enabled: true, minExecutors: 1, maxExecutors: 8 } } },
          { job: { lakeVolume: { claimName: 'lake', subPath: 'retail' }, nodeSelector: { pool: 'spark' } } },
        ),
      ],
      [
        'object-store lake, secrets, env, warehouse',
        pipeline(ns, sparkEngine, {
          lake: { uri: 's3://lake/retail', s3: { credentialsSecret: { name: 'lake-creds' } } },
          warehouse: { secretRef: { name: 'wh' } },
          job: {
            serviceAccountName: 'spark',
            imagePullPolicy: 'Always',
            env: [
              { name: 'TZ', value: 'UTC' },
              { name: 'TOKEN', secretKeyRef: { name: 's', key: 'token' } },
            ],
            envFrom: [{ configMapRef: 'settings', prefix: 'APP_' }],
            resources: { requests: { cpu: '1' } },
          },
        }),
        { endpoint: 'http://minio:9000', region: 'eu-west-1' },
      ],
    ];
    let i = 0;
    for (const [what, p, s3] of variants) {
      for (const step of ['silver', 'gold']) {
        const app = buildSparkApplication(run(ns), p, step, ++i, 'medallion:test', s3 ?? {}, {
          suspend: i % 2 === 0,
          ...(i % 2 === 0 ? { queueName: 'spark' } : {}),
        });
        const res = await api.call(
          'POST',
          `/apis/sparkoperator.k8s.io/v1beta2/namespaces/${ns}/sparkapplications?fieldValidation=Strict`,
          app,
        );
        expect(res.status, `${what} ${step}: ${JSON.stringify(res.body).slice(0, 600)}`).toBe(201);
        expect(res.body.spec, `${what} ${step}: stored as built`).toEqual(app.spec);
      }
    }
  });

  const sparkScript: SparkScript = ({ step, attempt, spec }) => {
    if (step === 'silver' && attempt === 1) return { ok: false, message: 'Error: executor lost\n' };
    // What the driver was told to run: the step command, as the Job's container would.
    if (!String(spec.arguments.join(' ')).includes(`--steps ${step}`))
      return { ok: false, message: 'wrong step' };
    if (step === 'silver')
      return { ok: true, message: report('silver', { quality: { score: 0.97, failedChecks: [] } }) };
    return { ok: true, message: report('gold', { kpis: { revenue: 8911.5, orders: 42 } }) };
  };

  it('runs silver and gold as SparkApplications to Succeeded: a retried attempt, the reports in the status', async () => {
    const ns = await namespace();
    const jobs = startFakeJobExecutor(api, ns, bronzeOnly);
    const spark = startFakeSparkOperator(api, ns, sparkScript);
    await start(ns);
    await create(ns, 'pipelines', 'Pipeline', 'retail', sparkPipeline);
    const runObj = await create(ns, 'pipelineruns', 'PipelineRun', 'run-1', {
      pipelineRef: { name: 'retail' },
      retries: { limit: 2, backoffSeconds: 1, maxBackoffSeconds: 1 },
    });
    const status = await waitFor('run-1 to finish', async () => terminal(await runStatus(ns, 'run-1')));
    await Promise.all([jobs.stop(), spark.stop()]);
    expect([...jobs.errors, ...spark.errors]).toEqual([]);
    expect(jobs.executed).toEqual(['run-1-bronze-1']);
    expect(spark.executed).toEqual(['run-1-silver-1', 'run-1-silver-2', 'run-1-gold-1']);
    expect(status).toMatchObject({
      phase: 'Succeeded',
      quality: { score: 0.97 },
      kpis: { revenue: 8911.5, orders: 42 },
    });
    expect((status.steps as Obj[]).map((s) => [s.name, s.phase, s.attempts, s.jobName, s.rowsOut])).toEqual([
      ['bronze', 'Succeeded', 1, 'run-1-bronze-1', 98],
      ['silver', 'Succeeded', 2, 'run-1-silver-2', 98],
      ['gold', 'Succeeded', 1, 'run-1-gold-1', 98],
    ]);
    const app = (
      await api.call(
        'GET',
        `/apis/sparkoperator.k8s.io/v1beta2/namespaces/${ns}/sparkapplications/run-1-gold-1`,
      )
    ).body as Obj;
    expect(app.metadata.ownerReferences).toEqual([
      expect.objectContaining({
        kind: 'PipelineRun',
        name: 'run-1',
        uid: runObj.metadata.uid,
        controller: true,
      }),
    ]);
    expect(app.metadata.labels).toMatchObject({ 'medallion.dev/run': 'run-1', 'medallion.dev/step': 'gold' });
    expect(app.spec).toMatchObject({
      image: 'medallion-spark:test',
      executor: { instances: 2, memory: '4g' },
    });
  });

  it('reads the driver report that arrives after the application is seen COMPLETED (separate watches)', async () => {
    const ns = await namespace();
    const spark = startFakeSparkOperator(api, ns, sparkScript, { podStatusLagMs: 1500 });
    await start(ns);
    await create(ns, 'pipelines', 'Pipeline', 'retail', sparkPipeline);
    await create(ns, 'pipelineruns', 'PipelineRun', 'lag', {
      pipelineRef: { name: 'retail' },
      steps: ['gold'],
    });
    const began = Date.now();
    // Well before the 30 s the run would wait for a report if the driver Pod's watch event did not requeue it.
    const status = await waitFor('lag to finish', async () => terminal(await runStatus(ns, 'lag')), 10_000);
    await spark.stop();
    expect(spark.errors).toEqual([]);
    expect(Date.now() - began).toBeLessThan(10_000);
    expect(status).toMatchObject({ phase: 'Succeeded', kpis: { revenue: 8911.5, orders: 42 } });
  });

  it('fails the run when a Spark step fails every attempt, and deletes a cancelled run’s application', async () => {
    const ns = await namespace();
    const jobs = startFakeJobExecutor(api, ns, bronzeOnly);
    const spark = startFakeSparkOperator(api, ns, ({ step }) =>
      step === 'gold'
        ? 'hang'
        : { ok: false, message: 'Error: Decimal precision 39 exceeds max precision 38\n' },
    );
    await start(ns);
    await create(ns, 'pipelines', 'Pipeline', 'retail', sparkPipeline);
    await create(ns, 'pipelineruns', 'PipelineRun', 'bad', {
      pipelineRef: { name: 'retail' },
      steps: ['silver'],
      retries: { limit: 0 },
    });
    const failed = await waitFor('bad to finish', async () => terminal(await runStatus(ns, 'bad')));
    expect(failed.phase).toBe('Failed');
    expect((failed.steps as Obj[])[0]?.message).toContain('Decimal precision 39 exceeds max precision 38');

    await create(ns, 'pipelineruns', 'PipelineRun', 'stopped', {
      pipelineRef: { name: 'retail' },
      steps: ['gold'],
    });
    const appPath = `/apis/sparkoperator.k8s.io/v1beta2/namespaces/${ns}/sparkapplications/stopped-gold-1`;
    await waitFor('gold running', async () =>
      ((await api.call('GET', appPath)).body as Obj).status?.applicationState?.state === 'RUNNING'
        ? true
        : undefined,
    );
    const cancel = await api.call(
      'PATCH',
      `${crPath(ns, 'pipelineruns')}/stopped`,
      { spec: { cancelled: true } },
      'application/merge-patch+json',
    );
    expect(cancel.status).toBe(200);
    const cancelled = await waitFor('stopped to finish', async () =>
      terminal(await runStatus(ns, 'stopped')),
    );
    expect(cancelled.phase).toBe('Cancelled');
    // Without a garbage collector here, deletion is immediate: the application is gone.
    await waitFor('the application deleted', async () =>
      (await api.call('GET', appPath)).status === 404 ? true : undefined,
    );
    await Promise.all([jobs.stop(), spark.stop()]);
    expect([...jobs.errors, ...spark.errors]).toEqual([]);
  });

  it('fails a spark run with SparkOperatorMissing when the CRD goes away under a running operator', async () => {
    const ns = await namespace();
    await start(ns);
    await removeSparkCrd(api);
    await create(ns, 'pipelines', 'Pipeline', 'retail', sparkPipeline);
    await create(ns, 'pipelineruns', 'PipelineRun', 'late', {
      pipelineRef: { name: 'retail' },
      steps: ['gold'],
    });
    const failed = await waitFor('late to finish', async () => terminal(await runStatus(ns, 'late')));
    expect(failed.phase).toBe('Failed');
    expect((failed.conditions as Obj[]).find((c) => c.type === 'Succeeded')?.reason).toBe(
      'SparkOperatorMissing',
    );
  });
});
