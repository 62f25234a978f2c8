import { checkResult } from '../quality/check-result-fixture.js';
import { describe, expect, it } from 'vitest';
import type { GoldKpis } from '../gold/gold-step.js';
import type { SilverEnrichment } from '../silver/enrich-silver.js';
import { UNKNOWN_PARTITION } from '../lake/partitions.js';
import {
  formatSummaryTable,
  stepSummary,
  summariseEnrichment,
  summariseKpis,
  type RunSummary,
} from './run-summary.js';
import type { StepResult } from './step-types.js';

const kpis: GoldKpis = {
  revenue: '10247219.323000',
  orders: 19773,
  customers: 4334,
  units: 5561387,
  averageOrderValue: '518.243',
  cancelledInvoices: 3836,
  cancellationValue: '893979.730000',
  revenueEur: '11831282.06',
  revenueUsd: '16367056.11',
  categorisedRevenue: '10224000.000000',
  categoryCoverage: 0.997765,
};

const provider = {
  calls: 2,
  failures: 0,
  breakerState: 'closed',
  shortCircuits: 0,
  retries: 0,
  cacheHits: 0,
} as const;
const enrichment: SilverEnrichment = {
  summary: {
    currency: { ...provider, source: 'api', stale: false, missingDates: 0 },
    country: {
      ...provider,
      source: 'fallback',
      calls: 3,
      failures: 3,
      breakerState: 'open',
      stale: false,
      notACountry: 3,
    },
    product: { ...provider, calls: 0, source: 'rules', descriptions: 10, categorised: 9 },
  },
  degraded: true,
  degradedReasons: ['country: world-countries package used (network error)'],
  rates: 305,
  countries: 38,
  missingRateDates: [],
};

describe('run summary: enrichment', () => {
  it('reports EUR and USD revenue as 2-decimal numbers, null when enrichment is off', () => {
    expect(summariseKpis(kpis)).toMatchObject({ revenueEur: 11831282.06, revenueUsd: 16367056.11 });
    expect(summariseKpis({ ...kpis, revenueEur: null, revenueUsd: null })).toMatchObject({
      revenueEur: null,
      revenueUsd: null,
    });
  });

  it('says which source each provider used, with coverage to 4 decimals', () => {
    const e = summariseEnrichment(enrichment, kpis);
    expect(e).toMatchObject({
      currency: { source: 'api', calls: 2, failures: 0, breakerState: 'closed' },
      country: { source: 'fallback', calls: 3, failures: 3, breakerState: 'open' },
      product: { source: 'rules' },
      categoryCoverage: 0.9978,
      degradedReasons: enrichment.degradedReasons,
    });
    expect(summariseEnrichment(enrichment, undefined)?.categoryCoverage).toBeNull();
    expect(summariseEnrichment(null, kpis)).toBeNull();
  });

  it('prints the amounts and the provider sources in the summary table', () => {
    const s: RunSummary = {
      runId: 'r',
      pipeline: 'p',
      status: 'Degraded',
      startedAt: '',
      finishedAt: '',
      steps: {},
      quality: null,
      kpis: summariseKpis(kpis),
      enrichment: summariseEnrichment(enrichment, kpis),
      lineage: { inputs: [], outputs: [] },
      lake: '/lake',
    };
    const text = formatSummaryTable(s);
    expect(text).toContain('revenue 10,247,219.32 (EUR 11,831,282.06, USD 16,367,056.11)');
    expect(text).toContain(
      'enrichment: currency api (2 calls, 0 failures, breaker closed), country fallback (3 calls, 3 failures, breaker open); 99.78% of revenue categorised',
    );
  });
});

describe('run summary: partitions touched', () => {
  const result = <D extends object>(details: D): StepResult<D> => ({
    status: 'Succeeded',
    rowsIn: 1,
    rowsOut: 1,
    durationMs: 1,
    inputs: [],
    outputs: [],
    details,
  });

  it("keeps each step's touched partitions in the JSON, and none for bronze or steps that did not report them", () => {
    const silver = stepSummary({
      step: 'silver',
      result: result({ version: 'v2', partitions: { full: false, keys: ['2011-01-04', UNKNOWN_PARTITION] } }),
    });
    expect(silver).toMatchObject({
      version: 'v2',
      partitions: { full: false, keys: ['2011-01-04', UNKNOWN_PARTITION] },
    });
    const warehouse = stepSummary({
      step: 'warehouse',
      result: result({ partitions: { full: true, keys: ['2011-01-04'] } }),
    });
    expect(warehouse.partitions).toEqual({ full: true, keys: ['2011-01-04'] });
    expect(stepSummary({ step: 'gold', result: result({ version: 'v2' }) })).not.toHaveProperty('partitions');
    expect(stepSummary({ step: 'bronze', result: result({}) })).not.toHaveProperty('partitions');
  });

  it('prints one line per step in human form under the table', () => {
    const st = { status: 'Succeeded' as const, rowsIn: 1, rowsOut: 1, durationMs: 1 };
    const s: RunSummary = {
      runId: 'r2',
      pipeline: 'p',
      status: 'Succeeded',
      startedAt: '',
      finishedAt: '',
      fullRefresh: true,
      steps: {
        bronze: st,
        silver: { ...st, partitions: { full: true, keys: ['2010-12-01', '2010-12-02', '2011-12-09'] } },
        gold: { ...st, partitions: { full: false, keys: ['2011-12-09'] } },
      },
      quality: null,
      kpis: null,
      lineage: { inputs: [], outputs: [] },
      lake: '/lake',
    };
    const table = formatSummaryTable(s);
    expect(table).toContain(
      'partitions touched (--full-refresh):\n  silver: full: 3 partitions 2010-12-01..2011-12-09\n  gold: 1 partition 2011-12-09\n',
    );
    expect(table).not.toMatch(/ bronze: /);
    expect(formatSummaryTable({ ...s, steps: { bronze: st } })).not.toContain('partitions touched');
  });

  it('keeps the check results of silver and gold, and prints their tally under the table', () => {
    const failed = checkResult({ name: 'no_null_invoice', status: 'failed', failingRows: 2 });
    const gold = stepSummary({ step: 'gold', result: result({ version: 'v3', checks: [failed] }) });
    expect(gold.checks).toEqual([failed]);
    expect(stepSummary({ step: 'silver', result: result({}) })).not.toHaveProperty('checks');
    const st = { status: 'Failed' as const, rowsIn: 1, rowsOut: 0, durationMs: 1 };
    const s: RunSummary = {
      runId: 'r3',
      pipeline: 'p',
      status: 'Failed',
      startedAt: '',
      finishedAt: '',
      steps: { gold: { ...st, checks: [failed, checkResult({ name: 'ok' })] } },
      quality: null,
      kpis: null,
      lineage: { inputs: [], outputs: [] },
      lake: '/lake',
    };
    expect(formatSummaryTable(s)).toContain('checks: 1 passed, 1 failed (no_null_invoice)');
  });
});
