import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createRunRepository } from '../../api/data/run-repository.js';
import { createClusterRunsService } from '../../api/runs/runs-service.js';
import { createKubeClient, loadKubeConfig } from '../../operator/kube/client-node-adapter.js';
import { runMigrations } from '../../runner/warehouse/run-migrations.js';
import { buildTestApp, token, type TestApp } from '../api/helpers/api-app.js';
import { openBrowser, rendered, type ConsoleBrowser } from '../console/helpers/browser.js';
import type { ApiGet } from '../console/helpers/check-pages.js';
import { buildConsole } from '../console/helpers/console-server.js';
import { startTestPostgres, type TestPostgres } from '../warehouse/helpers/test-postgres.js';
import { installCrds } from './install-crds.js';
import { kubeRest } from './kube-rest.js';

// The web console in cluster mode, in real Chromium: the API reads PipelineRuns, Pipelines and PipelineSchedules from
// the real kube-apiserver, and every phase, step and freshness on screen is compared with the API's own answer.

const api = kubeRest(inject('kubeconfig'));
const NS = `console-${Date.now()}`;
const GROUP = '/apis/medallion.dev/v1alpha1';
const SCHEMA = 'console_k8s';
let db: TestPostgres;
let t: TestApp;
let base: string;
let viewer: string;
let browser: ConsoleBrowser;

const get: ApiGet = async (p) => {
  const res = await fetch(`${base}/api/v1/${p}`, { headers: { authorization: `Bearer ${viewer}` } });
  expect(res.status, p).toBe(200);
  return ((await res.json()) as { data: never }).data;
};

interface RunStatus {
  phase: string;
  startTime: string;
  completionTime?: string;
  steps: { name: string; phase: string; startTime?: string }[];
  quality?: { score: number; failedChecks: string[] };
}
const step = (name: string, phase: string, start?: string, end?: string, extra: object = {}) => ({
  name,
  phase,
  attempts: start ? 1 : 0,
  ...(start ? { startTime: start } : {}),
  ...(end ? { completionTime: end } : {}),
  ...extra,
});

// Three runs as the operator writes them through the status subresource: degraded, failed on a retried step, and
// still running (the newest, hence the pipeline's last run). No run's phase is its last step's phase, and steps that
// never started have no start time, so the page can only be right by reading the run and its steps as the API does.
const runs: Record<string, RunStatus> = {
  'retail-sched-1': {
    phase: 'Degraded',
    startTime: '2026-01-01T06:00:00Z',
    completionTime: '2026-01-01T06:04:00Z',
    steps: [
      step('bronze', 'Succeeded', '2026-01-01T06:00:01Z', '2026-01-01T06:01:00Z', {
        rowsIn: 541909,
        rowsOut: 541909,
        durationSeconds: 59,
      }),
      step('silver', 'Degraded', '2026-01-01T06:01:01Z', '2026-01-01T06:03:00Z', {
        rowsIn: 541909,
        rowsOut: 536641,
        durationSeconds: 119,
        message: 'FX rates from the last good day',
      }),
      step('gold', 'Succeeded', '2026-01-01T06:03:01Z', '2026-01-01T06:04:00Z'),
    ],
    quality: { score: 0.97, failedChecks: [] },
  },
  'retail-sched-2': {
    phase: 'Failed',
    startTime: '2026-01-02T06:00:00Z',
    completionTime: '2026-01-02T06:05:00Z',
    steps: [
      step('bronze', 'Succeeded', '2026-01-02T06:00:01Z', '2026-01-02T06:01:00Z', {
        rowsIn: 1000,
        rowsOut: 1000,
      }),
      step('silver', 'Failed', '2026-01-02T06:01:01Z', '2026-01-02T06:05:00Z', {
        attempts: 3,
        message: 'FX provider unreachable',
      }),
      step('gold', 'Cancelled'),
    ],
  },
  'retail-sched-3': {
    phase: 'Running',
    startTime: '2026-01-03T06:00:00Z',
    steps: [
      step('bronze', 'Succeeded', '2026-01-03T06:00:02Z', '2026-01-03T06:01:00Z'),
      step('silver', 'Retrying', '2026-01-03T06:01:01Z', undefined, { attempts: 2 }),
      step('gold', 'Pending'),
    ],
  },
};

