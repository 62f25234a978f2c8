import { z } from 'zod';
import { addDays, assertIsoDate, daysBetween, isIsoDate } from './calendar-date.js';
import { decimalFromNumber } from './money.js';
import {
  largestGapDays,
  mapDatesToRates,
  MAX_LOOKBACK_DAYS,
  type DateRate,
  type EcbRate,
} from './rate-table.js';
import type { ProviderHttp } from './resilient-http.js';
import type { DataSource, EnrichmentLogger } from './types.js';

/**
 * Currency provider: Frankfurter v1 time series (`GET {base}/{start}..{end}?base=EUR&symbols=GBP,USD`, ECB data),
 * asked once per date window, never per row, with the bundled ECB table as fallback.
 */

interface FxRates {
  source: DataSource;
  /** One row per distinct business date asked for, sorted. */
  rates: DateRate[];
  /** Business dates with no ECB rate within the lookback (none for the Online Retail data). */
  missing: string[];
  /** True when an expired cache entry stood in for a failed API call. */
  stale: boolean;
  /** Why the API was not used, when it was not. */
  error?: string;
}

interface FxClient {
  ratesForDates(dates: readonly string[]): Promise<FxRates>;
}

/**
 * Older Frankfurter versions thin series longer than a year down to weekly samples, so a range is split into
 * windows of at most WINDOW_DAYS; a series with gaps wider than any ECB closing period is refused as off-contract.
 */
export const WINDOW_DAYS = 360;
const MAX_DAILY_GAP_DAYS = 6;

const isoDate = z.string().refine(isIsoDate, 'not a YYYY-MM-DD date');
const FrankfurterSeries = z.object({
  amount: z.number(),
  base: z.literal('EUR'),
  start_date: isoDate,
  end_date: isoDate,
  rates: z.record(isoDate, z.object({ GBP: z.number().positive(), USD: z.number().positive() })),
});

/** Validates a Frankfurter time-series body and turns it into ECB rows with the published decimals. */
export function parseFrankfurterSeries(body: unknown): EcbRate[] {
  const series = FrankfurterSeries.parse(body);
  const rows = Object.entries(series.rates)
    .map(([date, r]) => ({
      date,
      // JSON numbers print back to the ECB's own digits (at most 6 significant), so nothing is lost here.
      gbp: formatDecimal(r.GBP),
      usd: formatDecimal(r.USD),
    }))
    .sort((a, b) => (a.date < b.date ? -1 : 1));
  if (largestGapDays(rows) > MAX_DAILY_GAP_DAYS) throw new Error('rates are not a daily series');
  return rows;
}

function formatDecimal(value: number): string {
  decimalFromNumber(value); // refuses exponent notation, which no ECB rate needs
  return String(value);
}

export function seriesUrl(baseUrl: string, start: string, end: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${start}..${end}?base=EUR&symbols=GBP,USD`;
}

/** Windows covering [first − lookback, last], each at most WINDOW_DAYS long. */
export function requestWindows(first: string, last: string): [string, string][] {
  const windows: [string, string][] = [];
  let start = addDays(first, -(MAX_LOOKBACK_DAYS + 3));
  while (daysBetween(start, last) > WINDOW_DAYS) {
    const end = addDays(start, WINDOW_DAYS);
    windows.push([start, end]);
    start = addDays(end, 1);
  }
  windows.push([start, last]);
  return windows;
}

export function createFxClient(options: {
  http: ProviderHttp;
  baseUrl: string;
  logger: EnrichmentLogger;
  loadFallback: () => Promise<EcbRate[]>;
}): FxClient {
  const { http, baseUrl, logger, loadFallback } = options;

  const fromFallback = async (dates: string[], error: string): Promise<FxRates> => {
    const { rates, missing } = mapDatesToRates(dates, await loadFallback());
    logger.warn(
      { provider: 'currency', error, missing: missing.length },
      'currency: using the bundled ECB table',
    );
    return { source: 'fallback', rates, missing, stale: false, error };
  };

  return {
    async ratesForDates(input) {
      const dates = [...new Set(input)].sort();
      dates.forEach(assertIsoDate);
      if (dates.length === 0) return { source: 'api', rates: [], missing: [], stale: false };
      const rows: EcbRate[] = [];
      let anyApi = false;
      let stale = false;
      for (const [start, end] of requestWindows(dates[0]!, dates.at(-1)!)) {
        const res = await http.getJson(seriesUrl(baseUrl, start, end), parseFrankfurterSeries);
        if (!res.ok) return fromFallback(dates, res.error);
        anyApi ||= res.source === 'api';
        stale ||= res.stale;
        rows.push(...res.value);
      }
      const mapped = mapDatesToRates(dates, rows);
      if (mapped.missing.length > 0) {
        const fallback = await fromFallback(dates, `API has no rate for ${mapped.missing.length} date(s)`);
        if (fallback.missing.length < mapped.missing.length) return fallback;
      }
      return { source: anyApi ? 'api' : 'cache', stale, ...mapped };
    },
  };
}
