import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSummary } from '../../runner/run/run-summary.js';
import { readEcbCsv, readRetailRows, selectSaleLines } from '../enrichment/support/reference-data.js';
import { createFixture, fullDataDir, type Fixture } from '../helpers/pipeline-fixture.js';
import { unreachableUrl } from '../helpers/stand-in-providers.js';

/**
 * Enrichment through the real pipeline on the full data: EUR/USD revenue in the run summary and in gold equals a
 * calculation made here straight from the ECB CSV, to the cent, with the providers reachable (api, then cache) and
 * unreachable (fallback, Degraded). Three full runs: api (lake A), cache (lake B, same cache dir), fallback.
 */

/** Independent reference: rationals and a day-by-day walk back through the ECB calendar; half-even per line. */
function referenceCents(): { eur: bigint; usd: bigint } {
  const byDate = new Map(readEcbCsv().map((r) => [r.date, r]));
  const frac = (d: string): [bigint, bigint] => {
    const [w, f = ''] = d.split('.');
    return [BigInt(`${w}${f}`), 10n ** BigInt(f.length)];
  };
  const halfEven = (n: bigint, d: bigint): bigint => {
    const q = n / d;
    const r2 = 2n * (n - q * d);
    return r2 < d ? q : r2 > d ? q + 1n : q % 2n === 0n ? q : q + 1n;
  };
  let eur = 0n;
  let usd = 0n;
  for (const line of selectSaleLines(readRetailRows())) {
    const day = new Date(`${line.date}T00:00:00Z`);
    while (!byDate.has(day.toISOString().slice(0, 10))) day.setUTCDate(day.getUTCDate() - 1);
    const rate = byDate.get(day.toISOString().slice(0, 10))!;
    const [pn, pd] = frac(line.unitPrice);
    const [gn, gd] = frac(rate.gbp);
    const [un, ud] = frac(rate.usd);
    const q = BigInt(line.quantity);
    eur += halfEven(q * pn * gd * 100n, pd * gn);
    usd += halfEven(q * pn * un * gd * 100n, pd * ud * gn);
  }
  return { eur, usd };
}

const asMoney = (cents: bigint): number => Number(cents) / 100;
const asText = (cents: bigint): string => `${cents / 100n}.${(cents % 100n).toString().padStart(2, '0')}`;

