import { createHash } from 'node:crypto';

/**
 * Which ranges of business dates gold keeps pre-aggregates for (ADR 0025). Per-day files made a whole-history
 * table open one file per day and pre-aggregate, ~28,000 files on a 15-year lake; compacted ranges bound that:
 *
 * - a **unit** is the range whose lines one pre-aggregate row summarises (distinct counts are made within it): the
 *   days of the newest month (the open month, where daily batches land), a whole month for every older month, and
 *   any key that is not a date (`__unknown__`) on its own;
 * - a **closed year** (older than the newest date's year) is additionally kept as one file per pre-aggregate,
 *   combined from its month units' rows, so whole-history tables read one file per closed year, one per month of
 *   the open year and one per day of the open month.
 *
 * Each range carries `inputs`, a digest of exactly what it was computed from (its days' silver file keys; for a
 * year, its months' digests): a range is reused while its digest is unchanged and recomputed otherwise. So a new
 * day costs that day, a changed old day its month (from silver lines) and its year (from twelve month files), and
 * the first day of a new month compacts the month before it once.
 */

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** A silver partition as the planner sees it: its key and the identities (storage keys) of its files. */
export interface RangeInput {
  key: string;
  files: string[];
}

export interface RangePlan {
  /** Unit key → the silver partition keys it holds, sorted. */
  units: Map<string, string[]>;
  /** Closed year → its month units, sorted. */
  years: Map<string, string[]>;
  /** Range key (unit or closed year) → digest of its inputs. */
  inputs: Map<string, string>;
  /** The ranges whole-history tables read: closed years and the units outside them, sorted. */
  read: string[];
}

const digest = (value: unknown): string => createHash('sha256').update(JSON.stringify(value)).digest('hex');

/** The year a unit belongs to when that year is closed (its months are compacted into the year's file). */
export function closedYearOf(unit: string, newest: string | undefined): string | undefined {
  if (!newest || !/^\d{4}-\d{2}$/.test(unit)) return undefined;
  const year = unit.slice(0, 4);
  return year < newest.slice(0, 4) ? year : undefined;
}

export function planRanges(partitions: RangeInput[]): RangePlan {
  const dated = partitions.map((p) => p.key).filter((k) => DAY.test(k));
  const newest = dated.length === 0 ? undefined : dated.reduce((a, b) => (a > b ? a : b));
  const openMonth = newest?.slice(0, 7);
  const unitOf = (key: string): string =>
    !DAY.test(key) || key.slice(0, 7) === openMonth ? key : key.slice(0, 7);

  const files = new Map(partitions.map((p) => [p.key, p.files]));
  const units = new Map<string, string[]>();
  for (const key of [...files.keys()].sort()) {
    const u = unitOf(key);
    units.set(u, [...(units.get(u) ?? []), key]);
  }
  const inputs = new Map<string, string>();
  for (const [u, days] of units) inputs.set(u, digest(days.map((d) => [d, files.get(d)])));

  const years = new Map<string, string[]>();
  const read: string[] = [];
  for (const u of [...units.keys()].sort()) {
    const y = closedYearOf(u, newest);
    if (!y) read.push(u);
    else years.set(y, [...(years.get(y) ?? []), u]);
  }
  for (const [y, months] of years) {
    inputs.set(y, digest(months.map((m) => [m, inputs.get(m)])));
    read.push(y);
  }
  return { units, years, inputs, read: read.sort() };
}

/** The kind of a range key, for its storage directory name. */
export function rangeLevel(key: string): 'day' | 'month' | 'year' | 'other' {
  if (DAY.test(key)) return 'day';
  if (/^\d{4}-\d{2}$/.test(key)) return 'month';
  if (/^\d{4}$/.test(key)) return 'year';
  return 'other';
}
