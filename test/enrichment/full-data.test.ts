import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  categoryCoverage,
  convertGbp,
  formatCents,
  lineAmountGbp,
  type DateRate,
  type EnrichmentResult,
} from '../../runner/enrichment/index.js';
import { createHarness, type Harness } from './support/harness.js';
import {
  readEcbCsv,
  readRetailRows,
  repoRoot,
  selectSaleLines,
  type SaleLine,
} from './support/reference-data.js';
import {
  startFrankfurter,
  startRestCountries,
  type EcbRow,
  type StandIn,
} from './support/stand-in-servers.js';

/**
 * The full Online Retail data: revenue in EUR and USD through the enrichment equals an independent calculation
 * made here straight from the ECB CSV, to the cent, whether the API answers or the bundled table stands in.
 * Policy under test (docs/enrichment.md): each line's amount is rounded half-even to cents, revenue sums them.
 */

let lines: SaleLine[];
let ecb: EcbRow[];
let h: Harness;
let fx: StandIn;
let countries: StandIn;

beforeAll(async () => {
  ecb = readEcbCsv();
  lines = selectSaleLines(readRetailRows());
  h = await createHarness();
  fx = await startFrankfurter(ecb);
  countries = await startRestCountries();
});
afterAll(async () => {
  await h?.cleanup();
  await fx?.close();
  await countries?.close();
});

// ---- independent reference: plain rationals and a day-by-day walk back through the ECB calendar ----

function fraction(decimal: string): [bigint, bigint] {
  const [whole, frac = ''] = decimal.split('.');
  return [BigInt(`${whole}${frac}`), 10n ** BigInt(frac.length)];
}

function nearestEven(numerator: bigint, denominator: bigint): bigint {
  const q = numerator / denominator;
  const twiceRemainder = 2n * (numerator - q * denominator);
  if (twiceRemainder < denominator) return q;
  if (twiceRemainder > denominator) return q + 1n;
  return q % 2n === 0n ? q : q + 1n;
}

function referenceRate(byDate: Map<string, EcbRow>, date: string): EcbRow {
  const day = new Date(`${date}T00:00:00Z`);
  for (let back = 0; back <= 7; back += 1) {
    const row = byDate.get(day.toISOString().slice(0, 10));
    if (row) return row;
    day.setUTCDate(day.getUTCDate() - 1);
  }
  throw new Error(`no ECB rate within a week before ${date}`);
}

function referenceRevenue(): {
  eurCents: bigint;
  usdCents: bigint;
  gbpMilli: bigint;
  ecbDates: Map<string, string>;
} {
  const byDate = new Map(ecb.map((r) => [r.date, r]));
  const ecbDates = new Map<string, string>();
  let eurCents = 0n;
  let usdCents = 0n;
  let gbpMilli = 0n;
  for (const line of lines) {
    const rate = referenceRate(byDate, line.date);
    ecbDates.set(line.date, rate.date);
    const [pn, pd] = fraction(line.unitPrice);
    const [gn, gd] = fraction(rate.gbp);
    const [un, ud] = fraction(rate.usd);
    const q = BigInt(line.quantity);
    gbpMilli += (q * pn * 1000n) / pd;
    // EUR = q·p / GBP;  USD = q·p · USD / GBP; both × 100 for cents.
    eurCents += nearestEven(q * pn * gd * 100n, pd * gn);
    usdCents += nearestEven(q * pn * un * gd * 100n, pd * ud * gn);
  }
  return { eurCents, usdCents, gbpMilli, ecbDates };
}

const gcd = (a: bigint, b: bigint): bigint => (b === 0n ? a : gcd(b, a % b));

/**
 * The exact sum of all line amounts as one fraction, rounded once to cents (half-even), in EUR and USD. Lines that
 * share an ECB day are added first (exactly, in milli-GBP), then one fraction per ECB day.
 */
function exactSumCents(): { eurCents: bigint; usdCents: bigint } {
  const byDate = new Map(ecb.map((r) => [r.date, r]));
  const milliByRate = new Map<EcbRow, bigint>();
  for (const line of lines) {
    const rate = referenceRate(byDate, line.date);
    const [pn, pd] = fraction(line.unitPrice);
    if (1000n % pd !== 0n) throw new Error(`price with more than 3 decimals: ${line.unitPrice}`);
    milliByRate.set(rate, (milliByRate.get(rate) ?? 0n) + BigInt(line.quantity) * pn * (1000n / pd));
  }
  const add = (a: [bigint, bigint], n: bigint, d: bigint): [bigint, bigint] => {
    const num = a[0] * d + n * a[1];
    const den = a[1] * d;
    const g = gcd(num, den);
    return [num / g, den / g];
  };
  let eur: [bigint, bigint] = [0n, 1n];
  let usd: [bigint, bigint] = [0n, 1n];
  for (const [rate, milli] of milliByRate) {
    const [gn, gd] = fraction(rate.gbp);
    const [un, ud] = fraction(rate.usd);
    // cents = milli / 1000 × 100 / GBP  (and × USD for dollars)
    eur = add(eur, milli * gd * 100n, 1000n * gn);
    usd = add(usd, milli * un * gd * 100n, 1000n * ud * gn);
  }
  return { eurCents: nearestEven(eur[0], eur[1]), usdCents: nearestEven(usd[0], usd[1]) };
}

/** 1183129166n → "11,831,291.66", formatted here rather than by the code under test. */
const money = (cents: bigint): string =>
  `${(cents / 100n).toLocaleString('en-GB')}.${String(cents % 100n).padStart(2, '0')}`;

// ---- the same revenue through the enrichment output ----

