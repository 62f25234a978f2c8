import path from 'node:path';
import { createLocalStorage } from '../storage/local-storage.js';
import { quoteLiteral } from '../engine/sql-quote.js';
import { UNKNOWN_PARTITION, type SilverPartition } from '../lake/partitions.js';
import { buildDimensionTotals } from './build-dimensions.js';
import { WANT_TABLES } from './dimension-sql.js';
import { WANT_FROM_TOTALS } from './dimension-totals-sql.js';
import { WarehouseError } from './errors.js';
import { stageFactLines } from './fact-keys.js';
import { exportMarts, type MartFile } from './load-marts.js';
import { openParquetSource, type ParquetSource } from './parquet-source.js';
import { createPreaggStore } from './preagg-store.js';
import { planCountriesSelect, planSilverExport, readParquetSql } from './silver-input.js';
import type { WarehouseSource } from './warehouse-source.js';

/** What this load stages: every line (a full load) or the lines of some business dates. */
export interface ExportScope {
  /** undefined: a full load. */
  dates?: readonly string[];
  /**
   * Incremental loads: headerless CSV files (one value a line) of the invoices and customers the warehouse holds
   * lines of on those dates, so members that lost lines are recomputed too.
   */
  held?: { invoices: string; customers: string };
}

export interface ExportedInputs {
  /** Still open: the fact key resolution reads its `stage` view later. The caller closes it. */
  source: ParquetSource;
  silverRows: number;
  quarantineRows: number | null;
  enrichmentColumns: string[];
  years: { from: number; to: number };
  marts: MartFile[];
  /** The fact lines are already staged (incremental loads stage them first: they name the affected members). */
  factLinesStaged: boolean;
  /** Incremental loads: CSV files of the invoices / customers whose members were recomputed. */
  affected?: { invoices: string; customers: string };
  /** Milliseconds of the export's parts (reported as export.<part> in the load's timings). */
  timings: Record<string, number>;
  /** Pre-aggregate keys the loaded version uses, and how many files this load built. */
  preaggs?: { keep: Set<string>; monthsBuilt: number; yearsBuilt: number };
}

const sumRows = (partitions: Record<string, SilverPartition>, table: 'sales_lines' | 'quarantine'): number =>
  Object.values(partitions).reduce((sum, p) => sum + (p.tables[table]?.rows ?? 0), 0);

const yearsOf = (partitions: Record<string, SilverPartition>): { from: number; to: number } => {
  const dated = Object.keys(partitions)
    .filter((k) => k !== UNKNOWN_PARTITION && (partitions[k]?.tables.sales_lines?.rows ?? 0) > 0)
    .sort();
  return dated.length === 0
    ? { from: 0, to: -1 }
    : { from: Number(dated[0]?.slice(0, 4)), to: Number(dated.at(-1)?.slice(0, 4)) };
};

const readKeysCsv = (file: string): string =>
  `SELECT CAST(column0 AS VARCHAR) AS k FROM read_csv(${quoteLiteral(file)}, header = false, auto_detect = false,
     columns = {'column0': 'VARCHAR'}, delim = ',', quote = '"', escape = '"')`;

/**
 * Reads the published silver and gold versions with DuckDB, before any PostgreSQL transaction: defines the silver
 * lines to load as the DuckDB view `stage`, writes the wanted dimension members and every gold mart as CSV files
 * into workDir. A partitioned silver is read by partition: `stage` holds only the loaded dates, and the dimensions
 * come from pre-aggregates (ADR 0026) — on an incremental load only the invoices and customers with lines on the
 * loaded dates are recomputed. An unpartitioned silver computes them from all its lines (ADR 0023).
 */
