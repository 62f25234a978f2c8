import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { parse } from 'yaml';
import { parseOperatorConfig } from '../../operator/config.js';
import { runOperator, type OperatorProcess } from '../../operator/main.js';
import { startFakeJobExecutor } from '../k8s/fake-job-executor.js';
import { kubeconfigYaml } from '../k8s/start-apiserver.js';
import { ensureNamespaces, render } from './chart.js';
import { admin, apply, serviceAccountClient } from './rbac.js';

/**
 * The real operator, authenticated as the chart's operator ServiceAccount (namespace scope, the narrowest), drives a
 * manual run (then cancelled after it finished) and a scheduled run to the end: informers, Jobs, the spec ConfigMap, status of all three kinds, Events,
 * run creation and history pruning by the schedule, and the leader Lease all work with the chart's RBAC, and no
 * request is refused. Step pods (created from the operator's Jobs, with the chart's step ServiceAccount) are admitted
 * by a namespace that enforces the restricted Pod Security Standard.
 */

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- apiserver JSON

const release = 'e2e';
const ns = `${release}-system`;
const watched = `${release}-pipelines`;
const crPath = (plural: string) => `/apis/medallion.dev/v1alpha1/namespaces/${watched}/${plural}`;
const dir = mkdtempSync(join(tmpdir(), 'medallion-chart-e2e-'));
let proc: OperatorProcess | undefined;
afterAll(async () => {
  await proc?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function create(plural: string, kind: string, name: string, spec: Obj) {
  const res = await admin().call('POST', crPath(plural), {
    apiVersion: 'medallion.dev/v1alpha1',
    kind,
    metadata: { name },
    spec,
  });
  expect(res.status, JSON.stringify(res.body)).toBe(201);
}

describe('the operator with the chart RBAC (namespace scope)', () => {
  it('runs a manual and a scheduled run end to end without a single refused request', async () => {
    ensureNamespaces([ns, watched]);
    apply(render(release, ns, ['--set', 'rbac.scope=namespace', '--set', `watchNamespace=${watched}`]));
    const api = admin();

    await create('pipelines', 'Pipeline', 'retail', {
      source: { uri: '/data/online-retail' },
      job: { image: 'medallion:test', serviceAccountName: `${release}-medallion-step` },
    });
    await create('pipelineschedules', 'PipelineSchedule', 'every-5m', {
      pipelineRef: { name: 'retail' },
      schedule: '*/5 * * * *',
      successfulRunsHistoryLimit: 0,
    });
    // As if the last scheduled run was 11 minutes ago: the most recent due time is now overdue, so the schedule
    // creates a run at once, and with a history limit of 0 deletes it when it has succeeded.
    const last = new Date(Date.now() - 11 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const patched = await api.call(
      'PATCH',
      `${crPath('pipelineschedules')}/every-5m/status`,
      { status: { lastScheduleTime: last } },
      'application/merge-patch+json',
    );
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    await create('pipelineruns', 'PipelineRun', 'manual', { pipelineRef: { name: 'retail' } });

    const report = (step: string) =>
      JSON.stringify({ v: 1, step, status: 'Succeeded', rowsIn: 10, rowsOut: 10 });
    const executor = startFakeJobExecutor(api, watched, ({ step }) => ({ ok: true, message: report(step) }));

    const sa = await serviceAccountClient(ns, `${release}-medallion-operator`);
    const server = sa.server;
    const admintKubeconfig = parse(readFileSync(inject('kubeconfig'), 'utf8')) as Obj;
    const caFile = admintKubeconfig.clusters[0].cluster['certificate-authority'] as string;
    const kubeconfig = join(dir, 'operator-kubeconfig');
    writeFileSync(kubeconfig, kubeconfigYaml(server, caFile, sa.token), { mode: 0o600 });

    const logs: Obj[] = [];
    const logger = pino(
      { level: 'debug' },
      { write: (line: string) => void logs.push(JSON.parse(line) as Obj) },
    );
    const config = parseOperatorConfig(
      ['--kubeconfig', kubeconfig, '--namespace', watched, '--lease-namespace', ns, '--port', '0'],
      { POD_NAME: 'e2e-operator-0' },
    );
    proc = await runOperator(config, { logger });

    const manual = await waitFor('the manual run to succeed', async () => {
      const s = (await api.call('GET', `${crPath('pipelineruns')}/manual`)).body.status as Obj | undefined;
      return s?.phase === 'Succeeded' ? s : undefined;
    });
    expect(manual.steps.map((s: Obj) => s.phase)).toEqual(manual.steps.map(() => 'Succeeded'));
    // Cancelling a finished run only moves its generation: the operator re-reads the run (kept trimmed in its
    // cache) before writing observedGeneration 2, the one `get` the operator makes on the watched kinds.
    const cancelled = await api.call(
      'PATCH',
      `${crPath('pipelineruns')}/manual`,
      { spec: { cancelled: true } },
      'application/merge-patch+json',
    );
    expect(cancelled.status).toBe(200);
    const after = await waitFor('observedGeneration 2', async () => {
      const s = (await api.call('GET', `${crPath('pipelineruns')}/manual`)).body.status as Obj | undefined;
      return s?.observedGeneration === 2 ? s : undefined;
    });
    expect(after).toEqual({ ...manual, observedGeneration: 2 });

    const schedule = await waitFor('the scheduled run to succeed and be pruned', async () => {
      const s = (await api.call('GET', `${crPath('pipelineschedules')}/every-5m`)).body.status as
        Obj | undefined;
      const owned = await api.call(
        'GET',
        `${crPath('pipelineruns')}?labelSelector=medallion.dev%2Fschedule%3Devery-5m`,
      );
      return s?.lastSuccessfulTime && (owned.body.items as unknown[]).length === 0 ? s : undefined;
    });
    expect(Date.parse(schedule.lastScheduleTime)).toBeGreaterThan(Date.parse(last));

    const pipeline = await waitFor('the Pipeline status', async () => {
      const s = (await api.call('GET', `${crPath('pipelines')}/retail`)).body.status as Obj | undefined;
      return s?.lastSuccessfulRun ? s : undefined;
    });
    expect(pipeline.conditions).toEqual([expect.objectContaining({ type: 'Ready', status: 'True' })]);

    const events = (await api.call('GET', `/api/v1/namespaces/${watched}/events`)).body.items as Obj[];
    expect(events.filter((e) => e.source?.component === 'medallion-operator').map((e) => e.reason)).toEqual(
      expect.arrayContaining(['Running', 'Succeeded']),
    );
    const lease = await api.call(
      'GET',
      `/apis/coordination.k8s.io/v1/namespaces/${ns}/leases/medallion-operator`,
    );
    expect((lease.body.spec as Obj).holderIdentity).toBe('e2e-operator-0');

    await executor.stop();
    expect(executor.errors).toEqual([]);
    await proc.stop();
    expect(await proc.done).toBe(0);
    proc = undefined;
    const refused = logs.filter((l) => /forbidden|HTTP 403/i.test(JSON.stringify(l)));
    expect(refused).toEqual([]);
    // The logger did capture the operator's work (so an empty "refused" list is not an empty log).
    expect(logs.some((l) => l.msg === 'created step job')).toBe(true);
  });
});
