import { ANOMALY_DEFAULTS, type QualityCheck } from '../../spec/quality-checks-spec.js';

/**
 * Anomaly judgement, pure: a value against the same metric's history, by the robust z-score of Iglewicz and
 * Hoaglin, z = 0.6745 · (x − median) / MAD, where MAD is the median absolute deviation of the history. Median and
 * MAD ignore the few outliers a history holds (a holiday, a broken day) that would inflate a mean and a standard
 * deviation. When MAD is 0 (over half the history is one value) the mean absolute deviation × 1.2533 stands in;
 * when that is 0 too, any other value is infinitely far.
 *
 * A z-score alone misses a feed that lost half its rows when the metric's own day-to-day spread is wide (daily
 * line counts of the Online Retail data vary by ±40 % around their median): so a value more than `maxDrop` below
 * the median is flagged too (docs/quality.md has the figures; ADR 0027 the reasoning).
 */

export interface HistoryPoint {
  /** Partition date (YYYY-MM-DD) or run id. */
  key: string;
  /** Calendar date of the point (YYYY-MM-DD): the business date, or the run's start date. */
  date: string;
  value: number;
}

export interface AnomalyJudgement {
  key: string;
  value: number;
  /** null: fewer than minHistory comparable points. */
  z: number | null;
  median: number;
  mad: number;
  history: number;
  /** (value − median) / median; null when the median is 0. */
  change: number | null;
  flagged: boolean;
  /** Why it was flagged: the z-score, the drop below the median, or both. */
  reason?: 'z' | 'drop' | 'z+drop';
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

/**
 * The MAD is floored at this share of |median|: from the 4–8 points of a same-weekday baseline it can be near 0 by
 * chance, and every ordinary day would then be "anomalous" (on the Online Retail replay, a floor of 0.1 gave 37
 * flags, 0.2 gave 24 with the same catch rate of broken days; docs/quality.md).
 */
export const MAD_FLOOR_RATIO = 0.2;

export function robustZ(value: number, history: number[]): { z: number; median: number; mad: number } {
  const med = median(history);
  const deviations = history.map((x) => Math.abs(x - med));
  const mad = Math.max(median(deviations), MAD_FLOOR_RATIO * Math.abs(med));
  if (mad > 0) return { z: (0.6745 * (value - med)) / mad, median: med, mad };
  const meanAd = deviations.reduce((a, b) => a + b, 0) / deviations.length;
  if (meanAd > 0) return { z: (value - med) / (1.2533 * meanAd), median: med, mad };
  return { z: value === med ? 0 : value > med ? Infinity : -Infinity, median: med, mad };
}

const weekday = (date: string): number => new Date(`${date}T00:00:00Z`).getUTCDay();

/** Judges `point` against the points dated before it: the last `window` (of its weekday, for sameWeekday). */
export function judgeAnomaly(
  c: Pick<QualityCheck, 'baseline' | 'window' | 'minHistory' | 'threshold' | 'direction' | 'maxDrop'>,
  point: HistoryPoint,
  all: readonly HistoryPoint[],
): AnomalyJudgement {
  const baseline = c.baseline ?? ANOMALY_DEFAULTS.baseline;
  const window = c.window ?? ANOMALY_DEFAULTS.window;
  const minHistory = c.minHistory ?? ANOMALY_DEFAULTS.minHistory;
  const threshold = c.threshold ?? ANOMALY_DEFAULTS.threshold;
  const direction = c.direction ?? ANOMALY_DEFAULTS.direction;
  const maxDrop = c.maxDrop ?? ANOMALY_DEFAULTS.maxDrop;
  const earlier = all
    .filter(
      (p) => p.key !== point.key && (p.date < point.date || (p.date === point.date && p.key < point.key)),
    )
    .filter((p) => baseline === 'recent' || weekday(p.date) === weekday(point.date))
    .sort((a, b) => (a.date === b.date ? a.key.localeCompare(b.key) : a.date.localeCompare(b.date)))
    .slice(-window)
    .map((p) => p.value);
  if (earlier.length < minHistory)
    return {
      key: point.key,
      value: point.value,
      z: null,
      median: NaN,
      mad: NaN,
      history: earlier.length,
      change: null,
      flagged: false,
    };
  const r = robustZ(point.value, earlier);
  const byZ =
    direction === 'both'
      ? Math.abs(r.z) > threshold
      : direction === 'low'
        ? r.z < -threshold
        : r.z > threshold;
  const change = r.median === 0 ? null : (point.value - r.median) / Math.abs(r.median);
  const byDrop = direction !== 'high' && change !== null && change < -maxDrop;
  return {
    key: point.key,
    value: point.value,
    z: r.z,
    median: r.median,
    mad: r.mad,
    history: earlier.length,
    change,
    flagged: byZ || byDrop,
    ...(byZ || byDrop ? { reason: byZ && byDrop ? 'z+drop' : byZ ? 'z' : 'drop' } : {}),
  };
}
