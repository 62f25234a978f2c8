import { describe, expect, it } from 'vitest';
import { largestGapDays, mapDatesToRates, type EcbRate } from './rate-table.js';

// Real ECB rows around Easter 2011 (Good Friday 22 April and Easter Monday 25 April had no fixing).
const table: EcbRate[] = [
  { date: '2011-04-26', gbp: '0.8911', usd: '1.4617' },
  { date: '2011-04-20', gbp: '0.8851', usd: '1.4515' },
  { date: '2011-04-21', gbp: '0.88', usd: '1.4584' },
];

describe('mapDatesToRates', () => {
  it('uses the date itself when the ECB fixed a rate that day', () => {
    const { rates, missing } = mapDatesToRates(['2011-04-21'], table);
    expect(missing).toEqual([]);
    expect(rates).toEqual([
      { businessDate: '2011-04-21', ecbDate: '2011-04-21', gbp: '0.88', usd: '1.4584' },
    ]);
  });

  it('maps weekends and TARGET holidays to the latest earlier ECB business day', () => {
    const { rates } = mapDatesToRates(['2011-04-25', '2011-04-22', '2011-04-24', '2011-04-23'], table);
    expect(rates.map((r) => [r.businessDate, r.ecbDate])).toEqual([
      ['2011-04-22', '2011-04-21'],
      ['2011-04-23', '2011-04-21'],
      ['2011-04-24', '2011-04-21'],
      ['2011-04-25', '2011-04-21'],
    ]);
  });

  it('never looks forward, and reports dates with no earlier rate nearby as missing', () => {
    const { rates, missing } = mapDatesToRates(['2011-04-19', '2011-05-10', '2011-04-26'], table);
    expect(rates.map((r) => r.businessDate)).toEqual(['2011-04-26']);
    expect(missing).toEqual(['2011-04-19', '2011-05-10']);
  });

  it('deduplicates dates and treats a malformed date as a programming error', () => {
    expect(mapDatesToRates(['2011-04-21', '2011-04-21'], table).rates).toHaveLength(1);
    expect(() => mapDatesToRates(['2011-02-30'], table)).toThrow(TypeError);
    expect(() => mapDatesToRates(['21/04/2011'], table)).toThrow(TypeError);
  });
});

describe('largestGapDays', () => {
  it('measures the widest gap of a series', () => {
    expect(largestGapDays(table.slice().sort((a, b) => a.date.localeCompare(b.date)))).toBe(5);
    expect(largestGapDays([])).toBe(0);
  });
});
