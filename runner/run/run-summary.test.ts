import { describe, expect, it } from 'vitest';
import type { GoldKpis } from '../gold/gold-step.js';
import type { SilverEnrichment } from '../silver/enrich-silver.js';
import { formatSummaryTable, summariseEnrichment, summariseKpis, type RunSummary } from './run-summary.js';

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
