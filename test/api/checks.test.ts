import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordRun } from '../../runner/history/record-run.js';
import { checkResult } from '../../runner/quality/check-result-fixture.js';
import type { CheckResult } from '../../runner/quality/check-result.js';
import type { RunSummary } from '../../runner/run/run-summary.js';
import { startTestPostgres, type TestPostgres } from '../warehouse/helpers/test-postgres.js';
import { buildTestApp, token, type TestApp } from './helpers/api-app.js';

/**
 * The check routes over a real PostgreSQL, filled by the real recorder (recordRun → run_history and
 * run_check_results) from run summaries that carry check results as the check engine writes them.
 */
const SCHEMA = 'wh_checks';
let pg: TestPostgres;
let t: TestApp;
let auth: Record<string, string>;

const day = (i: number) => new Date(Date.UTC(2011, 0, 3 + i, 6)).toISOString();
const anomaly = (i: number, observed: number, status: CheckResult['status']) =>
  checkResult({
    name: 'daily_lines',
    kind: 'anomaly',
    severity: 'warn',
    status,
    layer: 'silver',
    observed,
    expected: `|z| ≤ 3.5 (median 1500, MAD 120), run ${i}`,
    message: status === 'failed' ? 'far below the usual' : 'within the usual range',
    failingRows: status === 'failed' ? 1 : 0,
  });

const summary = (i: number, checks: { silver?: CheckResult[]; gold?: CheckResult[] }): RunSummary => ({
  runId: `run-${String(i).padStart(3, '0')}`,
  pipeline: 'retail',
  status: 'Succeeded',
  startedAt: day(i),
  finishedAt: day(i),
  steps: {
    silver: { status: 'Succeeded', rowsIn: 1, rowsOut: 1, durationMs: 1, checks: checks.silver ?? [] },
    gold: { status: 'Succeeded', rowsIn: 1, rowsOut: 1, durationMs: 1, checks: checks.gold ?? [] },
    warehouse: { status: 'Succeeded', rowsIn: 1, rowsOut: 1, durationMs: 1 },
  },
  quality: null,
  kpis: null,
  lineage: { inputs: [], outputs: [] },
  lake: '/nonexistent-lake',
});

const observed = [1500, 1480, 1530, 700, 1510, 1490, 1505];

beforeAll(async () => {
  pg = await startTestPostgres();
  const logger = pino({ level: 'silent' });
  for (const [i, value] of observed.entries()) {
    const s = summary(i, {
      silver: [anomaly(i, value, i === 3 ? 'failed' : i < 2 ? 'insufficientHistory' : 'passed')],
      gold: [
        checkResult({
          name: 'kpi_unique_day',
          kind: 'unique',
          layer: 'gold',
          table: 'kpi_daily',
          status: i === 5 ? 'failed' : 'passed',
          failingRows: i === 5 ? 2 : 0,
          ...(i === 5 ? { sampleKey: '_checks/run-005/kpi_unique_day.parquet' } : {}),
        }),
      ],
    });
    const r = await recordRun({
      summary: s,
      warehouse: { schema: SCHEMA },
      env: {},
      baseDir: pg.dir,
      logger,
      connect: pg.connect,
    });
    expect(r).toMatchObject({ recorded: true });
  }
  t = await buildTestApp({ url: pg.url, schema: SCHEMA });
  auth = { authorization: `Bearer ${await token('viewer')}` };
});
afterAll(async () => {
  await t?.close();
  await pg?.stop();
});

const get = (url: string) => t.app.inject({ method: 'GET', url, headers: auth });

