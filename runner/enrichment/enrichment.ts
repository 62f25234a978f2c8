import { join } from 'node:path';
import type { Registry } from 'prom-client';
import type { EnrichmentSpec } from '../spec/enrichment-spec.js';
import { createCountryClient, loadWorldCountries } from './country-client.js';
import type { CountryInfo, CountryRecord } from './country-resolution.js';
import { loadBundledEcbRates } from './ecb-fallback.js';
import { createEnrichmentMetrics } from './enrichment-metrics.js';
import { createFileCache } from './file-cache.js';
import { createFxClient } from './fx-client.js';
import { categorizeProduct, type ProductCategory } from './product-categories.js';
import type { DateRate, EcbRate } from './rate-table.js';
import { createProviderHttp, type FetchLike } from './resilient-http.js';
import { systemClock, type Clock, type EnrichmentLogger, type ProviderSummary } from './types.js';

/**
 * The enrichment facade the pipeline calls: distinct dates, country names and descriptions in, plain lookup tables
 * and a health summary out. Provider outages are data (fallback + degraded), never exceptions; only misuse throws.
 */

export interface EnrichmentOptions {
  /** The parsed `spec.enrichment` section. */
  spec: EnrichmentSpec;
  /** Absolute cache directory (the caller resolves spec.cacheDir against the spec file). */
  cacheDir: string;
  logger: EnrichmentLogger;
  registry: Registry;
  fetch?: FetchLike;
  /** Overrides of the spec's base URLs (MEDALLION_FX_URL, MEDALLION_COUNTRIES_URL, read by the config module). */
  fxUrl?: string | undefined;
  countriesUrl?: string | undefined;
  clock?: Clock;
  loadEcbRates?: () => Promise<EcbRate[]>;
  loadCountries?: () => Promise<CountryRecord[]>;
}

export interface EnrichmentInput {
  /** Business dates (YYYY-MM-DD) of the sales lines; duplicates are fine. */
  dates: Iterable<string>;
  /** Country names as they appear in the data. */
  countries: Iterable<string>;
  descriptions: Iterable<string | null>;
}

export interface ProductSummary extends Omit<ProviderSummary, 'source'> {
  /** Local rules: no provider is called. */
  source: 'rules';
  descriptions: number;
  categorised: number;
}

export interface EnrichmentSummary {
  currency: ProviderSummary & { stale: boolean; missingDates: number };
  country: ProviderSummary & { stale: boolean; notACountry: number };
  product: ProductSummary;
}

export interface EnrichmentResult {
  /** One row per distinct business date: the ECB day used and GBP/USD per EUR as exact decimal strings. */
  rates: DateRate[];
  /** Business dates without an ECB rate within the lookback; their lines get no EUR/USD amounts. */
  missingRateDates: string[];
  countries: CountryInfo[];
  /** One row per distinct description (null descriptions are left out). */
  categories: { description: string; category: ProductCategory | null }[];
  summary: EnrichmentSummary;
  /** True when a provider fell back (bundled data or an expired cache) or a date got no rate. */
  degraded: boolean;
  degradedReasons: string[];
}

export interface Enrichment {
  enrich(input: EnrichmentInput): Promise<EnrichmentResult>;
  /** Stops breaker timers; call once the run is over. */
  close(): void;
}

export function createEnrichment(options: EnrichmentOptions): Enrichment {
  const { spec, cacheDir, logger, registry } = options;
  const clock = options.clock ?? systemClock;
  const fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const metrics = createEnrichmentMetrics(registry);
  const http = (provider: 'currency' | 'country') =>
    createProviderHttp({
      provider,
      spec: spec[provider],
      cache: createFileCache({ dir: join(cacheDir, provider), now: clock.now }),
      fetch,
      logger,
      metrics,
      clock,
    });
  const fxHttp = http('currency');
  const countryHttp = http('country');
  const fx = createFxClient({
    http: fxHttp,
    baseUrl: options.fxUrl ?? spec.currency.baseUrl,
    logger,
    loadFallback: options.loadEcbRates ?? loadBundledEcbRates,
  });
  const countries = createCountryClient({
    http: countryHttp,
    baseUrl: options.countriesUrl ?? spec.country.baseUrl,
    logger,
    loadFallback: options.loadCountries ?? loadWorldCountries,
  });

  return {
    async enrich(input) {
      const [fxResult, countryResult] = await Promise.all([
        fx.ratesForDates([...input.dates]),
        countries.resolveCountries([...input.countries]),
      ]);
      metrics.resolved('currency', fxResult.source);
      metrics.resolved('country', countryResult.source);

      const distinct = [...new Set([...input.descriptions].filter((d): d is string => d !== null))].sort();
      const categories = distinct.map((description) => ({
        description,
        category: categorizeProduct(description),
      }));

      const reasons: string[] = [];
      if (fxResult.source === 'fallback')
        reasons.push(`currency: bundled ECB table used (${fxResult.error})`);
      if (fxResult.stale) reasons.push('currency: expired cache used');
      if (fxResult.missing.length > 0)
        reasons.push(`currency: no rate for ${fxResult.missing.length} date(s)`);
      if (countryResult.source === 'fallback') {
        reasons.push(`country: world-countries package used (${countryResult.error})`);
      }
      if (countryResult.stale) reasons.push('country: expired cache used');
      if (reasons.length > 0) logger.warn({ reasons }, 'enrichment degraded');

      return {
        rates: fxResult.rates,
        missingRateDates: fxResult.missing,
        countries: countryResult.countries,
        categories,
        summary: {
          currency: {
            ...fxHttp.summary(fxResult.source),
            stale: fxResult.stale,
            missingDates: fxResult.missing.length,
          },
          country: {
            ...countryHttp.summary(countryResult.source),
            stale: countryResult.stale,
            notACountry: countryResult.countries.filter((c) => c.kind === 'notACountry').length,
          },
          product: {
            source: 'rules',
            calls: 0,
            failures: 0,
            breakerState: 'closed',
            shortCircuits: 0,
            retries: 0,
            cacheHits: 0,
            descriptions: categories.length,
            categorised: categories.filter((c) => c.category !== null).length,
          },
        },
        degraded: reasons.length > 0,
        degradedReasons: reasons,
      };
    },
    close() {
      fxHttp.close();
      countryHttp.close();
    },
  };
}
