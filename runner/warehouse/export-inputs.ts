import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { WANT_TABLES } from './dimension-sql.js';
import { WarehouseError } from './errors.js';
import { exportMarts, type MartFile } from './load-marts.js';
import { openParquetSource, type ParquetSource } from './parquet-source.js';
import { quoteLiteral } from '../engine/sql-quote.js';
import { planCountriesSelect, planSilverExport } from './silver-input.js';

interface ExportedInputs {
  /** Still open: the fact key resolution reads its `stage` view later. The caller closes it. */
  source: ParquetSource;
  silverRows: number;
  quarantineRows: number | null;
  enrichmentColumns: string[];
  years: { from: number; to: number };
  marts: MartFile[];
}

const exists = (file: string): Promise<boolean> =>
  stat(file).then(
    () => true,
    () => false,
  );

/**
 * Reads the published silver and gold versions with DuckDB, before any PostgreSQL transaction: defines the silver
 * lines as the DuckDB view `stage`, writes the wanted dimension members and every gold mart as CSV files into workDir.
 */
export const exportInputs = async (
  silverDir: string,
  goldDir: string,
  workDir: string,
): Promise<ExportedInputs> => {
  const silverFile = path.join(silverDir, 'sales_lines.parquet');
  const quarantineFile = path.join(silverDir, 'quarantine.parquet');
  if (!(await exists(silverFile)))
    throw new WarehouseError('WAREHOUSE_INPUT', `${silverFile} does not exist`);
  const goldFiles = (await readdir(goldDir).catch(() => [] as string[]))
    .filter((name) => name.endsWith('.parquet'))
    .sort()
    .map((name) => path.join(goldDir, name));
  if (goldFiles.length === 0) {
    throw new WarehouseError('WAREHOUSE_INPUT', `${goldDir} holds no gold Parquet files`);
  }
  const source = await openParquetSource();
  try {
    const plan = planSilverExport(silverFile, await source.columns(silverFile));
    // A view, not a table: each query reads only the Parquet columns it needs (materialising every staging
    // column cost more than the repeated scans), and the fact export re-reads it while COPY streams.
    await source.execute(`CREATE TEMP VIEW stage AS ${plan.selectSql}`);
    const countriesFile = path.join(silverDir, 'countries.parquet');
    const hasCountries = await exists(countriesFile);
    const countryColumns = hasCountries ? await source.columns(countriesFile) : [];
    await source.execute(
      `CREATE TEMP TABLE countries AS ${planCountriesSelect(hasCountries ? countriesFile : undefined, countryColumns)}`,
    );
    for (const want of WANT_TABLES)
      await source.exportCsv(want.duckSql, path.join(workDir, `${want.name}.csv`));
    const [range] = await source.queryRows(
      `SELECT count(*) AS n, year(min(business_date)) AS lo, year(max(business_date)) AS hi FROM stage`,
    );
    let quarantineRows: number | null = null;
    if (await exists(quarantineFile)) {
      const [row] = await source.queryRows(
        `SELECT count(*) AS n FROM read_parquet(${quoteLiteral(quarantineFile)})`,
      );
      quarantineRows = Number(row?.n ?? 0);
    }
    return {
      source,
      silverRows: Number(range?.n ?? 0),
      quarantineRows,
      enrichmentColumns: plan.present,
      years: { from: Number(range?.lo ?? 0), to: Number(range?.hi ?? -1) },
      marts: await exportMarts(source, goldFiles, workDir),
    };
  } catch (error) {
    source.close();
    throw error;
  }
};
