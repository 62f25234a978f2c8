import { describe, expect, it } from 'vitest';
import { planRanges, rangeLevel } from './gold-ranges.js';

const part = (key: string, file = `${key}-a`): { key: string; files: string[] } => ({ key, files: [file] });

describe('planRanges', () => {
  const history = [
    '2009-03-02',
    '2009-12-30',
    '2010-06-01',
    '2010-06-02',
    '2010-12-31',
    '2011-01-04',
    '2011-02-01',
    '2011-02-02',
    '__unknown__',
  ];

  it('keeps days of the newest month, whole older months, and compacts closed years', () => {
    const plan = planRanges(history.map((k) => part(k)));
    expect([...plan.units.keys()].sort()).toEqual([
      '2009-03',
      '2009-12',
      '2010-06',
      '2010-12',
      '2011-01',
      '2011-02-01',
      '2011-02-02',
      '__unknown__',
    ]);
    expect(plan.units.get('2010-06')).toEqual(['2010-06-01', '2010-06-02']);
    expect(Object.fromEntries(plan.years)).toEqual({
      '2009': ['2009-03', '2009-12'],
      '2010': ['2010-06', '2010-12'],
    });
    // Whole-history tables read each closed year once, the open year's months and the open month's days.
    expect(plan.read).toEqual(['2009', '2010', '2011-01', '2011-02-01', '2011-02-02', '__unknown__']);
  });

  it('changes the digest of exactly the ranges whose inputs changed', () => {
    const before = planRanges(history.map((k) => part(k)));
    const after = planRanges(history.map((k) => (k === '2010-06-02' ? part(k, 'reingested') : part(k))));
    const changed = [...after.inputs.keys()].filter((k) => after.inputs.get(k) !== before.inputs.get(k));
    expect(changed.sort()).toEqual(['2010', '2010-06']);
  });

  it('a new month closes the month before it; a new year closes the year before it', () => {
    const before = planRanges(history.map((k) => part(k)));
    const next = planRanges([...history, '2011-03-01'].map((k) => part(k)));
    expect(next.units.get('2011-02')).toEqual(['2011-02-01', '2011-02-02']);
    expect(next.units.has('2011-02-01')).toBe(false);
    const changed = [...next.inputs.keys()].filter((k) => next.inputs.get(k) !== before.inputs.get(k));
    expect(changed.sort()).toEqual(['2011-02', '2011-03-01']);
    const newYear = planRanges([...history, '2012-01-02'].map((k) => part(k)));
    expect(newYear.years.get('2011')).toEqual(['2011-01', '2011-02']);
    expect(newYear.read).toEqual(['2009', '2010', '2011', '2012-01-02', '__unknown__']);
  });

  it('a lake of one month, or of no dates, has no compaction', () => {
    const plan = planRanges(['2011-02-01', '2011-02-02'].map((k) => part(k)));
    expect(plan.read).toEqual(['2011-02-01', '2011-02-02']);
    expect(planRanges([part('__unknown__')]).read).toEqual(['__unknown__']);
    expect(planRanges([]).read).toEqual([]);
  });

  it('names range levels', () => {
    expect(['2011-02-01', '2011-02', '2011', '__unknown__'].map(rangeLevel)).toEqual([
      'day',
      'month',
      'year',
      'other',
    ]);
  });
});
