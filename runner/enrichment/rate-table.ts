import { assertIsoDate, daysBetween } from './calendar-date.js';

/**
 * ECB reference rates and the mapping of business dates onto them. Rates stay decimal strings exactly as the ECB
 * publishes them ("0.8393"), so conversions can be exact; they are quoted per EUR (units of GBP or USD for 1 EUR).
 */

export interface EcbRate {
  /** ECB business day. */
  date: string;
  gbp: string;
  usd: string;
}

export interface DateRate {
  businessDate: string;
  /** The ECB business day whose rate applies: `businessDate` itself, or the latest earlier ECB day. */
  ecbDate: string;
  /** GBP per EUR on ecbDate. */
  gbp: string;
  /** USD per EUR on ecbDate. */
  usd: string;
}

/** ECB closing days never run longer than Good Friday..Easter Monday (4 days); allow a week before giving up. */
export const MAX_LOOKBACK_DAYS = 7;

/**
 * Maps every business date to the rate of that date or of the latest earlier ECB business day (weekends and TARGET
 * holidays have no rate). Dates with no ECB rate within MAX_LOOKBACK_DAYS are returned in `missing`.
 */
export function mapDatesToRates(
  dates: readonly string[],
  table: readonly EcbRate[],
): { rates: DateRate[]; missing: string[] } {
  const sortedTable = [...table].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const wanted = [...new Set(dates)].sort();
  wanted.forEach(assertIsoDate);
  const rates: DateRate[] = [];
  const missing: string[] = [];
  // Both lists are sorted, so one forward walk finds the latest table row on or before each date.
  let i = -1;
  for (const date of wanted) {
    while (i + 1 < sortedTable.length && sortedTable[i + 1]!.date <= date) i += 1;
    const row = i >= 0 ? sortedTable[i] : undefined;
    if (row && daysBetween(row.date, date) <= MAX_LOOKBACK_DAYS) {
      rates.push({ businessDate: date, ecbDate: row.date, gbp: row.gbp, usd: row.usd });
    } else {
      missing.push(date);
    }
  }
  return { rates, missing };
}

/** Largest gap in calendar days between consecutive rows; a daily ECB series never exceeds 5. */
export function largestGapDays(table: readonly EcbRate[]): number {
  let largest = 0;
  for (let k = 1; k < table.length; k += 1) {
    largest = Math.max(largest, daysBetween(table[k - 1]!.date, table[k]!.date));
  }
  return largest;
}