describe('GET /api/v1/runs/{id}/checks', () => {
  it('lists the checks of a run with their tally, failures first', async () => {
    const res = await get('/api/v1/runs/run-005/checks');
    expect(res.statusCode, res.body).toBe(200);
    const { data } = res.json();
    expect(data.tally).toEqual({ passed: 1, failed: 1, warned: 0, insufficient_history: 0 });
    expect(data.checks.map((c: { name: string; status: string }) => [c.name, c.status])).toEqual([
      ['kpi_unique_day', 'failed'],
      ['daily_lines', 'passed'],
    ]);
    expect(data.checks[0]).toMatchObject({
      step: 'gold',
      kind: 'unique',
      severity: 'error',
      failing_rows: 2,
      sample_key: '_checks/run-005/kpi_unique_day.parquet',
      observed: null,
    });
    expect(data.checks[1]).toMatchObject({
      step: 'silver',
      observed: 1490,
      expected: expect.stringContaining('MAD'),
    });
  });

  it('keeps the checks of a run deleted from run_history, and answers 404 for an unknown run', async () => {
    await t.pool.query(`DELETE FROM ${SCHEMA}.run_history WHERE run_id = 'run-003'`);
    const res = await get('/api/v1/runs/run-003/checks');
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().data.tally).toMatchObject({ warned: 1 });
    const missing = await get('/api/v1/runs/no-such-run/checks');
    expect(missing.statusCode).toBe(404);
    expect(missing.json().error.code).toBe('NOT_FOUND');
  });

  it('replaces the checks of a run recorded again (no stale rows)', async () => {
    const again = summary(6, { silver: [anomaly(6, 1505, 'passed')] });
    await recordRun({
      summary: again,
      warehouse: { schema: SCHEMA },
      env: {},
      baseDir: pg.dir,
      logger: pino({ level: 'silent' }),
      connect: pg.connect,
    });
    const { data } = (await get('/api/v1/runs/run-006/checks')).json();
    expect(data.checks.map((c: { name: string }) => c.name)).toEqual(['daily_lines']);
  });
});

describe('GET /api/v1/pipelines/{p}/checks/{check}/history', () => {
  it('pages one check over time, newest first, with the observed values anomaly checks compare', async () => {
    const items: { run_id: string; observed: number; status: string }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const url = `/api/v1/pipelines/retail/checks/daily_lines/history?limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const res = await get(url);
      expect(res.statusCode, res.body).toBe(200);
      const body = res.json();
      items.push(...body.data);
      cursor = body.metadata.pagination.next_cursor;
      pages++;
    } while (cursor && pages < 10);
    expect(pages).toBe(3);
    expect(items.map((p) => p.run_id)).toEqual(observed.map((_, i) => `run-00${i}`).reverse());
    expect(items.map((p) => p.observed)).toEqual([...observed].reverse());
    expect(items.find((p) => p.status === 'failed')?.run_id).toBe('run-003');
  });

  it('filters by status and time', async () => {
    const failed = (await get('/api/v1/pipelines/retail/checks/daily_lines/history?status=failed')).json();
    expect(failed.data.map((p: { run_id: string }) => p.run_id)).toEqual(['run-003']);
    const since = encodeURIComponent(day(5));
    const recent = (await get(`/api/v1/pipelines/retail/checks/daily_lines/history?since=${since}`)).json();
    expect(recent.data.map((p: { run_id: string }) => p.run_id)).toEqual(['run-006', 'run-005']);
  });

  it('answers coded errors: unknown check, foreign cursor, bad status', async () => {
    const unknown = await get('/api/v1/pipelines/retail/checks/no_such_check/history');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error).toMatchObject({
      code: 'NOT_FOUND',
      hint: expect.stringContaining('spec.quality.checks'),
    });
    const runsCursor = Buffer.from(JSON.stringify(['runs', day(1), 'run-001'])).toString('base64url');
    const bad = await get(`/api/v1/pipelines/retail/checks/daily_lines/history?cursor=${runsCursor}`);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('INVALID_CURSOR');
    const status = await get('/api/v1/pipelines/retail/checks/daily_lines/history?status=maybe');
    expect(status.statusCode).toBe(400);
  });
});
