import { describe, expect, it } from 'vitest';
import { easterSunday, englandWalesBankHolidays } from './bank-holidays.js';

const dates = (year: number): string[] => englandWalesBankHolidays(year).map((h) => h.date);

describe('englandWalesBankHolidays', () => {
  it('computes Easter Sunday', () => {
    expect(easterSunday(2010).toISOString().slice(0, 10)).toBe('2010-04-04');
    expect(easterSunday(2011).toISOString().slice(0, 10)).toBe('2011-04-24');
    expect(easterSunday(2019).toISOString().slice(0, 10)).toBe('2019-04-21');
    expect(easterSunday(2038).toISOString().slice(0, 10)).toBe('2038-04-25');
  });

  it('matches the published 2010 list, with Christmas and Boxing Day substitutes', () => {
    expect(dates(2010)).toEqual([
      '2010-01-01',
      '2010-04-02',
      '2010-04-05',
      '2010-05-03',
      '2010-05-31',
      '2010-08-30',
      '2010-12-27',
      '2010-12-28',
    ]);
    expect(englandWalesBankHolidays(2010).at(-2)?.name).toBe('Christmas Day (substitute day)');
  });

  it('matches the published 2011 list, including the royal wedding and the New Year substitute', () => {
    expect(dates(2011)).toEqual([
      '2011-01-03',
      '2011-04-22',
      '2011-04-25',
      '2011-04-29',
      '2011-05-02',
      '2011-05-30',
      '2011-08-29',
      '2011-12-26',
      '2011-12-27',
    ]);
  });

  it('applies proclamation moves (2012 jubilee, 2020 VE day)', () => {
    expect(dates(2012)).toEqual(expect.arrayContaining(['2012-06-04', '2012-06-05']));
    expect(dates(2012)).not.toContain('2012-05-28');
    expect(dates(2020)).toContain('2020-05-08');
    expect(dates(2020)).not.toContain('2020-05-04');
  });

  it('moves Boxing Day to Monday when Christmas is a Friday', () => {
    expect(dates(2020).slice(-2)).toEqual(['2020-12-25', '2020-12-28']);
  });
});
