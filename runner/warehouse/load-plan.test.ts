import { describe, expect, it } from 'vitest';
import { UNKNOWN_PARTITION, type SilverPartition } from '../lake/partitions.js';
import { dateKeyOf, planLoad, type LoadedSilver } from './load-plan.js';

const part = (run: string, rows = 1): SilverPartition => ({
  builtBy: run,
  tables: { sales_lines: { key: `silver/x/parts/sales_lines/${run}.parquet`, rows } },
});
const map = (entries: Record<string, string>): Record<string, SilverPartition> =>
  Object.fromEntries(Object.entries(entries).map(([k, run]) => [k, part(`${k}/${run}`)]));
const loaded = (partitions: Record<string, SilverPartition> | null): LoadedSilver => ({
  runId: 'r1',
  silverVersion: 'v1',
  partitions,
});

describe('planLoad', () => {
  const before = map({ '2011-01-04': 'a', '2011-01-05': 'a', [UNKNOWN_PARTITION]: 'a' });

  it('loads only the partitions whose files changed, added or removed', () => {
    const after = map({ '2011-01-04': 'a', '2011-01-05': 'b', '2011-01-06': 'b', [UNKNOWN_PARTITION]: 'b' });
    delete after['2011-01-04'];
    const plan = planLoad({
      loaded: loaded(before),
      silverVersion: 'v2',
      partitions: after,
      fullRefresh: false,
    });
    expect(plan.full).toBe(false);
    expect(plan.touched).toEqual({
      full: false,
      keys: ['2011-01-04', '2011-01-05', '2011-01-06', UNKNOWN_PARTITION],
    });
    expect(plan.dates).toEqual(['2011-01-04', '2011-01-05', '2011-01-06']);
  });

  it('does not mistake a map whose keys were reordered (read back from jsonb) for a change', () => {
    const reordered = Object.fromEntries(
      Object.entries(before).map(([k, p]) => [
        k,
        { tables: { sales_lines: { rows: 1, key: p.tables.sales_lines?.key ?? '' } }, builtBy: p.builtBy },
      ]),
    ) as Record<string, SilverPartition>;
    const plan = planLoad({
      loaded: loaded(reordered),
      silverVersion: 'v1',
      partitions: before,
      fullRefresh: false,
    });
    expect(plan.touched.keys).toEqual([]);
  });

  it('changes nothing when the same partitions are loaded again', () => {
    const plan = planLoad({
      loaded: loaded(before),
      silverVersion: 'v1',
      partitions: before,
      fullRefresh: false,
    });
    expect(plan).toMatchObject({ full: false, touched: { full: false, keys: [] }, dates: [] });
  });

  it('is full on the first load, for an unpartitioned silver or last load, and on --full-refresh', () => {
    const cases = [
      { loaded: undefined, partitions: before, fullRefresh: false },
      { loaded: loaded(before), partitions: undefined, fullRefresh: false },
      { loaded: loaded(null), partitions: before, fullRefresh: false },
      { loaded: loaded(before), partitions: before, fullRefresh: true },
    ];
    const reasons = new Set<string>();
    for (const c of cases) {
      const plan = planLoad({ ...c, silverVersion: 'v2' });
      expect(plan.full).toBe(true);
      expect(plan.touched.full).toBe(true);
      expect(plan.touched.keys).toEqual(c.partitions ? Object.keys(before).sort() : []);
      reasons.add(plan.reason);
    }
    expect(reasons.size).toBe(cases.length);
  });

  it('turns a partition key into the dim_date key', () => {
    expect(dateKeyOf('2011-12-09')).toBe(20111209);
  });
});
