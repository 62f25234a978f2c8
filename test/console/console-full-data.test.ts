import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, token, type TestApp } from '../api/helpers/api-app.js';
import { axeViolations, openBrowser, type ConsoleBrowser } from './helpers/browser.js';
import {
  checkKpiPage,
  checkPipelinesPage,
  checkProductsPage,
  checkRunPage,
  type ApiGet,
} from './helpers/check-pages.js';
import { buildConsole } from './helpers/console-server.js';
import { FULL_SCHEMA, runFullData, type FullDataRun } from './helpers/full-data.js';

/**
 * The console on a run of the full Online Retail data (541,909 lines, 305 days): every page against the API's
 * numbers. The run page's first-render budget is checked by bench/console-render-bench.ts (docs/benchmarks.md), not
 * by a timed test.
 */
let full: FullDataRun;
let t: TestApp;
let base: string;
let viewer: string;
let browser: ConsoleBrowser;
const api: ApiGet = async (p) => {
  const res = await fetch(`${base}/api/v1/${p}`, { headers: { authorization: `Bearer ${viewer}` } });
  expect(res.status, p).toBe(200);
  return ((await res.json()) as { data: never }).data;
};

beforeAll(async () => {
  const consoleDir = buildConsole();
  full = await runFullData();
  t = await buildTestApp({ url: full.pg.url, schema: FULL_SCHEMA, consoleDir });
  base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  viewer = await token('viewer');
  // As behind an authenticating proxy: every request carries the bearer token.
  browser = await openBrowser({ extraHTTPHeaders: { authorization: `Bearer ${viewer}` } });
}, 900_000);
afterAll(async () => {
  await browser?.close();
  await t?.close();
  await full?.close();
});

describe('console on the full data', () => {
  it('renders every page with the API’s numbers, offline and accessibly', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    await checkPipelinesPage(page, api);
    const [run] = await api<{ id: string }[]>('runs');
    await page.goto(`${base}/#/runs/${encodeURIComponent(run!.id)}`);
    await checkRunPage(page, api, run!.id);
    const serious = (await axeViolations(page)).filter(
      (v) => v.impact === 'serious' || v.impact === 'critical',
    );
    expect(serious).toEqual([]);
    await page.goto(`${base}/#/kpis?from=2011-01-01&to=2011-12-09`);
    await checkKpiPage(page, api, { from: '2011-01-01', to: '2011-12-09' });
    await page.goto(`${base}/#/products`);
    await checkProductsPage(page, api, 'alarm clok');
    expect(browser.outside).toEqual([]);
    expect(browser.errors).toEqual([]);
    await page.close();
  });
});
