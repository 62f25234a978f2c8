import {
  parseRestCountries,
  resolveCountryNames,
  type CountryInfo,
  type CountryRecord,
} from './country-resolution.js';
import type { ProviderHttp } from './resilient-http.js';
import type { DataSource, EnrichmentLogger } from './types.js';

/**
 * Country provider: REST Countries v3.1 `GET {base}/all?fields=...` (one call for the whole list; the API refuses
 * /all without `fields` and allows at most 10), with the world-countries package as fallback.
 */

const COUNTRY_FIELDS = ['name', 'cca2', 'cca3', 'region', 'subregion', 'currencies', 'altSpellings'] as const;

interface CountryResolution {
  source: DataSource;
  /** One entry per distinct name, sorted by name. */
  countries: CountryInfo[];
  stale: boolean;
  error?: string;
}

interface CountryClient {
  resolveCountries(names: readonly string[]): Promise<CountryResolution>;
}

function allCountriesUrl(baseUrl: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/all?fields=${COUNTRY_FIELDS.join(',')}`;
}

/** The world-countries package, parsed through the same contract as the API. */
export async function loadWorldCountries(): Promise<CountryRecord[]> {
  const mod = await import('world-countries');
  return parseRestCountries(mod.default);
}

export function createCountryClient(options: {
  http: ProviderHttp;
  baseUrl: string;
  logger: EnrichmentLogger;
  loadFallback: () => Promise<CountryRecord[]>;
}): CountryClient {
  const { http, baseUrl, logger, loadFallback } = options;
  return {
    async resolveCountries(names) {
      if (names.length === 0) return { source: 'api', countries: [], stale: false };
      const res = await http.getJson(allCountriesUrl(baseUrl), parseRestCountries);
      if (res.ok) {
        return { source: res.source, countries: resolveCountryNames(names, res.value), stale: res.stale };
      }
      logger.warn({ provider: 'country', error: res.error }, 'country: using the world-countries package');
      return {
        source: 'fallback',
        countries: resolveCountryNames(names, await loadFallback()),
        stale: false,
        error: res.error,
      };
    },
  };
}