function revenueThroughEnrichment(result: EnrichmentResult): { eurCents: bigint; usdCents: bigint } {
  const rates = new Map<string, DateRate>(result.rates.map((r) => [r.businessDate, r]));
  let eurCents = 0n;
  let usdCents = 0n;
  for (const line of lines) {
    const rate = rates.get(line.date);
    if (!rate) throw new Error(`enrichment returned no rate for ${line.date}`);
    const converted = convertGbp(lineAmountGbp(line.quantity, line.unitPrice), rate);
    eurCents += converted.eurCents;
    usdCents += converted.usdCents;
  }
  return { eurCents, usdCents };
}

const enrichInput = () => ({
  dates: lines.map((l) => l.date),
  countries: lines.map((l) => l.country),
  descriptions: lines.map((l) => l.description),
});

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe('full Online Retail data', () => {
  it('selects the sale lines', () => {
    expect(lines.length).toBeGreaterThan(500_000);
    expect(new Set(lines.map((l) => l.date)).size).toBe(305);
  });

  it('revenue in EUR and USD equals the independent calculation to the cent, API reachable', async () => {
    const reference = referenceRevenue();
    const result = await h.make({ fxUrl: fx.baseUrl, countriesUrl: countries.baseUrl }).enrich(enrichInput());
    expect(result.summary.currency.source).toBe('api');
    expect(fx.requests.length).toBeLessThanOrEqual(2); // one per window of at most 360 days, never per row
    expect(result.missingRateDates).toEqual([]);
    for (const r of result.rates) expect(r.ecbDate).toBe(reference.ecbDates.get(r.businessDate));
    const ours = revenueThroughEnrichment(result);
    console.log(
      `sale lines ${lines.length}: GBP ${formatCents(reference.gbpMilli / 10n)} (exact ${reference.gbpMilli} milli),` +
        ` EUR ${formatCents(ours.eurCents)}, USD ${formatCents(ours.usdCents)}`,
    );
    expect(ours.eurCents).toBe(reference.eurCents);
    expect(ours.usdCents).toBe(reference.usdCents);
  });

  it('revenue is the same to the cent with the API unreachable (bundled ECB table)', async () => {
    const reference = referenceRevenue();
    const result = await h
      .make({ fxUrl: await closedPortUrl(), countriesUrl: countries.baseUrl })
      .enrich(enrichInput());
    expect(result.summary.currency.source).toBe('fallback');
    expect(result.degraded).toBe(true);
    const ours = revenueThroughEnrichment(result);
    expect(ours.eurCents).toBe(reference.eurCents);
    expect(ours.usdCents).toBe(reference.usdCents);
  });

  it('docs/enrichment.md states the exact sums of the line amounts, rounded once', () => {
    const doc = readFileSync(resolve(repoRoot, 'docs/enrichment.md'), 'utf8');
    const stated = (currency: string): string | undefined =>
      new RegExp(`^\\| ${currency}, exact sum rounded once +\\| ([0-9,.]+) `, 'm').exec(doc)?.[1];
    const exact = exactSumCents();
    expect([stated('EUR'), stated('USD')]).toEqual([money(exact.eurCents), money(exact.usdCents)]);
  });

  it('all 38 country names resolve or are explicitly marked, from the API and from the fallback alike', async () => {
    const names = [...new Set(lines.map((l) => l.country))];
    expect(names).toHaveLength(38);
    const viaApi = await h.make({ fxUrl: fx.baseUrl, countriesUrl: countries.baseUrl }).enrich({
      dates: [],
      countries: names,
      descriptions: [],
    });
    const viaFallback = await h.make({ fxUrl: fx.baseUrl, countriesUrl: 'http://127.0.0.1:1/v3.1' }).enrich({
      dates: [],
      countries: names,
      descriptions: [],
    });
    expect(viaApi.summary.country.source).not.toBe('fallback');
    expect(viaFallback.summary.country.source).toBe('fallback');
    expect(viaFallback.countries).toEqual(viaApi.countries);

    const resolved = viaApi.countries.filter((c) => c.kind === 'country');
    const marked = viaApi.countries.filter((c) => c.kind === 'notACountry');
    expect(resolved).toHaveLength(35);
    expect(marked.map((c) => c.name)).toEqual(['Channel Islands', 'European Community', 'Unspecified']);
    for (const c of resolved) {
      expect(c.cca2).toMatch(/^[A-Z]{2}$/);
      expect(c.cca3).toMatch(/^[A-Z]{3}$/);
      expect(c.region).not.toBe('');
      expect(c.currency).toMatch(/^[A-Z]{3}$/);
    }
    for (const c of marked) expect(c.reason.length).toBeGreaterThan(10);
    const code = (name: string) => resolved.find((c) => c.name === name)?.cca3;
    expect([code('EIRE'), code('RSA'), code('USA'), code('United Kingdom'), code('Czech Republic')]).toEqual([
      'IRL',
      'ZAF',
      'USA',
      'GBR',
      'CZE',
    ]);
  });

  it('categorises at least 99% of sales revenue', () => {
    const coverage = categoryCoverage(
      lines.map((l) => ({ description: l.description, revenue: l.quantity * Number(l.unitPrice) })),
    );
    const byCategory = Object.entries(coverage.byCategory)
      .sort((a, b) => b[1] - a[1])
      .map(([c, r]) => `${c} ${((100 * r) / coverage.totalRevenue).toFixed(1)}%`);
    console.log(
      `category coverage ${(100 * coverage.share).toFixed(2)}% of GBP ${coverage.totalRevenue.toFixed(2)}`,
    );
    console.log(byCategory.join('; '));
    console.log(
      coverage.topUncategorised.map((u) => `${u.description.trim()} ${u.revenue.toFixed(2)}`).join('; '),
    );
    expect(coverage.share).toBeGreaterThanOrEqual(0.99);
  });
});
