import { describe, expect, it } from 'vitest';
import type { ManifestEntry } from '../lake/lake-store.js';
import type { SilverCounts } from '../quality/assess-quality.js';
import {
  nextFileIndex,
  nextPartitionMap,
  planIncrement,
  sumCounts,
  type FileIndex,
  type PartitionState,
} from './silver-partition-plan.js';

const entry = (file: string, sha256: string): ManifestEntry => ({
  file,
  sha256,
  size: 1,
  rows: 1,
  malformed: 0,
  runId: 'r',
  ingestedAt: '2026-01-01T00:00:00Z',
  part: `parts/${file}`,
});

const counts = (n: number, rule?: string): SilverCounts => ({
  bronzeRows: n,
  duplicates: 0,
  silverRows: rule ? 0 : n,
  quarantined: rule ? n : 0,
  quarantineByRule: rule ? { [rule]: n } : {},
  lineTypes: rule ? {} : { sale: n },
  filledFields: rule ? 0 : 8 * n,
});

describe('planning an incremental silver run', () => {
  const index: FileIndex = {
    'a.csv': { sha256: 'A', partitions: ['2011-01-01'] },
    'b.csv': { sha256: 'B', partitions: ['2011-01-02', '__unknown__'] },
    'c.csv': { sha256: 'C', partitions: ['2011-01-03'] },
  };

  it('with no previous index, every file is new (a full rebuild)', () => {
    const files = [entry('a.csv', 'A')];
    expect(planIncrement(undefined, files)).toEqual({ added: files, removedFrom: [] });
  });

  it('finds new files and the partitions of files re-ingested with a new checksum or gone', () => {
    const plan = planIncrement(index, [entry('a.csv', 'A'), entry('b.csv', 'B2'), entry('d.csv', 'D')]);
    expect(plan.added.map((f) => f.file)).toEqual(['b.csv', 'd.csv']);
    // b.csv changed: its old rows leave 2011-01-02 and the unknown partition; c.csv vanished from 2011-01-03.
    expect(plan.removedFrom).toEqual(['2011-01-02', '2011-01-03', '__unknown__']);
  });

  it('an unchanged manifest plans nothing', () => {
    expect(planIncrement(index, [entry('a.csv', 'A'), entry('b.csv', 'B'), entry('c.csv', 'C')])).toEqual({
      added: [],
      removedFrom: [],
    });
  });

  it('indexes the new checksum and partitions of a changed file, keeps the rest, drops vanished files', () => {
    const next = nextFileIndex(
      index,
      [entry('a.csv', 'A'), entry('b.csv', 'B2'), entry('d.csv', 'D'), entry('e.csv', 'E')],
      new Map([
        ['b.csv\u0000B2', ['2011-01-05']],
        ['d.csv\u0000D', ['2011-01-04', '2011-01-01']],
      ]),
    );
    expect(next).toEqual({
      'a.csv': index['a.csv'],
      'b.csv': { sha256: 'B2', partitions: ['2011-01-05'] },
      'd.csv': { sha256: 'D', partitions: ['2011-01-01', '2011-01-04'] },
      // A header-only file has rows in no partition.
      'e.csv': { sha256: 'E', partitions: [] },
    });
  });
});

describe('the next partition map', () => {
  const file = (t: string, d: string, run: string) => ({
    key: `silver/ds/parts/${t}/business_date=${d}/${run}.parquet`,
    rows: 1,
  });
  const state = (d: string, run: string, n: number): PartitionState => ({
    rows: file('_rows', d, run),
    counts: counts(n),
    countries: ['France'],
  });
  const prev = {
    partitions: {
      '2011-01-01': { builtBy: 'r1', tables: { sales_lines: file('sales_lines', '2011-01-01', 'r1') } },
      '2011-01-02': { builtBy: 'r1', tables: { sales_lines: file('sales_lines', '2011-01-02', 'r1') } },
    },
    state: { '2011-01-01': state('2011-01-01', 'r1', 2), '2011-01-02': state('2011-01-02', 'r1', 3) },
  };

  it('shares untouched partitions, replaces rebuilt ones and drops touched ones left empty', () => {
    const next = nextPartitionMap(
      prev,
      ['2011-01-02', '2011-01-03'],
      [
        {
          key: '2011-01-03',
          tables: {
            quarantine: file('quarantine', '2011-01-03', 'r2'),
            _rows: file('_rows', '2011-01-03', 'r2'),
          },
          counts: counts(4, 'unparseable'),
          countries: [],
        },
      ],
      'r2',
    );
    expect(Object.keys(next.partitions)).toEqual(['2011-01-01', '2011-01-03']);
    expect(next.partitions['2011-01-01']).toBe(prev.partitions['2011-01-01']);
    expect(next.partitions['2011-01-03']).toEqual({
      builtBy: 'r2',
      tables: { quarantine: file('quarantine', '2011-01-03', 'r2') },
    });
    expect(next.state['2011-01-03']!.rows.key).toContain('_rows/business_date=2011-01-03/r2');
    const total = sumCounts(Object.values(next.state).map((s) => s.counts));
    expect(total).toMatchObject({
      bronzeRows: 6,
      silverRows: 2,
      quarantined: 4,
      quarantineByRule: { unparseable: 4 },
    });
    expect(total.lineTypes).toMatchObject({ sale: 2, cancellation: 0 });
  });

  it('refuses a rebuilt partition without its row store (the next run could not recompute it)', () => {
    expect(() =>
      nextPartitionMap(
        prev,
        ['2011-01-04'],
        [{ key: '2011-01-04', tables: {}, counts: counts(1), countries: [] }],
        'r2',
      ),
    ).toThrow(/no row store/);
  });
});
