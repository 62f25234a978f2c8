import { pino } from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { startOperator, type RunningOperator } from '../../operator/controller/start-operator.js';
import { createKubeClient, loadKubeConfig } from '../../operator/kube/client-node-adapter.js';
import { isStatus, type KubeClient } from '../../operator/kube/kube-client.js';
import { createOperatorMetrics } from '../../operator/metrics.js';
import { startFakeJobExecutor, type Script } from './fake-job-executor.js';
import { installCrds } from './install-crds.js';
import { kubeRest } from './kube-rest.js';

// 409 Conflict storms: another client keeps changing the PipelineRun (metadata patches bump its resourceVersion)
// while the operator reconciles it, so the operator's status writes (PUT with its cached resourceVersion) keep
// failing. The run must still end with a correct status, each Job created once, each Event sent once.

const api = kubeRest(inject('kubeconfig'));
const client = createKubeClient(loadKubeConfig({ kubeconfig: inject('kubeconfig') }));
type Obj = Record<string, unknown>;
let op: RunningOperator | undefined;
afterAll(() => op?.stop());

describe('status write conflicts', () => {
  it('a run bumped by another writer every 25 ms still finishes with a correct status and no duplicates', async () => {
    await installCrds(api);
    const ns = `conflict-${Date.now()}`;
    await api.call('POST', '/api/v1/namespaces', { metadata: { name: ns } });
    await api.call('POST', `/api/v1/namespaces/${ns}/serviceaccounts`, { metadata: { name: 'default' } });
    const crs = `/apis/medallion.dev/v1alpha1/namespaces/${ns}`;
    const report = (step: string, attempt: number) =>
      JSON.stringify({ v: 1, step, status: 'Succeeded', rowsIn: 1000 + attempt, rowsOut: 900 + step.length });
    // silver fails once, so the conflicts also hit a retry.
    const script: Script = ({ step, attempt }) =>
      step === 'silver' && attempt === 1
        ? { ok: false, message: 'Error: lake is locked' }
        : { ok: true, message: report(step, attempt) };
    const executor = startFakeJobExecutor(api, ns, script);
    let bumps = 0;
    const bump = () =>
      api.call(
        'PATCH',
        `${crs}/pipelineruns/contended`,
        { metadata: { annotations: { 'example.com/bump': String(bumps++) } } },
        'application/merge-patch+json',
      );
    const metrics = createOperatorMetrics();
    // Besides the steady bumping below, two of every three of the operator's run status writes are preceded by a
    // bump, so their resourceVersion is stale for certain: the apiserver's 409 is guaranteed, not left to timing.
    let statusWrites = 0;
    let conflicts = 0;
    const contended: KubeClient = {
      ...client,
      async replaceStatus(c, body) {
        if (c.plural === 'pipelineruns' && statusWrites++ % 3 !== 2) await bump();
        try {
          await client.replaceStatus(c, body);
        } catch (e) {
          if (c.plural === 'pipelineruns' && isStatus(e, 409)) conflicts++;
          throw e;
        }
      },
    };
    op = startOperator({
      client: contended,
      logger: pino({ level: process.env.MEDALLION_TEST_LOG ?? 'silent' }),
      namespace: ns,
      defaultImage: 'medallion:test',
      metrics,
    });
    await op.synced;
    await api.call('POST', `${crs}/pipelines`, {
      apiVersion: 'medallion.dev/v1alpha1',
      kind: 'Pipeline',
      metadata: { name: 'retail' },
      spec: { source: { uri: '/data' }, job: { image: 'medallion:test' } },
    });
    const created = await api.call('POST', `${crs}/pipelineruns`, {
      apiVersion: 'medallion.dev/v1alpha1',
      kind: 'PipelineRun',
      metadata: { name: 'contended' },
      spec: {
        pipelineRef: { name: 'retail' },
        retries: { limit: 1, backoffSeconds: 1, maxBackoffSeconds: 1 },
      },
    });
    expect(created.status).toBe(201);

    // The other writer: merge patches of an annotation, every 25 ms.
    let done: Obj | undefined;
    const deadline = Date.now() + 50_000;
    while (!done && Date.now() < deadline) {
      const res = await bump();
      expect(res.status).toBe(200);
      const status = (res.body.status ?? {}) as Obj;
      if (['Succeeded', 'Degraded', 'Failed', 'Cancelled'].includes(String(status.phase))) done = status;
      await new Promise((r) => setTimeout(r, 25));
    }
    await executor.stop();
    expect(executor.errors).toEqual([]);
    expect(done, `not finished after ${bumps} bumps`).toBeDefined();

    // The conflicts happened, each failed that reconcile (nothing else did) and was retried.
    await op.runQueue.idle();
    const text = await metrics.registry.metrics();
    const errors = Number(
      /^medallion_reconcile_errors_total\{controller="pipelinerun"\} (\d+)$/m.exec(text)?.[1],
    );
    expect(conflicts).toBeGreaterThanOrEqual(6);
    expect({ errors, statusWrites }).toEqual({ errors: conflicts, statusWrites });

    const status = done as Obj;
    expect(status.phase).toBe('Succeeded');
    expect(
      (status.steps as Obj[]).map((s) => [s.name, s.phase, s.attempts, s.jobName, s.rowsIn, s.rowsOut]),
    ).toEqual([
      ['bronze', 'Succeeded', 1, 'contended-bronze-1', 1001, 906],
      ['silver', 'Succeeded', 2, 'contended-silver-2', 1002, 906],
      ['gold', 'Succeeded', 1, 'contended-gold-1', 1001, 904],
    ]);
    const jobs = await api.call('GET', `/apis/batch/v1/namespaces/${ns}/jobs`);
    expect((jobs.body.items as { metadata: { name: string } }[]).map((j) => j.metadata.name).sort()).toEqual([
      'contended-bronze-1',
      'contended-gold-1',
      'contended-silver-1',
      'contended-silver-2',
    ]);
    expect(executor.executed.sort()).toEqual([
      'contended-bronze-1',
      'contended-gold-1',
      'contended-silver-1',
      'contended-silver-2',
    ]);
    // One Event per transition, although most reconciles computed them and then lost the write.
    const events = await api.call('GET', `/api/v1/namespaces/${ns}/events`);
    const reasons = (events.body.items as { reason: string }[]).map((e) => e.reason).sort();
    expect(reasons).toEqual(['Running', 'StepAttemptFailed', 'StepRetried', 'Succeeded']);
    // The run is counted once as finished.
    expect(text).toContain(
      `medallion_run_completions_total{namespace="${ns}",pipeline="retail",phase="Succeeded"} 1`,
    );
  }, 60_000);
});
