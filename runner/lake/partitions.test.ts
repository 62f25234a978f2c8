import { describe, expect, it } from 'vitest';
import {
  changedPartitions,
  describePartitions,
  UNKNOWN_PARTITION,
  type SilverPartition,
} from './partitions.js';

const p = (run: string, key: string): SilverPartition => ({
  builtBy: run,
  tables: { sales_lines: { key, rows: 1 } },
});

describe('changedPartitions', () => {
  it('is full without a previous map', () => {
    expect(changedPartitions(undefined, { '2011-01-02': p('a', 'x') })).toEqual({
      full: true,
      keys: ['2011-01-02'],
    });
  });
  it('lists added, changed and removed partitions, not shared ones', () => {
    const before = { '2011-01-01': p('a', 'k1'), '2011-01-02': p('a', 'k2'), '2011-01-03': p('a', 'k3') };
    const after = { '2011-01-01': p('a', 'k1'), '2011-01-02': p('b', 'k2b'), '2011-01-04': p('b', 'k4') };
    expect(changedPartitions(before, after)).toEqual({
      full: false,
      keys: ['2011-01-02', '2011-01-03', '2011-01-04'],
    });
  });
});

describe('describePartitions', () => {
  it('gives count and range', () => {
    expect(describePartitions({ full: true, keys: ['2010-12-01', '2011-12-09', UNKNOWN_PARTITION] })).toBe(
      `full: 3 partitions 2010-12-01..2011-12-09 + ${UNKNOWN_PARTITION}`,
    );
    expect(describePartitions({ full: false, keys: ['2011-01-02'] })).toBe('1 partition 2011-01-02');
  });
});