const create = async (plural: string, body: object) => {
  const res = await api.call('POST', `${GROUP}/namespaces/${NS}/${plural}`, body);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as object;
};

beforeAll(async () => {
  await installCrds(api);
  expect((await api.call('POST', '/api/v1/namespaces', { metadata: { name: NS } })).status).toBe(201);
  const kind = (k: string, name: string, spec: object) => ({
    apiVersion: 'medallion.dev/v1alpha1',
    kind: k,
    metadata: { name },
    spec,
  });
  await create('pipelines', kind('Pipeline', 'retail', { source: { uri: '/data' } }));
  await create(
    'pipelineschedules',
    kind('PipelineSchedule', 'retail-daily', {
      pipelineRef: { name: 'retail' },
      schedule: '0 6 * * *',
      timeZone: 'UTC',
    }),
  );
  for (const [name, status] of Object.entries(runs)) {
    const created = await create(
      'pipelineruns',
      kind('PipelineRun', name, { pipelineRef: { name: 'retail' } }),
    );
    const res = await api.call('PUT', `${GROUP}/namespaces/${NS}/pipelineruns/${name}/status`, {
      ...created,
      status,
    });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }

  db = await startTestPostgres();
  const pool = new pg.Pool({ connectionString: db.url, max: 2 });
  await runMigrations({ pool, schema: SCHEMA, logger: pino({ level: 'silent' }) });
  await pool.end();
  const kube = createKubeClient(loadKubeConfig({ kubeconfig: inject('kubeconfig') }));
  t = await buildTestApp({
    url: db.url,
    schema: SCHEMA,
    consoleDir: buildConsole(),
    runs: (p) =>
      createClusterRunsService({
        kube,
        repo: createRunRepository({ pool: p, schema: SCHEMA }),
        namespace: NS,
        logger: pino({ level: 'silent' }),
        syncIntervalMs: 0,
      }),
  });
  base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  viewer = await token('viewer');
  browser = await openBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
  await db?.stop();
  await api.call('DELETE', `/api/v1/namespaces/${NS}`);
});

