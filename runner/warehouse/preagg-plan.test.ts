import { describe, expect, it } from 'vitest';
import type { SilverPartition } from '../lake/partitions.js';
import { planPreaggs } from './preagg-plan.js';

const part = (date: string, run: string, rows = 10): SilverPartition => ({
  builtBy: run,
  tables: { sales_lines: { key: `silver/d/parts/sales_lines/business_date=${date}/${run}.parquet`, rows } },
});

const map = (entries: [string, SilverPartition][]): Record<string, SilverPartition> =>
  Object.fromEntries(entries);

describe('planPreaggs', () => {
  const before = map([
    ['2010-12-01', part('2010-12-01', 'r1')],
    ['2011-01-04', part('2011-01-04', 'r1')],
    ['2011-02-01', part('2011-02-01', 'r1')],
    ['2011-02-02', part('2011-02-02', 'r1')],
  ]);

  it('groups days into months and months into years, named by their inputs', () => {
    const years = planPreaggs(before);
    expect(years.map((y) => [y.year, y.months.map((m) => [m.month, m.files.length])])).toEqual([
      ['2010', [['2010-12', 1]]],
      [
        '2011',
        [
          ['2011-01', 1],
          ['2011-02', 2],
        ],
      ],
    ]);
    expect(years[1]?.months[1]?.key).toMatch(/^month=2011-02\/[0-9a-f]{24}\.parquet$/);
    expect(years[0]?.key).toMatch(/^year=2010\/[0-9a-f]{24}\.parquet$/);
    expect(planPreaggs(structuredClone(before))).toEqual(years);
  });

  it('a changed day renames only its month and year; a partition without lines counts for nothing', () => {
    const a = planPreaggs(before);
    const b = planPreaggs({
      ...before,
      '2011-02-02': part('2011-02-02', 'r2'),
      '2011-01-05': { builtBy: 'r2', tables: { quarantine: { key: 'q', rows: 3 } } },
      __unknown__: { builtBy: 'r2', tables: {} },
    });
    expect(b[0]).toEqual(a[0]);
    expect(b[1]?.months[0]).toEqual(a[1]?.months[0]);
    expect(b[1]?.months[1]?.key).not.toBe(a[1]?.months[1]?.key);
    expect(b[1]?.key).not.toBe(a[1]?.key);
  });

  it('a removed day renames its month; lines without a date form their own group', () => {
    const { '2011-02-01': _gone, ...rest } = before;
    void _gone;
    const b = planPreaggs({ ...rest, __unknown__: part('__unknown__', 'r2') });
    expect(b[1]?.months[1]?.files).toHaveLength(1);
    expect(b[1]?.key).not.toBe(planPreaggs(before)[1]?.key);
    expect(b.at(-1)?.year).toBe('__unknown__');
  });
});
