import type { ParquetColumn } from './parquet-source.js';
import { quoteLiteral } from '../engine/sql-quote.js';
import { WarehouseError } from './errors.js';

/** Columns of silver sales_lines the warehouse needs, with the staging type they load into. */
export const REQUIRED_SILVER_COLUMNS = {
  invoice_no: 'text',
  stock_code: 'text',
  description: 'text',
  quantity: 'bigint',
  unit_price: 'numeric(18,6)',
  line_amount: 'numeric(38,6)',
  invoice_ts: 'timestamptz',
  business_date: 'date',
  customer_id: 'text',
  country: 'text',
  line_type: 'text',
  source_file: 'text',
  source_line: 'bigint',
  row_hash: 'text COLLATE "C"',
  ingest_run_id: 'text',
} as const;

/** Enrichment columns: loaded when silver has them, NULL otherwise. */
const OPTIONAL_SILVER_COLUMNS = {
  amount_eur: 'numeric(38,6)',
  amount_usd: 'numeric(38,6)',
  category: 'text',
  country_iso2: 'text',
  country_iso3: 'text',
  country_region: 'text',
  country_currency: 'text',
} as const;

export const STAGE_COLUMNS = { ...REQUIRED_SILVER_COLUMNS, ...OPTIONAL_SILVER_COLUMNS };
export const STAGE_COLUMN_NAMES = Object.keys(STAGE_COLUMNS);

interface SilverPlan {
  /** DuckDB SELECT producing the staging columns in STAGE_COLUMN_NAMES order. */
  selectSql: string;
  /** Optional columns present in this silver version. */
  present: string[];
}

/** DuckDB types of the staging columns, for an empty silver (no files: DuckDB cannot read an empty list). */
const EMPTY_TYPES: Record<string, string> = {
  quantity: 'BIGINT',
  unit_price: 'DECIMAL(18,6)',
  line_amount: 'DECIMAL(38,6)',
  amount_eur: 'DECIMAL(38,6)',
  amount_usd: 'DECIMAL(38,6)',
  invoice_ts: 'TIMESTAMPTZ',
  business_date: 'DATE',
  source_line: 'BIGINT',
};

/** A DuckDB relation over Parquet files (one table's partition files; columns matched by name). */
export const readParquetSql = (files: readonly string[]): string =>
  `read_parquet([${files.map(quoteLiteral).join(', ')}], union_by_name = true)`;

/**
 * Pure: checks the silver schema and plans the export; absent enrichment columns become typed NULLs. `files` are
 * the table's partition files (lake.tableFiles); none gives an empty, typed relation.
 */
export const planSilverExport = (files: readonly string[], columns: readonly ParquetColumn[]): SilverPlan => {
  if (files.length === 0) {
    const select = STAGE_COLUMN_NAMES.map(
      (name) => `CAST(NULL AS ${EMPTY_TYPES[name] ?? 'VARCHAR'}) AS "${name}"`,
    );
    return { selectSql: `SELECT ${select.join(', ')} WHERE false`, present: [] };
  }
  const names = new Set(columns.map((column) => column.name));
  const missing = Object.keys(REQUIRED_SILVER_COLUMNS).filter((name) => !names.has(name));
  if (missing.length > 0) {
    throw new WarehouseError(
      'WAREHOUSE_INPUT',
      `silver sales_lines (${files[0]}${files.length > 1 ? ` and ${files.length - 1} more` : ''}) lacks required columns: ${missing.join(', ')}`,
    );
  }
  const present = Object.keys(OPTIONAL_SILVER_COLUMNS).filter((name) => names.has(name));
  const select = STAGE_COLUMN_NAMES.map((name) =>
    names.has(name)
      ? `"${name}"`
      : `CAST(NULL AS ${name.startsWith('amount_') ? 'DECIMAL(38,6)' : 'VARCHAR'}) AS "${name}"`,
  );
  return { selectSql: `SELECT ${select.join(', ')} FROM ${readParquetSql(files)}`, present };
};

/** Columns of silver countries.parquet (the enrichment's country resolution) the warehouse reads. */
const COUNTRY_FILE_COLUMNS = [
  'name',
  'kind',
  'iso2',
  'iso3',
  'country_name',
  'region',
  'subregion',
  'currency',
  'not_a_country_reason',
];

/** Pure: a SELECT of countries.parquet with every expected column (absent ones NULL), or an empty typed table. */
export const planCountriesSelect = (files: readonly string[], columns: readonly ParquetColumn[]): string => {
  const names = new Set(columns.map((column) => column.name));
  const file = files.length > 0;
  const select = COUNTRY_FILE_COLUMNS.map((name) =>
    file && names.has(name)
      ? `CAST("${name}" AS VARCHAR) AS "${name}"`
      : `CAST(NULL AS VARCHAR) AS "${name}"`,
  );
  return file && names.has('name')
    ? `SELECT ${select.join(', ')} FROM ${readParquetSql(files)}`
    : `SELECT ${select.join(', ')} WHERE false`;
};