const signIn = async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/`);
  await rendered(page, 'Sign in to Medallion');
  await page.fill('#credential', viewer);
  await page.press('#credential', 'Enter');
  await rendered(page, 'Pipelines');
  return page;
};

const rowsOf = (page: Awaited<ReturnType<typeof signIn>>, table: string) =>
  page.$$eval(`${table} tbody tr`, (rows) =>
    rows.map((r) => [...r.querySelectorAll('td, th')].map((c) => (c.textContent ?? '').trim())),
  );

describe('the console in cluster mode, in Chromium', () => {
  it('shows the sign-in page, and no cluster data, without credentials', async () => {
    const page = await browser.newPage();
    const answered: number[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/api/v1/')) answered.push(r.status());
    });
    await page.goto(`${base}/#/runs/${encodeURIComponent(`${NS}:retail-sched-2`)}`);
    await rendered(page, 'Sign in to Medallion');
    expect(await page.isVisible('#credential')).toBe(true);
    expect(await page.isHidden('#nav')).toBe(true);
    expect(answered.length).toBeGreaterThan(0);
    expect(answered.every((s) => s === 401)).toBe(true);
    expect(await page.textContent('main')).not.toMatch(/retail|Failed|Succeeded|Running/);
    await page.close();
  });

  it('lists the cluster’s pipeline with its last run, phase and schedule freshness as the API answers', async () => {
    const page = await signIn();
    expect(await page.textContent('#who')).toContain('cluster mode');
    const overview = await get<
      {
        namespace: string;
        name: string;
        last_run: { id: string; phase: string } | null;
        schedule: string | null;
        freshness: string;
        durations: unknown[];
      }[]
    >('pipelines/overview');
    // The cluster holds one pipeline; its last run is the newest PipelineRun, whatever its phase.
    expect(overview.map((p) => `${p.namespace}/${p.name}`)).toEqual([`${NS}/retail`]);
    const [p] = overview;
    expect(p!.last_run?.id).toBe(`${NS}:retail-sched-3`);
    expect(p!.schedule).toBe('0 6 * * *');
    const rows = await rowsOf(page, '#pipelines');
    expect(rows).toHaveLength(1);
    expect(rows[0]![0]).toBe(`${p!.namespace}/${p!.name}`);
    expect(rows[0]![1]).toBe(p!.last_run!.id);
    expect(rows[0]![2]).toBe(p!.last_run!.phase);
    expect(rows[0]![4]).toContain(`schedule ${p!.schedule}: ${p!.freshness}`);
    expect(await page.$$eval('#pipelines svg.spark circle', (c) => c.length)).toBe(p!.durations.length);
    // Recent runs: every PipelineRun, newest first, with the phase the API gives it.
    const list = await get<{ id: string; phase: string }[]>('runs?limit=20');
    expect(list.map((r) => r.id).sort()).toEqual(Object.keys(runs).map((n) => `${NS}:${n}`));
    expect((await rowsOf(page, '#runs')).map((r) => [r[0], r[2]])).toEqual(list.map((r) => [r.id, r.phase]));
    expect(browser.outside).toEqual([]);
    expect(browser.errors).toEqual([]);
    await page.close();
  });

  it('shows each PipelineRun’s phase and step timeline as the API answers', async () => {
    const page = await signIn();
    for (const name of Object.keys(runs)) {
      const id = `${NS}:${name}`;
      await page.goto(`${base}/#/runs/${encodeURIComponent(id)}`);
      await rendered(page, `Run ${id}`);
      const run = await get<{
        phase: string;
        steps: { name: string; phase: string; rows_in: number | null; message: string | null }[];
      }>(`runs/${encodeURIComponent(id)}`);
      const timeline = await get<{
        source: string;
        spans: { step: string; attempt: number; started_at: string; finished_at: string | null }[];
      }>(`runs/${encodeURIComponent(id)}/timeline`);
      expect(await page.textContent('[data-field=phase]')).toBe(run.phase);
      // A cluster run's timeline comes from the PipelineRun's step statuses (no lineage events): one bar per step
      // the operator recorded a start for.
      expect(timeline.source).toBe('steps');
      expect(timeline.spans.map((s) => s.step)).toEqual(
        runs[name]!.steps.filter((s) => s.startTime).map((s) => s.name),
      );
      const bars = await page.$$eval('svg.timeline rect.tl-bar', (r) =>
        r.map((x) => x.getAttribute('data-step')),
      );
      expect(bars).toEqual(timeline.spans.map((s) => `${s.step} #${s.attempt}`));
      const table = await rowsOf(page, '#steps');
      expect(table.map((r) => [r[0], r[2], r[8]])).toEqual(
        run.steps.map((s) => [s.name, s.phase, s.message ?? '']),
      );
      for (const row of table) {
        const span = timeline.spans.find((s) => s.step === row[0]);
        expect(row.slice(1, 5), `${id} ${row[0]}`).toEqual(
          span
            ? [
                String(span.attempt),
                expect.any(String),
                span.started_at.slice(11, 23),
                (span.finished_at ?? '').slice(11, 23) || expect.any(String),
              ]
            : ['1', expect.any(String), '–', '–'],
        );
      }
    }
    expect(browser.outside).toEqual([]);
    expect(browser.errors).toEqual([]);
    await page.close();
  });
});
