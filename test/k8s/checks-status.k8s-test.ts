import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startOperator, type RunningOperator } from '../../operator/controller/start-operator.js';
import { createKubeClient, loadKubeConfig } from '../../operator/kube/client-node-adapter.js';
import { k8sTime } from '../../operator/core/conditions.js';
import { createOperatorMetrics } from '../../operator/metrics.js';
import { startFakeJobExecutor, type Script } from './fake-job-executor.js';
import { installCrds } from './install-crds.js';
import { kubeRest } from './kube-rest.js';
import { waitFor } from './wait-for.js';

/**
 * Declared-check results through a real apiserver: the step reports' checks land in the PipelineRun status (the CRD's
 * generated schema accepts them), a failed warn check degrades the run, a failed error check fails it with the check
 * named, and medallion_quality_check_failures follows the last finished run.
 */
const api = kubeRest(inject('kubeconfig'));
const client = createKubeClient(loadKubeConfig({ kubeconfig: inject('kubeconfig') }));
const logger = pino({ level: process.env.MEDALLION_TEST_LOG ?? 'silent' });
type Obj = Record<string, unknown>;
const ns = `checks-${Date.now()}`;
const crPath = (plural: string) => `/apis/medallion.dev/v1alpha1/namespaces/${ns}/${plural}`;
let operator: RunningOperator | undefined;

const report = (step: string, extra: Obj = {}) =>
  JSON.stringify({ v: 1, step, status: 'Succeeded', rowsIn: 10, rowsOut: 10, durationMs: 5, ...extra });

// run-warn: silver warns on daily_lines. run-error: gold fails on orders_unique (and warns on daily_lines).
const script: Script = ({ name, step }) => {
  if (step === 'silver')
    return {
      ok: true,
      message: report('silver', {
        checks: { passed: 2, failed: 0, warned: 1, insufficientHistory: 0, failing: ['daily_lines'] },
      }),
    };
  if (step === 'gold' && name.startsWith('run-error-'))
    return {
      ok: false,
      message: report('gold', {
        status: 'Failed',
        error: { code: 'CHECK_FAILED', message: 'gold not published' },
        checks: { passed: 1, failed: 1, warned: 0, insufficientHistory: 0, failing: ['orders_unique'] },
      }),
    };
  return { ok: true, message: report(step) };
};

let last: Obj = {};
const finished = async (name: string): Promise<Obj> =>
  waitFor(
    `${name} to finish (last status ${JSON.stringify(last)})`,
    async () => {
      const s = ((await api.call('GET', `${crPath('pipelineruns')}/${name}`)).body.status ?? {}) as Obj;
      last = s;
      return ['Succeeded', 'Degraded', 'Failed'].includes(String(s.phase)) ? s : undefined;
    },
    40_000,
  );

beforeAll(async () => {
  await installCrds(api);
  expect((await api.call('POST', '/api/v1/namespaces', { metadata: { name: ns } })).status).toBe(201);
  await api.call('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, { metadata: { name: 'default' } });
});
afterAll(async () => {
  await operator?.stop();
});

describe('declared checks on the PipelineRun status', () => {
  it('degrades on a warn check, fails on an error check with its name, and exports the gauge', async () => {
    const executor = startFakeJobExecutor(api, ns, script);
    const metrics = createOperatorMetrics();
    operator = startOperator({ client, logger, namespace: ns, defaultImage: 'medallion:test', metrics });
    await operator.synced;
    const create = async (plural: string, kind: string, name: string, spec: Obj) =>
      expect(
        (
          await api.call('POST', crPath(plural), {
            apiVersion: 'medallion.dev/v1alpha1',
            kind,
            metadata: { name },
            spec,
          })
        ).status,
      ).toBe(201);
    await create('pipelines', 'Pipeline', 'retail', {
      source: { uri: '/data' },
      job: { image: 'medallion:test' },
    });
    await create('pipelineruns', 'PipelineRun', 'run-warn', { pipelineRef: { name: 'retail' } });
    const warn = await finished('run-warn');
    expect(warn.phase).toBe('Degraded');
    expect(warn.quality).toEqual({
      checks: {
        passed: 2,
        failed: 0,
        warned: 1,
        insufficientHistory: 0,
        failing: [{ name: 'daily_lines', severity: 'warn', step: 'silver' }],
      },
    });
    expect((warn.conditions as Obj[])[0]?.message).toBe(
      'completed with warnings in silver (warning checks: daily_lines)',
    );
    const of = `namespace="${ns}",pipeline="retail"`;
    await waitFor('the gauge for run-warn', async () =>
      (await metrics.registry.metrics()).includes(
        `medallion_quality_check_failures{${of},check="daily_lines",severity="warn"} 1`,
      )
        ? true
        : undefined,
    );

    // "Last finished" has the second precision of Kubernetes times: run-error must finish in a later second.
    await waitFor('the next second', async () =>
      k8sTime(new Date()) > String(warn.completionTime) ? true : undefined,
    );
    await create('pipelineruns', 'PipelineRun', 'run-error', {
      pipelineRef: { name: 'retail' },
      retries: { limit: 0 },
    });
    const error = await finished('run-error');
    await executor.stop();
    expect(executor.errors).toEqual([]);
    expect(error.phase).toBe('Failed');
    const gold = (error.steps as Obj[]).find((s) => s.name === 'gold');
    expect(gold).toMatchObject({
      phase: 'Failed',
      message: 'gold not published (failing checks: orders_unique)',
      checks: { failed: 1, failing: ['orders_unique'] },
    });
    expect((error.quality as Obj).checks).toMatchObject({
      passed: 3,
      failed: 1,
      warned: 1,
      failing: [
        { name: 'orders_unique', severity: 'error', step: 'gold' },
        { name: 'daily_lines', severity: 'warn', step: 'silver' },
      ],
    });
    // The gauge follows the last finished run: both checks fail in run-error.
    await waitFor('the gauge for run-error', async () => {
      const text = await metrics.registry.metrics();
      return text.includes(
        `medallion_quality_check_failures{${of},check="orders_unique",severity="error"} 1`,
      ) && text.includes(`medallion_quality_check_failures{${of},check="daily_lines",severity="warn"} 1`)
        ? true
        : undefined;
    });
  });
});