describe('enrichment in the pipeline, full Online Retail data', () => {
  let reference: { eur: bigint; usd: bigint };
  let online: Fixture;
  let offline: Fixture;
  let api: RunSummary;
  let cached: RunSummary;
  let fallback: RunSummary;
  let requestsAfterFirstRun: number;

  beforeAll(async () => {
    const data = fullDataDir();
    reference = referenceCents();
    online = createFixture('  enrichment: { cacheDir: ./enrichment-cache }');
    api = await online.run({ sourceUri: data });
    const providers = await online.providers();
    requestsAfterFirstRun = providers.fx.requests.length + providers.countries.requests.length;
    // A second lake, the same cache directory: the providers are not asked again.
    cached = await online.run({ sourceUri: data, lakeDir: path.join(online.dir, 'lake-b') });
    offline = createFixture();
    fallback = await offline.run({
      sourceUri: data,
      fxUrl: await unreachableUrl('/v1'),
      countriesUrl: await unreachableUrl('/v3.1'),
    });
  });
  afterAll(() => {
    online?.cleanup();
    offline?.cleanup();
  });

  it('API reachable: Succeeded, source api, EUR and USD revenue equal the ECB calculation to the cent', async () => {
    expect(api.status).toBe('Succeeded');
    expect(api.enrichment).toMatchObject({
      currency: { source: 'api', failures: 0, breakerState: 'closed' },
      country: { source: 'api', calls: 1, failures: 0, breakerState: 'closed' },
      product: { source: 'rules', calls: 0 },
    });
    // Asked once per date window (two for 2010-12..2011-12), never per row.
    expect(api.enrichment!.currency.calls).toBeLessThanOrEqual(2);
    expect(requestsAfterFirstRun).toBe(api.enrichment!.currency.calls + 1);
    expect(api.kpis!.revenueEur).toBe(asMoney(reference.eur));
    expect(api.kpis!.revenueUsd).toBe(asMoney(reference.usd));
    console.log(
      `EUR ${asText(reference.eur)}, USD ${asText(reference.usd)}, coverage ${api.enrichment!.categoryCoverage}`,
    );
  });

  it('silver lines and gold hold the same exact amounts, and every series adds up to them', async () => {
    const lines = await online.silverTable('sales_lines');
    const [t] = await online.query(`SELECT
      (SELECT CAST(sum(amount_eur) AS VARCHAR) FROM ${lines} WHERE line_type = 'sale') AS silver_eur,
      (SELECT CAST(sum(amount_usd) AS VARCHAR) FROM ${lines} WHERE line_type = 'sale') AS silver_usd,
      (SELECT count(*) FROM ${lines} WHERE amount_eur IS NULL OR fx_rate_date > business_date) AS unconverted,
      (SELECT CAST(revenue_eur AS VARCHAR) FROM '${online.goldFile('kpis')}') AS gold_eur,
      (SELECT CAST(sum(revenue_usd) AS VARCHAR) FROM '${online.goldFile('kpi_daily')}') AS daily_usd,
      (SELECT CAST(sum(revenue_eur) AS VARCHAR) FROM '${online.goldFile('country_monthly')}') AS country_eur,
      (SELECT typeof(amount_eur) FROM ${lines} LIMIT 1) AS type`);
    expect(t).toEqual({
      silver_eur: asText(reference.eur),
      silver_usd: asText(reference.usd),
      unconverted: '0',
      gold_eur: asText(reference.eur),
      daily_usd: asText(reference.usd),
      country_eur: asText(reference.eur),
      type: 'DECIMAL(38,2)',
    });
    const columns = (await online.query(`DESCRIBE SELECT * FROM ${lines}`)).map((r) => r.column_name);
    expect(columns.slice(-4)).toEqual(['amount_eur', 'amount_usd', 'fx_rate_date', 'category']);
  });

  it('fx_rates holds the ECB day and exact rates used for each business date', async () => {
    const [t] = await online.query(`SELECT count(*) AS n,
        count(*) FILTER (WHERE ecb_date > business_date OR business_date - ecb_date > 7) AS bad,
        (SELECT count(DISTINCT business_date) FROM ${await online.silverTable('sales_lines')}) AS dates,
        any_value(typeof(gbp_per_eur)) AS type
      FROM ${await online.silverTable('fx_rates')}`);
    expect(t).toEqual({ n: t!.dates, bad: '0', dates: t!.dates, type: 'DECIMAL(18,6)' });
    const [sunday] = await online.query(
      `SELECT CAST(ecb_date AS VARCHAR) AS d, CAST(gbp_per_eur AS VARCHAR) AS gbp FROM ${await online.silverTable('fx_rates')}
       WHERE business_date = DATE '2010-12-05'`,
    );
    // A Sunday takes the Friday rate, digit for digit as in eurofxref-hist.csv.
    const [whole, fraction = ''] = readEcbCsv()
      .find((r) => r.date === '2010-12-03')!
      .gbp.split('.');
    expect(sunday).toEqual({ d: '2010-12-03', gbp: `${whole}.${fraction.padEnd(6, '0')}` });
  });

  it('all 38 countries of the data are resolved to ISO codes or explicitly marked', async () => {
    const rows = await online.query(`SELECT * FROM ${await online.silverTable('countries')} ORDER BY name`);
    expect(rows).toHaveLength(38);
    const [distinct] = await online.query(
      `SELECT count(DISTINCT country) AS n FROM ${await online.silverTable('sales_lines')}`,
    );
    expect(distinct!.n).toBe('38');
    for (const r of rows) {
      if (r.kind === 'country') {
        expect(r.iso2).toMatch(/^[A-Z]{2}$/);
        expect(r.iso3).toMatch(/^[A-Z]{3}$/);
        expect(r.region).toBeTruthy();
      } else {
        expect(r.kind).toBe('notACountry');
        expect(String(r.not_a_country_reason).length).toBeGreaterThan(10);
      }
    }
    const marked = rows.filter((r) => r.kind === 'notACountry').map((r) => r.name);
    expect(marked).toEqual(['Channel Islands', 'European Community', 'Unspecified']);
    expect(rows.find((r) => r.name === 'EIRE')).toMatchObject({ iso3: 'IRL', currency: 'EUR' });
  });

  it('reports category coverage and the category_sales mart adds up to revenue', async () => {
    const coverage = api.enrichment!.categoryCoverage!;
    expect(coverage).toBeGreaterThanOrEqual(0.99);
    expect(coverage).toBeLessThan(1);
    const [t] = await online.query(`SELECT
      (SELECT CAST(sum(revenue) AS VARCHAR) FROM '${online.goldFile('category_sales')}') AS by_category,
      (SELECT CAST(revenue AS VARCHAR) FROM '${online.goldFile('kpis')}') AS revenue,
      (SELECT round(sum(revenue_share) FILTER (WHERE category IS NOT NULL), 4) FROM '${online.goldFile('category_sales')}') AS share,
      (SELECT count(*) FROM '${online.goldFile('top_products')}' WHERE category IS NOT NULL) AS categorised_products`);
    expect(t!.by_category).toBe(t!.revenue);
    expect(t!.share).toBeCloseTo(coverage, 4);
    expect(Number(t!.categorised_products)).toBeGreaterThan(3000);
  });

  it('a second run over the same data answers from the cache without asking the providers', async () => {
    const providers = await online.providers();
    expect(cached.status).toBe('Succeeded');
    expect(cached.enrichment).toMatchObject({
      currency: { source: 'cache', calls: 0 },
      country: { source: 'cache', calls: 0 },
    });
    expect(providers.fx.requests.length + providers.countries.requests.length).toBe(requestsAfterFirstRun);
    expect(fs.existsSync(path.join(online.dir, 'enrichment-cache', 'currency'))).toBe(true);
    expect(cached.kpis!.revenueEur).toBe(asMoney(reference.eur));
    expect(cached.kpis!.revenueUsd).toBe(asMoney(reference.usd));
  });

  it('API unreachable: Degraded (not Failed), source fallback, no request storm, the same amounts', async () => {
    expect(fallback.status).toBe('Degraded');
    expect(fallback.steps.silver!.status).toBe('Degraded');
    expect(fallback.steps.silver!.note).toMatch(/enrichment degraded: currency: bundled ECB table used/);
    expect(fallback.steps.gold!.status).toBe('Succeeded');
    expect(fallback.enrichment).toMatchObject({
      currency: { source: 'fallback', breakerState: 'open' },
      country: { source: 'fallback', breakerState: 'open' },
    });
    expect(fallback.enrichment!.currency.calls).toBeLessThanOrEqual(3);
    expect(fallback.enrichment!.country.calls).toBeLessThanOrEqual(3);
    expect(fallback.enrichment!.degradedReasons).toHaveLength(2);
    expect(fallback.kpis!.revenueEur).toBe(asMoney(reference.eur));
    expect(fallback.kpis!.revenueUsd).toBe(asMoney(reference.usd));
    const [n] = await offline.query(`SELECT count(*) AS n FROM ${await offline.silverTable('countries')}`);
    expect(n!.n).toBe('38');
  });
});
