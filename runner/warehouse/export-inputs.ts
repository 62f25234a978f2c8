import { WANT_TABLES } from './dimension-sql.js';
import { WarehouseError } from './errors.js';
import { exportMarts, type MartFile } from './load-marts.js';
import { openParquetSource, type ParquetSource } from './parquet-source.js';
import { planCountriesSelect, planSilverExport, readParquetSql } from './silver-input.js';
import type { WarehouseSource } from './warehouse-source.js';
import path from 'node:path';

interface ExportedInputs {
  /** Still open: the fact key resolution reads its `stage` view later. The caller closes it. */
  source: ParquetSource;
  silverRows: number;
  quarantineRows: number | null;
  enrichmentColumns: string[];
  years: { from: number; to: number };
  marts: MartFile[];
}

/**
 * Reads the published silver and gold versions with DuckDB, before any PostgreSQL transaction: defines the silver
 * lines (every partition file) as the DuckDB view `stage`, writes the wanted dimension members and every gold mart
 * as CSV files into workDir. The dimensions are computed from the whole silver even on an incremental load: a
 * member's attributes (most frequent description, SCD2 history) depend on every line, and DuckDB reads only the
 * columns each query needs (ADR 0023).
 */
export const exportInputs = async (input: WarehouseSource, workDir: string): Promise<ExportedInputs> => {
  if (input.gold.length === 0) {
    throw new WarehouseError('WAREHOUSE_INPUT', 'the gold version holds no Parquet tables');
  }
  const { salesLines, quarantine, countries } = input.silver;
  const source = await openParquetSource();
  try {
    const columns = salesLines.length > 0 ? await source.columns(readParquetSql(salesLines)) : [];
    const plan = planSilverExport(salesLines, columns);
    // A view, not a table: each query reads only the Parquet columns it needs (materialising every staging
    // column cost more than the repeated scans), and the fact export re-reads it while COPY streams.
    await source.execute(`CREATE TEMP VIEW stage AS ${plan.selectSql}`);
    const countryColumns = countries.length > 0 ? await source.columns(readParquetSql(countries)) : [];
    await source.execute(`CREATE TEMP TABLE countries AS ${planCountriesSelect(countries, countryColumns)}`);
    for (const want of WANT_TABLES)
      await source.exportCsv(want.duckSql, path.join(workDir, `${want.name}.csv`));
    const [range] = await source.queryRows(
      `SELECT count(*) AS n, year(min(business_date)) AS lo, year(max(business_date)) AS hi FROM stage`,
    );
    let quarantineRows: number | null = input.silver.partitions ? 0 : null;
    if (quarantine.length > 0) {
      const [row] = await source.queryRows(`SELECT count(*) AS n FROM ${readParquetSql(quarantine)}`);
      quarantineRows = Number(row?.n ?? 0);
    }
    return {
      source,
      silverRows: Number(range?.n ?? 0),
      quarantineRows,
      enrichmentColumns: plan.present,
      years: { from: Number(range?.lo ?? 0), to: Number(range?.hi ?? -1) },
      marts: await exportMarts(source, input.gold, workDir),
    };
  } catch (error) {
    source.close();
    throw error;
  }
};
