import { describe, expect, it } from 'vitest';
import { parseFrankfurterSeries, requestWindows, seriesUrl, WINDOW_DAYS } from './fx-client.js';
import { daysBetween } from './calendar-date.js';

describe('parseFrankfurterSeries', () => {
  const body = {
    amount: 1.0,
    base: 'EUR',
    start_date: '2010-11-30',
    end_date: '2010-12-03',
    rates: {
      '2010-12-01': { GBP: 0.8393, USD: 1.3115 },
      '2010-11-30': { GBP: 0.8384, USD: 1.2998 },
      '2010-12-03': { GBP: 0.85315, USD: 1.3384 },
    },
  };

  it('keeps the published decimals and sorts by date', () => {
    expect(parseFrankfurterSeries(body)).toEqual([
      { date: '2010-11-30', gbp: '0.8384', usd: '1.2998' },
      { date: '2010-12-01', gbp: '0.8393', usd: '1.3115' },
      { date: '2010-12-03', gbp: '0.85315', usd: '1.3384' },
    ]);
  });

  it('refuses off-contract bodies', () => {
    expect(() => parseFrankfurterSeries({ ...body, base: 'USD' })).toThrow();
    expect(() => parseFrankfurterSeries({ message: 'not found' })).toThrow();
    expect(() => parseFrankfurterSeries({ ...body, rates: { '2010-12-01': { GBP: 0.8393 } } })).toThrow();
    expect(() => parseFrankfurterSeries({ ...body, rates: { '2010-12-01': { GBP: -1, USD: 1 } } })).toThrow();
  });

  it('refuses a thinned (weekly) series, which would silently give wrong rates', () => {
    const weekly = {
      ...body,
      rates: { '2010-12-01': body.rates['2010-12-01'], '2010-12-08': body.rates['2010-12-03'] },
    };
    expect(() => parseFrankfurterSeries(weekly)).toThrow(/daily/);
  });
});

describe('requestWindows / seriesUrl', () => {
  it('starts early enough for the lookback and covers the range in windows of at most WINDOW_DAYS', () => {
    const windows = requestWindows('2010-12-01', '2011-12-09');
    expect(windows[0]![0]).toBe('2010-11-21');
    expect(windows.at(-1)![1]).toBe('2011-12-09');
    for (const [s, e] of windows) expect(daysBetween(s, e)).toBeLessThanOrEqual(WINDOW_DAYS);
    for (let i = 1; i < windows.length; i += 1)
      expect(daysBetween(windows[i - 1]![1], windows[i]![0])).toBe(1);
    expect(windows).toHaveLength(2);
  });

  it('uses one window for a short range', () => {
    expect(requestWindows('2011-04-22', '2011-04-25')).toEqual([['2011-04-12', '2011-04-25']]);
  });

  it('builds the documented time-series URL', () => {
    expect(seriesUrl('https://api.frankfurter.dev/v1/', '2010-11-21', '2011-11-16')).toBe(
      'https://api.frankfurter.dev/v1/2010-11-21..2011-11-16?base=EUR&symbols=GBP,USD',
    );
  });
});
