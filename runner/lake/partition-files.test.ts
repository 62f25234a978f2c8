import { describe, expect, it } from 'vitest';
import { referencedKeys, tablePartitionKeys, unreferencedKeys } from './partition-files.js';

const P = 'silver/ds/parts/';
const meta = (run: string, days: Record<string, string>) => ({
  runId: run,
  partitions: Object.fromEntries(
    Object.entries(days).map(([d, by]) => [
      d,
      {
        builtBy: by,
        tables: { sales_lines: { key: `${P}sales_lines/business_date=${d}/${by}.parquet`, rows: 1 } },
      },
    ]),
  ),
  partitionState: Object.fromEntries(
    Object.entries(days).map(([d, by]) => [
      d,
      { rows: { key: `${P}_rows/business_date=${d}/${by}.parquet` } },
    ]),
  ),
  other: { key: 'gold/ds/parts/x.parquet' },
});

describe('partition file references', () => {
  const v1 = meta('r1', { '2011-01-01': 'r1', '2011-01-02': 'r1' });
  const v2 = meta('r2', { '2011-01-01': 'r1', '2011-01-02': 'r2', '2011-01-03': 'r2' });

  it('collects every key under the layer prefix, and only those', () => {
    expect(referencedKeys(v1, P)).toEqual([
      `${P}_rows/business_date=2011-01-01/r1.parquet`,
      `${P}_rows/business_date=2011-01-02/r1.parquet`,
      `${P}sales_lines/business_date=2011-01-01/r1.parquet`,
      `${P}sales_lines/business_date=2011-01-02/r1.parquet`,
    ]);
    expect(referencedKeys({ runId: 'x' }, P)).toEqual([]);
  });

  it('drops a file only when no retained version references it', () => {
    // v1 falls out of the window: its 2011-01-01 files are shared with v2 and stay; its 2011-01-02 files go.
    expect(unreferencedKeys([v1], [v2], P)).toEqual([
      `${P}_rows/business_date=2011-01-02/r1.parquet`,
      `${P}sales_lines/business_date=2011-01-02/r1.parquet`,
    ]);
    expect(unreferencedKeys([v1], [v1, v2], P)).toEqual([]);
    expect(unreferencedKeys([v1, v2], [], P)).toHaveLength(8);
  });

  it('lists one table of a partition map in partition order', () => {
    expect(tablePartitionKeys(v2, 'sales_lines').map((k) => k.split('/').at(-2))).toEqual([
      'business_date=2011-01-01',
      'business_date=2011-01-02',
      'business_date=2011-01-03',
    ]);
    expect(tablePartitionKeys(v2, 'quarantine')).toEqual([]);
    expect(tablePartitionKeys({}, 'sales_lines')).toEqual([]);
  });
});
