import { UNKNOWN_PARTITION, type TouchedPartitions } from '../lake/partitions.js';

/**
 * The touched partitions in a bounded size: a full list of 305+ dates would not fit a 4 KiB termination message or a
 * readable status, and the count with the date range says what an operator needs (the lake keeps the list).
 */
export interface PartitionsBrief {
  full: boolean;
  count: number;
  /** Earliest and latest business date touched; absent when only undated rows (or nothing) were touched. */
  first?: string;
  last?: string;
}

export function briefPartitions(t: TouchedPartitions): PartitionsBrief {
  const dated = t.keys.filter((k) => k !== UNKNOWN_PARTITION).sort();
  return {
    full: t.full,
    count: t.keys.length,
    ...(dated.length > 0 ? { first: dated[0]!, last: dated.at(-1)! } : {}),
  };
}
