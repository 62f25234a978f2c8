import { UsageError } from '../errors.js';

/**
 * Sets of business dates as people and small status fields write them: `2011-03-01..2011-03-07,2011-03-09`.
 * One notation for `medallion run --partitions`, the step Job's arguments, the step report, the PipelineRun status and
 * `kubectl medallion backfill --retry`, so a list of failed dates goes round the whole loop without a translation.
 */

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const DAY_MS = 86_400_000;
/** A backfill names at most ten years of days: larger ranges are a typo, not a backfill. */
export const MAX_DATES = 3660;

export function isBusinessDate(s: string): boolean {
  return (
    DATE.test(s) &&
    !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) &&
    new Date(`${s}T00:00:00Z`).toISOString().startsWith(s)
  );
}

const next = (d: string): string =>
  new Date(Date.parse(`${d}T00:00:00Z`) + DAY_MS).toISOString().slice(0, 10);

/** Every date from `from` to `to`, both included. */
export function datesBetween(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = from; d <= to; d = next(d)) {
    out.push(d);
    if (out.length > MAX_DATES)
      throw new UsageError(
        `the range ${from}..${to} has more than ${MAX_DATES} days`,
        'Backfill in smaller ranges.',
      );
  }
  return out;
}

/** Parses `D`, `D..D` and comma-separated lists of them; sorted, without repeats. */
export function parseDateSet(text: string, what = '--partitions'): string[] {
  const out = new Set<string>();
  for (const part of text.split(',').map((s) => s.trim())) {
    const [from, to, extra] = part.split('..');
    const hint = 'Business dates are YYYY-MM-DD; give a range as FROM..TO, lists separated by commas.';
    if (extra !== undefined || !from || !isBusinessDate(from) || (to !== undefined && !isBusinessDate(to)))
      throw new UsageError(`${what} ${text}: "${part}" is not a date or a range`, hint);
    if (to !== undefined && to < from)
      throw new UsageError(`${what} ${text}: ${part} ends before it starts`, 'Give the earlier date first.');
    for (const d of to === undefined ? [from] : datesBetween(from, to)) out.add(d);
    if (out.size > MAX_DATES)
      throw new UsageError(`${what} names more than ${MAX_DATES} days`, 'Backfill in smaller ranges.');
  }
  return [...out].sort();
}

/** The shortest form of a set of dates: consecutive days become `FROM..TO` (two days stay a list). */
export function formatDateSet(dates: Iterable<string>): string {
  const sorted = [...new Set(dates)].sort();
  const parts: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === next(sorted[j]!)) j++;
    if (j === i) parts.push(sorted[i]!);
    else if (j === i + 1) parts.push(sorted[i]!, sorted[j]!);
    else parts.push(`${sorted[i]}..${sorted[j]}`);
    i = j + 1;
  }
  return parts.join(',');
}
