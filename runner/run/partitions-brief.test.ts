import { describe, expect, it } from 'vitest';
import { UNKNOWN_PARTITION } from '../lake/partitions.js';
import { briefPartitions } from './partitions-brief.js';

describe('briefPartitions', () => {
  it('keeps the count and the date range, not the list', () => {
    const keys = Array.from({ length: 400 }, (_, i) =>
      new Date(Date.UTC(2010, 11, 1 + i)).toISOString().slice(0, 10),
    );
    expect(briefPartitions({ full: true, keys: [UNKNOWN_PARTITION, ...keys.reverse()] })).toEqual({
      full: true,
      count: 401,
      first: '2010-12-01',
      last: '2012-01-04',
    });
  });
  it('has no range when only undated rows or nothing was touched', () => {
    expect(briefPartitions({ full: false, keys: [UNKNOWN_PARTITION] })).toEqual({ full: false, count: 1 });
    expect(briefPartitions({ full: false, keys: [] })).toEqual({ full: false, count: 0 });
  });
});
