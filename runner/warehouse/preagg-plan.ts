import { createHash } from 'node:crypto';
import { UNKNOWN_PARTITION, type SilverPartition } from '../lake/partitions.js';

/**
 * Pure: which dimension pre-aggregate files (dimension-preaggs.ts) a silver version needs. A month's file is a
 * function of its days' sales_lines files, a year's of its months' files, so each is named by a hash of what it
 * is built from: a file, once written, is right for every version that has the same inputs, and a changed day
 * gives its month and year new names (the older files are never read for it again). Bump the format when the
 * pre-aggregate SQL changes, so files of the old SQL are not reused.
 */
export const PREAGG_FORMAT = 'dim-preagg-1';

export interface MonthPreagg {
  /** YYYY-MM, or UNKNOWN_PARTITION for lines without a business date. */
  month: string;
  /** Store key, relative to the pre-aggregate prefix. */
  key: string;
  /** Lake keys of the month's silver sales_lines partition files. */
  files: string[];
}

export interface YearPreagg {
  year: string;
  key: string;
  months: MonthPreagg[];
}

const hash = (value: unknown): string =>
  createHash('sha256').update(JSON.stringify(value)).digest('hex').slice(0, 24);

export const monthOfPartition = (key: string): string =>
  key === UNKNOWN_PARTITION ? UNKNOWN_PARTITION : key.slice(0, 7);

const yearOfMonth = (month: string): string =>
  month === UNKNOWN_PARTITION ? UNKNOWN_PARTITION : month.slice(0, 4);

/** The years (and their months) holding sales lines, with the content-derived keys of their files. */
export const planPreaggs = (partitions: Record<string, SilverPartition>): YearPreagg[] => {
  const months = new Map<string, [date: string, key: string, rows: number][]>();
  for (const date of Object.keys(partitions).sort()) {
    const file = partitions[date]?.tables.sales_lines;
    if (!file || file.rows === 0) continue;
    const month = monthOfPartition(date);
    months.set(month, [...(months.get(month) ?? []), [date, file.key, file.rows]]);
  }
  const years = new Map<string, MonthPreagg[]>();
  for (const [month, days] of [...months.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const plan: MonthPreagg = {
      month,
      key: `month=${month}/${hash([PREAGG_FORMAT, month, days])}.parquet`,
      files: days.map(([, key]) => key),
    };
    const year = yearOfMonth(month);
    years.set(year, [...(years.get(year) ?? []), plan]);
  }
  return [...years.entries()].map(([year, list]) => ({
    year,
    key: `year=${year}/${hash([PREAGG_FORMAT, year, list.map((m) => m.key)])}.parquet`,
    months: list,
  }));
};
