import { describe, expect, it } from 'vitest';
import { buildDateRows, isoWeek } from './dim-date.js';

describe('buildDateRows', () => {
  const rows = buildDateRows(2010, 2011);

  it('covers every day of the years with yyyymmdd keys', () => {
    expect(rows).toHaveLength(730);
    expect(rows[0]).toMatchObject({
      date_key: 20100101,
      date: '2010-01-01',
      day_name: 'Friday',
      day_of_week: 5,
    });
    expect(rows.at(-1)).toMatchObject({
      date_key: 20111231,
      day_of_year: 365,
      quarter: 4,
      month_name: 'December',
    });
  });

  it('flags weekends and bank holidays', () => {
    const byDate = new Map(rows.map((row) => [row.date, row]));
    expect(byDate.get('2011-04-29')).toMatchObject({ is_uk_bank_holiday: true, is_weekend: false });
    expect(byDate.get('2011-04-30')).toMatchObject({
      is_uk_bank_holiday: false,
      is_weekend: true,
      day_name: 'Saturday',
    });
    expect(rows.filter((row) => row.is_uk_bank_holiday)).toHaveLength(17);
  });

  it('numbers ISO weeks across year boundaries', () => {
    expect(isoWeek(new Date('2010-01-03T00:00:00Z'))).toEqual({ isoYear: 2009, week: 53 });
    expect(isoWeek(new Date('2011-01-03T00:00:00Z'))).toEqual({ isoYear: 2011, week: 1 });
    expect(isoWeek(new Date('2008-12-29T00:00:00Z'))).toEqual({ isoYear: 2009, week: 1 });
  });
});
