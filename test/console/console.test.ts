import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, token, type TestApp } from '../api/helpers/api-app.js';
import { SCHEMA, startApiFixture, type ApiFixture } from '../api/helpers/api-fixture.js';
import { axeViolations, openBrowser, rendered, type ConsoleBrowser } from './helpers/browser.js';
import {
  checkKpiPage,
  checkPipelinesPage,
  checkProductsPage,
  checkRunPage,
  type ApiGet,
} from './helpers/check-pages.js';
import { buildConsole } from './helpers/console-server.js';

/**
 * The web console on a real run of the bundled sample (two `medallion run`s: three days, then five with the FX API
 * down), served by the real API over a real PostgreSQL, driven in real Chromium. Every number on screen is compared
 * with the API's answer. MEDALLION_CONSOLE_SCREENSHOTS=1 also writes docs/console/*.png.
 */
const repo = path.resolve(import.meta.dirname, '../..');
let f: ApiFixture;
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
  f = await startApiFixture({ steps: ['bronze', 'silver', 'gold', 'warehouse', 'search'] });
  t = await buildTestApp({ url: f.pg.url, schema: SCHEMA, consoleDir });
  base = await t.app.listen({ host: '127.0.0.1', port: 0 });
  viewer = await token('viewer');
  browser = await openBrowser();
});
afterAll(async () => {
  await browser?.close();
  await t?.close();
  await f?.close();
});

describe('console read endpoints', () => {
  const get = (url: string, auth = true) =>
    t.app.inject({ url, headers: auth ? { authorization: `Bearer ${viewer}` } : {} });

  it('need a viewer, like every /api/v1 route', async () => {
    for (const url of [
      '/api/v1/console/session',
      '/api/v1/pipelines/overview',
      '/api/v1/kpis/categories',
      '/api/v1/kpis/top-products',
      '/api/v1/kpis/rfm-segments',
      '/api/v1/kpis/cohorts',
      `/api/v1/runs/x/silver`,
      `/api/v1/runs/x/timeline`,
    ]) {
      const res = await get(url, false);
      expect(res.statusCode, url).toBe(401);
      expect(res.json().error.code).toBe('UNAUTHENTICATED');
    }
    expect((await get('/api/v1/kpis/categories?from=2011-01-02&to=2011-01-01')).statusCode).toBe(400);
    expect((await get('/api/v1/runs/nope/silver')).json().error.code).toBe('NOT_FOUND');
  });

  it('are documented in the OpenAPI document', async () => {
    const paths = Object.keys((await t.app.inject({ url: '/openapi.json' })).json().paths);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/api/v1/console/session',
        '/api/v1/pipelines/overview',
        '/api/v1/runs/{runId}/silver',
        '/api/v1/runs/{runId}/timeline',
        '/api/v1/kpis/categories',
        '/api/v1/kpis/top-products',
        '/api/v1/kpis/rfm-segments',
        '/api/v1/kpis/cohorts',
      ]),
    );
    expect(paths).not.toContain('/');
  });

  it('add up with the gold KPIs and the run summary', async () => {
    const [summary, categories, rfm, overview, runs] = await Promise.all([
      get('/api/v1/kpis/summary').then((r) => r.json().data),
      get('/api/v1/kpis/categories').then((r) => r.json().data),
      get('/api/v1/kpis/rfm-segments').then((r) => r.json().data),
      get('/api/v1/pipelines/overview').then((r) => r.json().data),
      get('/api/v1/runs').then((r) => r.json().data),
    ]);
    // Categories (null = uncategorised) partition the revenue; RFM segments partition the customers.
    const cents = (d: string) => Math.round(Number(d) * 100);
    expect(categories.reduce((n: number, c: { revenue: string }) => n + cents(c.revenue), 0)).toBe(
      cents(summary.revenue),
    );
    expect(rfm.reduce((n: number, s: { customers: number }) => n + s.customers, 0)).toBe(summary.customers);
    const top = (await get('/api/v1/kpis/top-products?limit=5')).json().data;
    expect(top.map((p: { rank: number }) => p.rank)).toEqual([1, 2, 3, 4, 5]);
    expect(top.map((p: { revenue: string }) => Number(p.revenue))).toEqual(
      [...top.map((p: { revenue: string }) => Number(p.revenue))].sort((a, b) => b - a),
    );
    const cohorts = (await get('/api/v1/kpis/cohorts')).json().data;
    for (const c of cohorts.filter((x: { period: number }) => x.period === 0))
      expect(c.retention_rate).toBe(1);
    // The overview's last run is the newest run; two runs, both finished: two durations.
    expect(overview).toHaveLength(1);
    expect(overview[0].last_run.id).toBe(runs[0].id);
    expect(overview[0].durations).toHaveLength(2);
    expect(overview[0].freshness).toBe('unscheduled');
    // The silver report reads the run's lake: it reconciles, and matches the silver step's rows.
    const silver = (await get(`/api/v1/runs/${runs[0].id}/silver`)).json().data;
    expect(silver.source).toBe('lake');
    const c = silver.counts;
    expect(c.bronze_rows).toBe(c.silver_rows + c.quarantined + c.duplicates);
    const step = runs[0].steps.find((s: { name: string }) => s.name === 'silver');
    expect([c.bronze_rows, c.silver_rows]).toEqual([step.rows_in, step.rows_out]);
    expect(silver.enrichment.currency.breakerState).toBe('open');
  });
});

