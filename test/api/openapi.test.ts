import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA, startApiFixture, type ApiFixture } from './helpers/api-fixture.js';
import { buildTestApp, token, type TestApp } from './helpers/api-app.js';

/**
 * The OpenAPI document against a listening server: schemathesis (PyPI, installed by test/api/setup.sh) fuzzes every
 * operation, and the interactive docs page is loaded in real Chromium with every non-loopback request blocked.
 */
const run = promisify(execFile);
const VENV = process.env.MEDALLION_VENV ?? path.join(os.homedir(), '.cache/medallion/venv');
let f: ApiFixture;
let t: TestApp;
let base: string;

beforeAll(async () => {
  f = await startApiFixture({ steps: ['bronze', 'silver', 'gold', 'warehouse', 'search'] });
  t = await buildTestApp({ url: f.pg.url, schema: SCHEMA });
  base = await t.app.listen({ host: '127.0.0.1', port: 0 });
});
afterAll(async () => {
  await t?.close();
  await f?.close();
});

describe('OpenAPI', () => {
  it('documents every v1 route with its envelope, errors and security', async () => {
    const doc = (await t.app.inject({ url: '/openapi.json' })).json();
    expect(doc.openapi).toMatch(/^3\./);
    const paths = Object.keys(doc.paths);
    for (const p of [
      '/api/v1/runs',
      '/api/v1/runs/{runId}',
      '/api/v1/runs/{runId}/quality',
      '/api/v1/runs/{runId}/lineage',
      '/api/v1/runs/{runId}/checks',
      '/api/v1/pipelines/{pipeline}/checks/{check}/history',
      '/api/v1/pipelines',
      '/api/v1/pipelines/{namespace}/{name}/runs',
      '/api/v1/sales',
      '/api/v1/kpis/summary',
      '/api/v1/kpis/daily',
      '/api/v1/kpis/monthly',
      '/api/v1/kpis/countries',
      '/api/v1/products',
      '/api/v1/products/{stockCode}',
      '/api/v1/products/search',
      '/api/v1/external-apis/health',
      '/healthz',
      '/readyz',
    ]) {
      expect(paths).toContain(p);
    }
    expect(doc.components.securitySchemes).toHaveProperty('bearerAuth');
    const sales = doc.paths['/api/v1/sales'].get;
    expect(Object.keys(sales.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '429']));
    expect(sales.parameters.map((p: { name: string }) => p.name)).toEqual(
      expect.arrayContaining([
        'from',
        'to',
        'country',
        'customer',
        'stock_code',
        'line_type',
        'limit',
        'cursor',
      ]),
    );
  });

  it('survives schemathesis: no 5xx, every response matches its schema', async () => {
    const bin = path.join(VENV, 'bin/schemathesis');
    expect(fs.existsSync(bin), `${bin} missing: run bash test/api/setup.sh`).toBe(true);
    const reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medallion-st-'));
    const args = [
      'run',
      `${base}/openapi.json`,
      '--checks',
      'not_a_server_error,response_schema_conformance',
      '--header',
      `Authorization: Bearer ${await token('admin', 'schemathesis', 3600)}`,
      '--max-examples',
      '30',
      '--seed',
      '20111209',
      '--workers',
      '2',
      '--request-timeout',
      '20',
      '--generation-allow-x00',
      'true',
      '--report',
      'junit',
      '--report-dir',
      reportDir,
    ];
    const result = await run(bin, args, {
      timeout: 240_000,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, NO_COLOR: '1' },
    }).then(
      (r) => ({ code: 0, out: r.stdout + r.stderr }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({
        code: e.code ?? 1,
        out: `${e.stdout ?? ''}${e.stderr ?? ''}`,
      }),
    );
    fs.rmSync(reportDir, { recursive: true, force: true });
    expect(result.code, result.out.slice(-6000)).toBe(0);
    // It really exercised the API: every operation, hundreds of requests.
    const tested = /Tested: (\d+)/.exec(result.out);
    const cases = /(\d+) generated, (\d+) passed/.exec(result.out);
    expect(Number(tested?.[1]), result.out.slice(-3000)).toBeGreaterThanOrEqual(19);
    expect(Number(cases?.[1]), result.out.slice(-3000)).toBeGreaterThan(500);
    expect(cases?.[2]).toBe(cases?.[1]);
  });
});

describe('docs page', () => {
  it('renders the interactive docs in Chromium, offline, listing the v1 operations', async () => {
    const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'medallion-chromium-'));
    // A fresh profile (--user-data-dir, which playwright takes as launchPersistentContext's first argument).
    const browser = await chromium.launchPersistentContext(userDataDir, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    try {
      const page = await browser.newPage();
      const outside: string[] = [];
      // Offline: anything that is not this server is refused (and recorded).
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith(base) || url.startsWith('data:')) return route.continue();
        outside.push(url);
        return route.abort();
      });
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      const response = await page.goto(`${base}/docs`, { waitUntil: 'load' });
      expect(response?.status()).toBe(200);
      await page.waitForSelector('.opblock-summary-path', { timeout: 30_000 });
      const operations = await page.$$eval('.opblock-summary-path', (els) =>
        els.map((e) => e.textContent?.trim()),
      );
      expect(operations).toEqual(
        expect.arrayContaining(['/api/v1/sales', '/api/v1/kpis/summary', '/api/v1/products/search']),
      );
      expect(await page.textContent('.info .title')).toContain('Medallion read API');
      expect(outside).toEqual([]);
      expect(errors).toEqual([]);
    } finally {
      await browser.close();
      fs.rmSync(userDataDir, { recursive: true, force: true });
    }
  });
});
