import { mkdir, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import type { SilverPartition } from '../lake/partitions.js';
import { quoteLiteral } from '../engine/sql-quote.js';
import {
  combinePreaggSql,
  EMPTY_PREAGG_SQL,
  linesToPreaggSql,
  MONTH_OF_LINE,
  PREAGG_COLUMNS,
} from './dimension-preaggs.js';
import type { ParquetSource } from './parquet-source.js';
import { planPreaggs, type MonthPreagg, type YearPreagg } from './preagg-plan.js';
import type { PreaggStore } from './preagg-store.js';
import { planSilverExport, readParquetSql } from './silver-input.js';

export interface DimensionTotalsInput {
  source: ParquetSource;
  store: PreaggStore;
  partitions: Record<string, SilverPartition>;
  /** Local paths of silver partition files by lake key (downloaded on demand). */
  partitionFiles: (keys: string[]) => Promise<string[]>;
  /** Recompute every file instead of reusing stored ones (a full load trusts nothing it did not build). */
  rebuild: boolean;
  /**
   * Only the invoices and customers listed in the DuckDB temp tables `affected_inv(k)` and `affected_cust(k)` are
   * wanted (an incremental load); products and countries are always whole (their count does not grow).
   */
  scoped: boolean;
  workDir: string;
}

export interface DimensionTotals {
  /** Store keys the current silver version uses (the others may be pruned). */
  keep: Set<string>;
  monthsBuilt: number;
  yearsBuilt: number;
}

const YEAR_OF_MONTH = `CASE WHEN g = '__unknown__' THEN g ELSE left(g, 4) END`;

/** Stored pre-aggregate files; their `month=…`/`year=…` directories are names, not columns to add. */
const relation = (files: readonly string[]): string =>
  files.length > 0
    ? `SELECT ${PREAGG_COLUMNS.join(', ')} FROM read_parquet([${files.map(quoteLiteral).join(', ')}],
        hive_partitioning = false)`
    : EMPTY_PREAGG_SQL;

/**
 * Writes the rows of DuckDB table `table` as one Parquet file per group `g` and stores them under the plans' keys.
 * DuckDB's partitioned COPY writes every group in one pass; a group split over several files is merged.
 */
const writeGroups = async (
  input: DimensionTotalsInput,
  table: string,
  plans: readonly { group: string; key: string }[],
): Promise<void> => {
  if (plans.length === 0) return;
  const dir = path.join(input.workDir, `preagg-${table}`);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const [only] = plans;
  if (plans.length === 1 && only) {
    // One group (an incremental load's month or year): a plain COPY, no partitioned writer.
    const local = path.join(dir, `${only.group}.parquet`);
    await input.source.execute(`COPY ${table} TO ${quoteLiteral(local)} (FORMAT parquet, COMPRESSION zstd)`);
    await input.store.store([{ local, key: only.key }]);
    await rm(dir, { recursive: true, force: true });
    return;
  }
  await input.source.execute(
    `COPY ${table} TO ${quoteLiteral(dir)}
       (FORMAT parquet, COMPRESSION zstd, PARTITION_BY (g), WRITE_PARTITION_COLUMNS true, OVERWRITE true)`,
  );
  const files: { local: string; key: string }[] = [];
  for (const plan of plans) {
    const groupDir = path.join(dir, `g=${plan.group}`);
    const written = (await readdir(groupDir)).filter((f) => f.endsWith('.parquet')).sort();
    let local = path.join(groupDir, written[0] ?? 'missing.parquet');
    if (written.length !== 1) {
      local = path.join(dir, `${plan.group}.parquet`);
      const parts = written.map((f) => path.join(groupDir, f));
      await input.source.execute(
        `COPY (${relation(parts)}) TO ${quoteLiteral(local)} (FORMAT parquet, COMPRESSION zstd)`,
      );
    }
    files.push({ local, key: plan.key });
  }
  await input.store.store(files);
  await rm(dir, { recursive: true, force: true });
};

/**
 * Leaves the merged pre-aggregates of the whole silver version in the DuckDB temp table `tot` (one row per member
 * and kind; dimension-totals-sql.ts turns them into the wanted members). Month files are built from silver for the
 * months whose days changed, year files from their months, and the whole history from the year files: an
 * incremental load reads one month of silver, the months of its year and every year's compact rows.
 */
export const buildDimensionTotals = async (input: DimensionTotalsInput): Promise<DimensionTotals> => {
  const { source, store } = input;
  const years: YearPreagg[] = planPreaggs(input.partitions);
  const keep = new Set(years.flatMap((y) => [y.key, ...y.months.map((m) => m.key)]));
  const present = input.rebuild ? new Map<string, Date>() : await store.list();
  const newYears = years.filter((y) => !present.has(y.key));
  const newMonths: MonthPreagg[] = newYears.flatMap((y) => y.months).filter((m) => !present.has(m.key));

  // Months: from their days' silver files, all in one pass.
  const lineFiles = await input.partitionFiles(newMonths.flatMap((m) => m.files));
  const lines =
    lineFiles.length > 0
      ? planSilverExport(lineFiles, await source.columns(readParquetSql(lineFiles))).selectSql
      : undefined;
  await source.execute(
    `CREATE OR REPLACE TEMP TABLE month_rows AS ${lines ? linesToPreaggSql(lines, MONTH_OF_LINE) : EMPTY_PREAGG_SQL}`,
  );
  await writeGroups(
    input,
    'month_rows',
    newMonths.map((m) => ({ group: m.month, key: m.key })),
  );

  // Years: from their months, the fresh ones and the stored ones of the same years.
  const storedMonths = newYears.flatMap((y) => y.months).filter((m) => present.has(m.key));
  const monthFiles = await store.localPaths(storedMonths.map((m) => m.key));
  await source.execute(
    `CREATE OR REPLACE TEMP TABLE year_rows AS ${combinePreaggSql(
      `SELECT * FROM month_rows UNION ALL ${relation(monthFiles)}`,
      YEAR_OF_MONTH,
    )}`,
  );
  await writeGroups(
    input,
    'year_rows',
    newYears.map((y) => ({ group: y.year, key: y.key })),
  );

  // The whole history, restricted to the affected invoices and customers on an incremental load.
  const yearFiles = await store.localPaths(years.filter((y) => present.has(y.key)).map((y) => y.key));
  const scope = input.scoped
    ? `WHERE kind NOT IN ('inv', 'moment') OR (kind = 'inv' AND k IN (SELECT k FROM affected_inv))
         OR (kind = 'moment' AND k IN (SELECT k FROM affected_cust))`
    : '';
  await source.execute(
    `CREATE OR REPLACE TEMP TABLE tot AS ${combinePreaggSql(
      `SELECT * FROM (SELECT * FROM year_rows UNION ALL ${relation(yearFiles)}) ${scope}`,
      `''`,
    )}`,
  );
  await source.execute('DROP TABLE month_rows; DROP TABLE year_rows');
  return { keep, monthsBuilt: newMonths.length, yearsBuilt: newYears.length };
};