describe('console in Chromium', () => {
  it('serves the page with a strict Content-Security-Policy and only its own assets', async () => {
    const res = await fetch(`${base}/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    const html = await res.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>|<style|\sstyle=/);
    expect(html).not.toMatch(/https?:\/\//);
  });

  it('shows the login page, and no data, without credentials', async () => {
    const page = await browser.newPage();
    const answered: { url: string; status: number }[] = [];
    page.on('response', (r) => {
      if (r.url().includes('/api/v1/')) answered.push({ url: r.url(), status: r.status() });
    });
    await page.goto(`${base}/#/runs/${encodeURIComponent((await api<{ id: string }[]>('runs'))[0]!.id)}`);
    await rendered(page, 'Sign in to Medallion');
    expect(await page.isVisible('#credential')).toBe(true);
    expect(await page.isHidden('#nav')).toBe(true);
    expect(answered.length).toBeGreaterThan(0);
    expect(answered.every((a) => a.status === 401)).toBe(true);
    expect(await page.textContent('main')).not.toMatch(/Succeeded|Degraded|reconcil/);
    // A wrong credential is refused with a message; then the real token opens the console.
    await page.fill('#credential', 'not-a-token');
    await page.press('#credential', 'Enter');
    await page.getByRole('alert').waitFor();
    if (process.env.MEDALLION_CONSOLE_SCREENSHOTS)
      await page.screenshot({ path: path.join(repo, 'docs/console/login.png') });
    await page.fill('#credential', viewer);
    await page.press('#credential', 'Enter');
    await rendered(page, /^Run /);
    await page.close();
  });

  it('opens without its login page behind a proxy that sends Authorization', async () => {
    const proxied = await openBrowser({ extraHTTPHeaders: { authorization: `Bearer ${viewer}` } });
    try {
      const page = await proxied.newPage();
      await page.goto(`${base}/`);
      await checkPipelinesPage(page, api);
      expect(await page.$('#credential')).toBeNull();
      expect(proxied.outside).toEqual([]);
    } finally {
      await proxied.close();
    }
  });

  it('renders every page from the run with the API’s numbers, accessibly and offline', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    await page.fill('#credential', viewer);
    await page.press('#credential', 'Enter');
    const shots = process.env.MEDALLION_CONSOLE_SCREENSHOTS ? path.join(repo, 'docs/console') : undefined;
    if (shots) fs.mkdirSync(shots, { recursive: true });
    const scan = async (name: string) => {
      const serious = (await axeViolations(page)).filter(
        (v) => v.impact === 'serious' || v.impact === 'critical',
      );
      expect(serious, name).toEqual([]);
      if (shots) await page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });
    };

    await checkPipelinesPage(page, api);
    await scan('pipelines');
    const runs = await api<{ id: string }[]>('runs');
    // The degraded second run: the FX breaker is open.
    await page.goto(`${base}/#/runs/${encodeURIComponent(runs[0]!.id)}`);
    await checkRunPage(page, api, runs[0]!.id);
    await scan('run');
    await page.goto(`${base}/#/kpis?from=2010-12-01&to=2011-12-09`);
    await checkKpiPage(page, api, { from: '2010-12-01', to: '2011-12-09' });
    await scan('kpis');
    // A narrower range through the form: the tiles follow the API's range answer.
    await page.fill('#from', '2010-12-02');
    await page.fill('#to', '2010-12-03');
    await page.click('#kpi-filters button[type=submit]');
    await checkKpiPage(page, api, { from: '2010-12-02', to: '2010-12-03' });
    await page.goto(`${base}/#/products`);
    // A typo ("lunch bagg"): the search is typo tolerant.
    await checkProductsPage(page, api, 'lunch bagg');
    await scan('products');
    expect(browser.outside).toEqual([]);
    expect(browser.errors).toEqual([]);
    await page.close();
  });

  it('can be driven with the keyboard alone', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    await rendered(page, 'Sign in to Medallion');
    // The login page puts the focus in its one field.
    expect(await page.evaluate('document.activeElement?.id')).toBe('credential');
    await page.keyboard.type(viewer);
    await page.keyboard.press('Enter');
    await rendered(page, 'Pipelines');
    const tabTo = async (name: string) => {
      for (let i = 0; i < 40; i++) {
        await page.keyboard.press('Tab');
        if ((await page.evaluate('document.activeElement?.textContent?.trim()')) === name) return;
      }
      throw new Error(`no focusable element named ${name}`);
    };
    await tabTo('KPIs');
    await page.keyboard.press('Enter');
    await rendered(page, 'KPIs');
    // Focus moves to the new page's heading; the date range form is next in tab order.
    expect(await page.evaluate('document.activeElement?.tagName')).toBe('H1');
    await tabTo('Products');
    await page.keyboard.press('Enter');
    await rendered(page, 'Products');
    await page.keyboard.press('Tab');
    expect(await page.evaluate('document.activeElement?.id')).toBe('q');
    await page.keyboard.type('heart');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.url()).toContain('q=heart');
    await expect.poll(() => page.inputValue('#q')).toBe('heart');
    await rendered(page, 'Products');
    await tabTo('Pipelines');
    await page.keyboard.press('Enter');
    await rendered(page, 'Pipelines');
    const firstRun = await page.$eval('#pipelines tbody a', (a) => a.textContent!.trim());
    await tabTo(firstRun);
    await page.keyboard.press('Enter');
    await rendered(page, `Run ${firstRun}`);
    expect(browser.errors).toEqual([]);
    await page.close();
  });
});
