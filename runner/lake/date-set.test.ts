import { describe, expect, it } from 'vitest';
import { datesBetween, formatDateSet, parseDateSet } from './date-set.js';

describe('date sets', () => {
  it('expands ranges and lists, across month ends and leap days', () => {
    expect(parseDateSet('2012-02-28..2012-03-01')).toEqual(['2012-02-28', '2012-02-29', '2012-03-01']);
    expect(parseDateSet('2011-03-09, 2011-03-01..2011-03-02,2011-03-01')).toEqual([
      '2011-03-01',
      '2011-03-02',
      '2011-03-09',
    ]);
    expect(datesBetween('2011-03-01', '2011-03-31')).toHaveLength(31);
  });

  it('writes the shortest form and reads it back', () => {
    const dates = [...datesBetween('2011-03-01', '2011-03-07'), '2011-03-09', '2011-03-11', '2011-03-12'];
    const text = formatDateSet(dates);
    expect(text).toBe('2011-03-01..2011-03-07,2011-03-09,2011-03-11,2011-03-12');
    expect(parseDateSet(text)).toEqual(dates);
    expect(formatDateSet([])).toBe('');
  });

  it('refuses what is not a date, reversed ranges and huge ranges', () => {
    expect(() => parseDateSet('2011-02-30')).toThrow(/not a date/);
    expect(() => parseDateSet('2011-03-05..2011-03-01')).toThrow(/ends before it starts/);
    expect(() => parseDateSet('2011-03-01...2011-03-05')).toThrow(/not a date/);
    expect(() => parseDateSet('2000-01-01..2019-01-01')).toThrow(/more than/);
  });
});
