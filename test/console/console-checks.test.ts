import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordRun } from '../../runner/history/record-run.js';
import { checkResult } from '../../runner/quality/check-result-fixture.js';
import type { CheckResult } from '../../runner/quality/check-result.js';
import type { RunSummary } from '../../runner/run/run-summary.js';
import { buildTestApp, token, type TestApp } from '../api/helpers/api-app.js';
import { startTestPostgres, type TestPostgres } from '../warehouse/helpers/test-postgres.js';
import { axeViolations, openBrowser, rendered, type ConsoleBrowser } from './helpers/browser.js';
import { buildConsole } from './helpers/console-server.js';

/**
 * The run page's declared checks in real Chromium, over the real API and a real PostgreSQL filled by the real
 * recorder. What the page shows is compared with what GET /runs/{id}/checks answers.
 */
const SCHEMA = 'wh_console_checks';
let pg: TestPostgres;
let t: TestApp;
let base: string;
let viewer: string;
let browser: ConsoleBrowser;

const summary = (runId: string, checks: CheckResult[]): RunSummary => ({
  runId,
  pipeline: 'retail',
  status: checks.some((c) => c.status === 'failed') ? 'Degraded' : 'Succeeded',
  startedAt: '2011-01-04T06:00:00.000Z',
  finishedAt: '2011-01-04T06:01:00.000Z',
  steps: {
    silver: { status: 'Succeeded', rowsIn: 10, rowsOut: 9, durationMs: 1000, checks },
    warehouse: { status: 'Succeeded', rowsIn: 9, rowsOut: 9, durationMs: 1000 },
  },
  quality: null,
  kpis: null,
  lineage: { inputs: [], outputs: [] },
  lake: '/nonexistent-lake',
});

beforeAll(async () => {
  const consoleDir = buildConsole();
  pg = await startTestPostgres();
  const logger = pino({ level: 'silent' });
  const runs = [
    summary('run-checks', [
      checkResult({ name: 'invoice_not_null', observed: 0, expected: '0 nulls' }),
      checkResult({
        name: 'daily_lines',
        kind: 'anomaly',
        severity: 'warn',
        status: 'failed',
        failingRows: 1,
        observed: 702,
        expected: '|z| ≤ 3.5 (median 1500, MAD 120)',
        message: 'robust z-score -4.4: far fewer lines than usual',
      }),
      checkResult({
        name: 'revenue_trend',
        kind: 'anomaly',
        status: 'insufficientHistory',
        message: '2 of 7 runs',
      }),
    ]),
    summary('run-plain', []),
  ];
  for (const s of runs) {
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
  t = await buildTestApp({ url: pg.url, schema: SCHEMA, consoleDir });
  base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  viewer = await token('viewer');
  browser = await openBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
  await pg?.stop();
});

interface ApiChecks {
  tally: Record<string, number>;
  checks: {
    name: string;
    status: string;
    kind: string;
    severity: string;
    observed: number | null;
    expected: string | null;
  }[];
}
const apiChecks = async (runId: string): Promise<ApiChecks> => {
  const res = await fetch(`${base}/api/v1/runs/${runId}/checks`, {
    headers: { authorization: `Bearer ${viewer}` },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { data: ApiChecks }).data;
};

describe('console run page: declared checks', () => {
  it("shows each check's kind, severity, result and observed against expected, as the API reports them", async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    await page.fill('#credential', viewer);
    await page.press('#credential', 'Enter');
    await page.goto(`${base}/#/runs/run-checks`);
    await rendered(page, 'Run run-checks');
    const d = await apiChecks('run-checks');
    for (const [k, n] of Object.entries(d.tally))
      expect(await page.textContent(`[data-tally="${k}"]`), k).toBe(String(n));
    const rows = await page.$$eval('#declared-checks tbody tr', (trs) =>
      trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
    );
    expect(rows.map((r) => r[0])).toEqual(d.checks.map((c) => c.name));
    // The failing one first, as the API orders them.
    expect(rows[0]![0]).toBe('daily_lines');
    for (const [i, c] of d.checks.entries()) {
      const row = rows[i]!;
      expect(row[1]).toBe(c.kind);
      expect(row[3]).toBe(c.severity);
      expect(row[4]).toBe(c.status);
      expect(row[5]).toBe(c.observed === null ? '–' : c.observed.toLocaleString('en-GB'));
      expect(row[6]).toBe(c.expected ?? '–');
    }
    expect(await page.getAttribute('[data-check-status="daily_lines"]', 'class')).toContain('check-fail');
    const serious = (await axeViolations(page)).filter(
      (v) => v.impact === 'serious' || v.impact === 'critical',
    );
    expect(serious).toEqual([]);

    await page.goto(`${base}/#/runs/run-plain`);
    await rendered(page, 'Run run-plain');
    expect(await page.textContent('#declared-checks')).toBe('No declared checks ran in this run.');
    expect(browser.outside).toEqual([]);
    expect(browser.errors).toEqual([]);
    await page.close();
  });
});