export const exportInputs = async (
  input: WarehouseSource,
  workDir: string,
  scope: ExportScope,
): Promise<ExportedInputs> => {
  if (input.gold.length === 0) {
    throw new WarehouseError('WAREHOUSE_INPUT', 'the gold version holds no Parquet tables');
  }
  const { partitions, quarantine, countries } = input.silver;
  if (partitions && !input.silver.partitionFiles) {
    throw new WarehouseError(
      'WAREHOUSE_INPUT',
      'a partitioned silver source must resolve its partition files',
    );
  }
  const scoped = partitions !== undefined && scope.dates !== undefined;
  const loadedDates = scope.dates ? new Set(scope.dates) : undefined;
  const salesLines = partitions
    ? await input.silver.partitionFiles!(
        Object.keys(partitions)
          .sort()
          .filter((k) => !loadedDates || loadedDates.has(k))
          .flatMap((k) => (partitions[k]?.tables.sales_lines ? [partitions[k].tables.sales_lines.key] : [])),
      )
    : input.silver.salesLines;
  const timings: Record<string, number> = {};
  let last = Date.now();
  const lap = (name: string): void => {
    const now = Date.now();
    timings[name] = (timings[name] ?? 0) + now - last;
    last = now;
  };
  const source = await openParquetSource();
  try {
    const columns = salesLines.length > 0 ? await source.columns(readParquetSql(salesLines)) : [];
    const plan = planSilverExport(salesLines, columns);
    // A view, not a table: each query reads only the Parquet columns it needs (materialising every staging
    // column cost more than the repeated scans), and the fact export re-reads it while COPY streams.
    await source.execute(`CREATE TEMP VIEW stage AS ${plan.selectSql}`);
    const countryColumns = countries.length > 0 ? await source.columns(readParquetSql(countries)) : [];
    await source.execute(`CREATE TEMP TABLE countries AS ${planCountriesSelect(countries, countryColumns)}`);
    lap('open');
    let affected: ExportedInputs['affected'];
    let preaggs: ExportedInputs['preaggs'];
    if (partitions) {
      if (scoped) {
        await stageFactLines(source, scope.dates);
        const held = (file: string | undefined): string => (file ? `UNION ${readKeysCsv(file)}` : '');
        await source.execute(`CREATE TEMP TABLE affected_inv AS SELECT DISTINCT invoice_no AS k FROM fact_lines
          ${held(scope.held?.invoices)}`);
        await source.execute(`CREATE TEMP TABLE affected_cust AS SELECT DISTINCT customer_id AS k FROM fact_lines
          WHERE customer_id IS NOT NULL ${held(scope.held?.customers)}`);
        affected = {
          invoices: path.join(workDir, 'affected_inv.csv'),
          customers: path.join(workDir, 'affected_cust.csv'),
        };
        await source.exportCsv('SELECT k FROM affected_inv', affected.invoices);
        await source.exportCsv('SELECT k FROM affected_cust', affected.customers);
        lap('affected');
      }
      const store =
        input.preaggs ??
        createPreaggStore({
          storage: createLocalStorage({ root: path.join(workDir, 'preaggs') }),
          prefix: 'dim-preaggs',
          cacheDir: workDir,
        });
      preaggs = await buildDimensionTotals({
        source,
        store,
        partitions,
        partitionFiles: input.silver.partitionFiles!,
        rebuild: !scoped,
        scoped,
        workDir,
      });
      lap('preaggs');
      for (const want of WANT_FROM_TOTALS)
        await source.exportCsv(want.duckSql, path.join(workDir, `${want.name}.csv`));
      await source.execute('DROP TABLE tot');
    } else {
      for (const want of WANT_TABLES)
        await source.exportCsv(want.duckSql, path.join(workDir, `${want.name}.csv`));
    }
    lap('dimensions');
    let silverRows: number;
    let years: { from: number; to: number };
    let quarantineRows: number | null;
    if (partitions) {
      silverRows = sumRows(partitions, 'sales_lines');
      quarantineRows = sumRows(partitions, 'quarantine');
      years = yearsOf(partitions);
    } else {
      const [range] = await source.queryRows(
        `SELECT count(*) AS n, year(min(business_date)) AS lo, year(max(business_date)) AS hi FROM stage`,
      );
      silverRows = Number(range?.n ?? 0);
      years = { from: Number(range?.lo ?? 0), to: Number(range?.hi ?? -1) };
      quarantineRows = null;
      if (quarantine.length > 0) {
        const [row] = await source.queryRows(`SELECT count(*) AS n FROM ${readParquetSql(quarantine)}`);
        quarantineRows = Number(row?.n ?? 0);
      }
    }
    lap('counts');
    const marts = await exportMarts(source, input.gold, workDir);
    lap('marts');
    return {
      source,
      silverRows,
      quarantineRows,
      enrichmentColumns: plan.present,
      years,
      marts,
      timings,
      factLinesStaged: scoped,
      ...(affected ? { affected } : {}),
      ...(preaggs ? { preaggs } : {}),
    };
  } catch (error) {
    source.close();
    throw error;
  }
};
