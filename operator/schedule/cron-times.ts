import type { CronSpec } from './cron.js';

/**
 * Schedule times of a cron spec in an IANA time zone, using only Intl (no tz library).
 *
 * Matching happens on local wall-clock time. DST follows RFC 5545 (and Temporal's "compatible" disambiguation):
 * a wall time that does not exist (spring forward) runs at the same wall time shifted by the gap, so a daily 01:30 job
 * in Europe/London runs at 02:30 BST on that day instead of being skipped; a wall time that happens twice (fall back)
 * runs once, at its first occurrence.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Wall-clock time of an instant, encoded as if it were UTC (so Date.UTC arithmetic has no DST). */
function wallTime(instantMs: number, timeZone: string): number {
  const p: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(new Date(instantMs))) {
    if (part.type !== 'literal') p[part.type] = Number(part.value);
  }
  const wall = Date.UTC(
    p.year ?? 0,
    (p.month ?? 1) - 1,
    p.day ?? 1,
    p.hour ?? 0,
    p.minute ?? 0,
    p.second ?? 0,
  );
  return wall + (instantMs % 1000);
}

/** The instant a wall-clock time denotes, with the DST rules described above. */
function instantOf(wall: number, timeZone: string): number {
  // Offsets half a day either side cover any transition near `wall` (zones never change offset twice a day).
  const before = wallTime(wall - 12 * HOUR, timeZone) - (wall - 12 * HOUR);
  const after = wallTime(wall + 12 * HOUR, timeZone) - (wall + 12 * HOUR);
  const candidates = [wall - before, wall - after].filter((t) => wallTime(t, timeZone) === wall);
  if (candidates.length > 0) return Math.min(...candidates);
  return wall - before; // in a gap: keep the offset in force before the jump, i.e. shift forward by the gap
}

function dayMatches(spec: CronSpec, wall: Date): boolean {
  const dom = spec.dayOfMonth.has(wall.getUTCDate());
  const dow = spec.dayOfWeek.has(wall.getUTCDay());
  if (spec.dayOfMonthStar || spec.dayOfWeekStar) return dom && dow;
  return dom || dow;
}

// Far enough for any satisfiable spec (29 February on a given weekday recurs within 28 years).
const SEARCH_YEARS = 30;

/** First matching wall time strictly after (dir 1) or at-or-before (dir -1) `wall`, or undefined. */
function searchWall(spec: CronSpec, wall: number, dir: 1 | -1): number | undefined {
  let t = Math.floor(wall / MINUTE) * MINUTE;
  if (dir === 1) t += MINUTE;
  const limitYear = new Date(wall).getUTCFullYear() + dir * SEARCH_YEARS;
  for (;;) {
    const d = new Date(t);
    const [y, mo, day, h] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate(), d.getUTCHours()];
    if (dir === 1 ? y > limitYear : y < limitYear) return undefined;
    if (!spec.month.has(mo + 1)) {
      t = dir === 1 ? Date.UTC(y, mo + 1, 1) : Date.UTC(y, mo, 1) - MINUTE;
    } else if (!dayMatches(spec, d)) {
      t = dir === 1 ? Date.UTC(y, mo, day + 1) : Date.UTC(y, mo, day) - MINUTE;
    } else if (!spec.hour.has(h)) {
      t = dir === 1 ? Date.UTC(y, mo, day, h + 1) : Date.UTC(y, mo, day, h) - MINUTE;
    } else if (!spec.minute.has(d.getUTCMinutes())) {
      t += dir * MINUTE;
    } else {
      return t;
    }
  }
}

/** The first schedule time strictly after `after`. */
export function nextTime(spec: CronSpec, timeZone: string, after: Date): Date | undefined {
  let wall = wallTime(after.getTime(), timeZone);
  for (;;) {
    const found = searchWall(spec, wall, 1);
    if (found === undefined) return undefined;
    const instant = instantOf(found, timeZone);
    // A fall-back repeat maps to an instant we already passed: that wall time has run, look further.
    if (instant > after.getTime()) return new Date(instant);
    wall = found;
  }
}

/** The latest schedule time at or before `atOrBefore`. */
export function previousTime(spec: CronSpec, timeZone: string, atOrBefore: Date): Date | undefined {
  let wall = wallTime(atOrBefore.getTime(), timeZone);
  for (;;) {
    const found = searchWall(spec, wall, -1);
    if (found === undefined) return undefined;
    const instant = instantOf(found, timeZone);
    // A gap-shifted time can land after the bound; then the previous match is the answer.
    if (instant <= atOrBefore.getTime()) return new Date(instant);
    wall = found - MINUTE;
  }
}
