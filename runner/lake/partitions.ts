/**
 * The partition contract shared by the silver, gold and warehouse steps (issue "Incremental runs").
 * Silver is stored by business date: one partition per day (`business_date=YYYY-MM-DD`), plus one for rows whose
 * date cannot be read. A version's `_meta.json` lists, per partition, the immutable files that hold it; unchanged
 * partitions keep pointing at the files an older version wrote, so nothing is copied.
 */

/** Rows with no business date (unparseable or missing invoice date, malformed records). */
export const UNKNOWN_PARTITION = '__unknown__';

/** The partitioned silver tables; small lookup tables (countries, fx_rates) stay whole per version. */
export type SilverPartitionedTable = 'sales_lines' | 'quarantine' | 'duplicates';

export interface PartitionFile {
  /** Storage key relative to the lake root (e.g. silver/<dataset>/parts/sales_lines/business_date=…/<run>.parquet). */
  key: string;
  rows: number;
}

export interface SilverPartition {
  /** The run that last recomputed this partition. */
  builtBy: string;
  tables: Partial<Record<SilverPartitionedTable, PartitionFile>>;
}

/** Which partitions a step recomputed; `full` when it rebuilt everything (first run, --full-refresh, new rules). */
export interface TouchedPartitions {
  full: boolean;
  keys: string[];
}

/** Partitions whose files differ between two versions' partition maps (added, changed or removed). */
export function changedPartitions(
  before: Record<string, SilverPartition> | undefined,
  after: Record<string, SilverPartition>,
): TouchedPartitions {
  if (!before) return { full: true, keys: Object.keys(after).sort() };
  const same = (a: SilverPartition | undefined, b: SilverPartition | undefined): boolean =>
    JSON.stringify(a?.tables ?? null) === JSON.stringify(b?.tables ?? null);
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
    (k) => !same(before[k], after[k]),
  );
  return { full: false, keys: keys.sort() };
}

/** A short human form for summaries and status: "full: 305 partitions 2010-12-01..2011-12-09". */
export function describePartitions(t: TouchedPartitions): string {
  const dated = t.keys.filter((k) => k !== UNKNOWN_PARTITION);
  const range =
    dated.length === 0 ? '' : dated.length === 1 ? ` ${dated[0]}` : ` ${dated[0]}..${dated.at(-1)}`;
  const unknown = t.keys.includes(UNKNOWN_PARTITION) ? ` + ${UNKNOWN_PARTITION}` : '';
  return `${t.full ? 'full: ' : ''}${t.keys.length} partition${t.keys.length === 1 ? '' : 's'}${range}${unknown}`;
}
