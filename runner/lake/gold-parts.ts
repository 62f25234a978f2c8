import { joinKey } from '../storage/storage.js';

/**
 * Gold's pre-aggregates in the lake (ADRs 0022, 0025): immutable files, one per pre-aggregate and range of business
 * dates, written once by the run that recomputed the range and shared by every later version that did not (a
 * version's `_meta.json` lists the keys it uses under `parts`). Storing, downloading and pruning them is the lake's
 * partition-file machinery (LakeStore.storePartitionFiles / partitionFiles / publishLayer), as for silver.
 *
 *   gold/<dataset>/parts/<preagg>/business_date=YYYY-MM-DD/<runId>.parquet   a day of the open month (or __unknown__)
 *   gold/<dataset>/parts/<preagg>/business_month=YYYY-MM/<runId>.parquet     an older month
 *   gold/<dataset>/parts/<preagg>/business_year=YYYY/<runId>.parquet         a closed year, combined from its months
 */
export function goldPartKey(dataset: string, preagg: string, range: string, runId: string): string {
  const dir = /^\d{4}$/.test(range)
    ? `business_year=${range}`
    : /^\d{4}-\d{2}$/.test(range)
      ? `business_month=${range}`
      : `business_date=${range}`;
  return joinKey('gold', dataset, 'parts', preagg, dir, `${runId}.parquet`);
}

/** The part keys a gold version's meta references (none for a version built before incremental gold). */
export function referencedParts(meta: unknown): Set<string> {
  const parts = (meta as { parts?: Record<string, { files: Record<string, { key: string }> }> }).parts;
  return new Set(Object.values(parts ?? {}).flatMap((p) => Object.values(p.files).map((f) => f.key)));
}
