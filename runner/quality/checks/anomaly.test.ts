import { describe, expect, it } from 'vitest';
import { judgeAnomaly, MAD_FLOOR_RATIO, robustZ, type HistoryPoint } from './anomaly.js';

// Mondays from 2011-01-03 on, a week apart.
const mondays = (values: number[]): HistoryPoint[] =>
  values.map((value, i) => {
    const d = new Date(Date.UTC(2011, 0, 3 + 7 * i)).toISOString().slice(0, 10);
    return { key: d, date: d, value };
  });

describe('robust z-score', () => {
  it('is 0.6745 (x − median) / MAD', () => {
    // median 100, deviations 0,10,10,20,20 → MAD 10 (above the floor of 0.2 × 100 = 20? no: floor wins)
    const r = robustZ(130, [80, 90, 100, 110, 120]);
    expect(r.median).toBe(100);
    expect(r.mad).toBe(MAD_FLOOR_RATIO * 100);
    expect(r.z).toBeCloseTo((0.6745 * 30) / 20, 10);
    const wide = robustZ(300, [0, 100, 200, 100, 400]);
    expect(wide.mad).toBe(100);
    expect(wide.z).toBeCloseTo((0.6745 * 200) / 100, 10);
  });

  it('ignores an outlier in the history that would swamp a mean', () => {
    expect(robustZ(100, [100, 101, 99, 100, 100_000]).median).toBe(100);
  });
});

describe('judgeAnomaly', () => {
  const history = mondays([1000, 1100, 900, 1050, 950, 1000]);
  const next = (value: number): HistoryPoint => ({ key: '2011-02-14', date: '2011-02-14', value });

  it('waits for minHistory comparable values', () => {
    const j = judgeAnomaly({ minHistory: 7 }, next(10), history);
    expect(j).toMatchObject({ z: null, flagged: false, history: 6 });
  });

  it('flags half a usual Monday by its drop, a normal one not at all', () => {
    expect(judgeAnomaly({}, next(500), history)).toMatchObject({ flagged: true, reason: 'drop' });
    expect(judgeAnomaly({}, next(1020), history)).toMatchObject({ flagged: false });
  });

  it('flags a spike by its z-score, unless only drops matter', () => {
    expect(judgeAnomaly({}, next(3000), history)).toMatchObject({ flagged: true, reason: 'z' });
    expect(judgeAnomaly({ direction: 'low' }, next(3000), history).flagged).toBe(false);
  });

  it('compares only the same weekday by default, every day with baseline recent', () => {
    const tuesdays = mondays([100, 100, 100, 100, 100, 100, 100]).map((p) => {
      const d = new Date(Date.parse(p.date) + 86_400_000).toISOString().slice(0, 10);
      return { key: d, date: d, value: p.value };
    });
    const mixed = [...history, ...tuesdays];
    expect(judgeAnomaly({}, next(1000), mixed)).toMatchObject({ flagged: false, median: 1000 });
    expect(judgeAnomaly({ baseline: 'recent', window: 5 }, next(1000), mixed).flagged).toBe(true);
  });

  it('uses only values dated before the judged one', () => {
    const later = mondays([1, 1, 1, 1, 1, 1, 1, 1, 1, 1]).map((p) => ({
      ...p,
      key: `x${p.key}`,
      date: `2012${p.date.slice(4)}`,
    }));
    expect(judgeAnomaly({}, next(1000), [...history, ...later]).median).toBe(1000);
  });
});
