import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRunRepository } from '../../api/data/run-repository.js';
import { createClusterRunsService } from '../../api/runs/runs-service.js';
import { createKubeClient, loadKubeConfig } from '../../operator/kube/client-node-adapter.js';
import { runMigrations } from '../../runner/warehouse/run-migrations.js';
import { buildTestApp, token, type TestApp } from '../api/helpers/api-app.js';
import { startTestPostgres, type TestPostgres } from '../warehouse/helpers/test-postgres.js';
import { installCrds } from './install-crds.js';
import { kubeRest } from './kube-rest.js';

// The read API in cluster mode against the real kube-apiserver: runs come from PipelineRun resources (read through
// the operator's KubeClient), are mirrored into the run history so they outlive pruning, and POST creates a run.

const api = kubeRest(inject('kubeconfig'));
const NS = `api-${Date.now()}`;
const GROUP = '/apis/medallion.dev/v1alpha1';
const SCHEMA = 'api_k8s';
let db: TestPostgres;
let t: TestApp;

const runStatus = {
  phase: 'Succeeded',
  startTime: '2026-01-02T03:04:05Z',
  completionTime: '2026-01-02T03:14:05Z',
  steps: [
    {
      name: 'bronze',
      phase: 'Succeeded',
      attempts: 1,
      rowsIn: 541909,
      rowsOut: 541909,
      durationSeconds: 12.5,
    },
    { name: 'silver', phase: 'Succeeded', attempts: 1, rowsIn: 541909, rowsOut: 536641, durationSeconds: 30 },
  ],
  quality: { score: 0.97, failedChecks: [] },
  kpis: { revenue: 10247219.32, orders: 19960 },
};

beforeAll(async () => {
  await installCrds(api);
  expect((await api.call('POST', '/api/v1/namespaces', { metadata: { name: NS } })).status).toBe(201);
  const pipeline = {
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'Pipeline',
    metadata: { name: 'retail' },
    spec: { source: { uri: '/data' } },
  };
  expect((await api.call('POST', `${GROUP}/namespaces/${NS}/pipelines`, pipeline)).status).toBe(201);
  const run = {
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'PipelineRun',
    metadata: { name: 'retail-manual-1' },
    spec: { pipelineRef: { name: 'retail' } },
  };
  const created = await api.call('POST', `${GROUP}/namespaces/${NS}/pipelineruns`, run);
  expect(created.status).toBe(201);
  // What the operator would write when the run finished.
  const status = await api.call('PUT', `${GROUP}/namespaces/${NS}/pipelineruns/retail-manual-1/status`, {
    ...created.body,
    status: runStatus,
  });
  expect(status.status, JSON.stringify(status.body)).toBe(200);

  db = await startTestPostgres();
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  await runMigrations({ pool, schema: SCHEMA, logger: pino({ level: 'silent' }) });
  await pool.end();
  const kube = createKubeClient(loadKubeConfig({ kubeconfig: inject('kubeconfig') }));
  t = await buildTestApp({
    url: db.url,
    schema: SCHEMA,
    runs: (p) =>
      createClusterRunsService({
        kube,
        repo: createRunRepository({ pool: p, schema: SCHEMA }),
        namespace: NS,
        logger: pino({ level: 'silent' }),
        syncIntervalMs: 0,
      }),
  });
});
afterAll(async () => {
  await t?.close();
  await db?.stop();
  await api.call('DELETE', `/api/v1/namespaces/${NS}`);
});

describe('the API in cluster mode', () => {
  const viewer = async () => ({ authorization: `Bearer ${await token('viewer')}` });

  it('lists and gets PipelineRuns from the apiserver, with their steps, KPIs and quality', async () => {
    const list = await t.app.inject({ url: '/api/v1/runs', headers: await viewer() });
    expect(list.statusCode, list.body).toBe(200);
    const [run] = list.json().data;
    expect(run).toMatchObject({
      id: `${NS}:retail-manual-1`,
      source: 'cluster',
      namespace: NS,
      name: 'retail-manual-1',
      pipeline: 'retail',
      phase: 'Succeeded',
      started_at: '2026-01-02T03:04:05.000Z',
      finished_at: '2026-01-02T03:14:05.000Z',
      kpis: runStatus.kpis,
      quality_score: 0.97,
    });
    expect(run.steps).toEqual([
      {
        name: 'bronze',
        phase: 'Succeeded',
        rows_in: 541909,
        rows_out: 541909,
        duration_ms: 12500,
        message: null,
      },
      {
        name: 'silver',
        phase: 'Succeeded',
        rows_in: 541909,
        rows_out: 536641,
        duration_ms: 30000,
        message: null,
      },
    ]);
    const one = await t.app.inject({ url: `/api/v1/runs/${NS}:retail-manual-1`, headers: await viewer() });
    expect(one.json().data).toEqual(run);
    const pipelines = await t.app.inject({ url: '/api/v1/pipelines', headers: await viewer() });
    expect(pipelines.json().data).toEqual([
      expect.objectContaining({ namespace: NS, name: 'retail', source: 'cluster' }),
    ]);
  });

  it('POST creates a PipelineRun (operator only) that the apiserver holds', async () => {
    const url = `/api/v1/pipelines/${NS}/retail/runs`;
    const payload = { steps: ['silver', 'gold'], parameters: { sourceUri: '/data/2011' } };
    expect((await t.app.inject({ method: 'POST', url, payload, headers: await viewer() })).statusCode).toBe(
      403,
    );
    const operator = { authorization: `Bearer ${await token('operator', 'ops')}` };
    const res = await t.app.inject({ method: 'POST', url, payload, headers: operator });
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json().data as { id: string; name: string; phase: string };
    expect(created).toMatchObject({ pipeline: 'retail', phase: 'Pending', source: 'cluster' });
    const stored = await api.call('GET', `${GROUP}/namespaces/${NS}/pipelineruns/${created.name}`);
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({
      spec: {
        pipelineRef: { name: 'retail' },
        steps: ['silver', 'gold'],
        parameters: { sourceUri: '/data/2011' },
      },
      metadata: {
        labels: { 'medallion.dev/pipeline': 'retail' },
        annotations: { 'medallion.dev/requested-by': 'jwt:ops' },
      },
    });
    const missing = await t.app.inject({
      method: 'POST',
      url: `/api/v1/pipelines/${NS}/nope/runs`,
      headers: operator,
    });
    expect(missing.statusCode).toBe(404);
  });

  it('keeps serving a run after it is pruned from the cluster (run history)', async () => {
    await t.app.inject({ url: '/api/v1/runs', headers: await viewer() });
    expect((await api.call('DELETE', `${GROUP}/namespaces/${NS}/pipelineruns/retail-manual-1`)).status).toBe(
      200,
    );
    const one = await t.app.inject({ url: `/api/v1/runs/${NS}:retail-manual-1`, headers: await viewer() });
    expect(one.statusCode).toBe(200);
    expect(one.json().data).toMatchObject({ phase: 'Succeeded', kpis: runStatus.kpis });
    const list = await t.app.inject({ url: '/api/v1/runs?phase=Succeeded', headers: await viewer() });
    expect(list.json().data.map((r: { id: string }) => r.id)).toEqual([`${NS}:retail-manual-1`]);
  });
});
