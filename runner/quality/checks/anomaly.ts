import { ANOMALY_DEFAULTS, type QualityCheck } from '../../spec/quality-checks-spec.js';

/**
 * Anomaly judgement, pure: a value against the same metric's history, by the robust z-score of Iglewicz and
 * Hoaglin, z = 0.6745 · (x − median) / MAD, where MAD is the median absolute deviation of the history. Median and
 * MAD ignore the few outliers a history holds (a holiday, a broken day) that would inflate a mean and a standard
 * deviation. When MAD is 0 (over half the history is one value) the mean absolute deviation × 1.2533 stands in;
 * when that is 0 too, any other value is infinitely far.
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
  flagged: boolean;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export function robustZ(value: number, history: number[]): { z: number; median: number; mad: number } {
  const med = median(history);
  const deviations = history.map((x) => Math.abs(x - med));
  const mad = median(deviations);
  if (mad > 0) return { z: (0.6745 * (value - med)) / mad, median: med, mad };
  const meanAd = deviations.reduce((a, b) => a + b, 0) / deviations.length;
  if (meanAd > 0) return { z: (value - med) / (1.2533 * meanAd), median: med, mad };
  return { z: value === med ? 0 : value > med ? Infinity : -Infinity, median: med, mad };
}

const weekday = (date: string): number => new Date(`${date}T00:00:00Z`).getUTCDay();

/** Judges `point` against the points dated before it: the last `window` (of its weekday, for sameWeekday). */
export function judgeAnomaly(
  c: Pick<QualityCheck, 'baseline' | 'window' | 'minHistory' | 'threshold' | 'direction'>,
  point: HistoryPoint,
  all: readonly HistoryPoint[],
): AnomalyJudgement {
  const baseline = c.baseline ?? ANOMALY_DEFAULTS.baseline;
  const window = c.window ?? ANOMALY_DEFAULTS.window;
  const minHistory = c.minHistory ?? ANOMALY_DEFAULTS.minHistory;
  const threshold = c.threshold ?? ANOMALY_DEFAULTS.threshold;
  const direction = c.direction ?? ANOMALY_DEFAULTS.direction;
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
      flagged: false,
    };
  const r = robustZ(point.value, earlier);
  const flagged =
    direction === 'both'
      ? Math.abs(r.z) > threshold
      : direction === 'low'
        ? r.z < -threshold
        : r.z > threshold;
  return {
    key: point.key,
    value: point.value,
    z: r.z,
    median: r.median,
    mad: r.mad,
    history: earlier.length,
    flagged,
  };
}
