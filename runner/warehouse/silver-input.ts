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

/** Pure: checks the silver schema and plans the export; absent enrichment columns become typed NULLs. */
export const planSilverExport = (file: string, columns: readonly ParquetColumn[]): SilverPlan => {
  const names = new Set(columns.map((column) => column.name));
  const missing = Object.keys(REQUIRED_SILVER_COLUMNS).filter((name) => !names.has(name));
  if (missing.length > 0) {
    throw new WarehouseError('WAREHOUSE_INPUT', `${file} lacks required columns: ${missing.join(', ')}`);
  }
  const present = Object.keys(OPTIONAL_SILVER_COLUMNS).filter((name) => names.has(name));
  const select = STAGE_COLUMN_NAMES.map((name) =>
    names.has(name)
      ? `"${name}"`
      : `CAST(NULL AS ${name.startsWith('amount_') ? 'DECIMAL(38,6)' : 'VARCHAR'}) AS "${name}"`,
  );
  return { selectSql: `SELECT ${select.join(', ')} FROM read_parquet(${quoteLiteral(file)})`, present };
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
export const planCountriesSelect = (file: string | undefined, columns: readonly ParquetColumn[]): string => {
  const names = new Set(columns.map((column) => column.name));
  const select = COUNTRY_FILE_COLUMNS.map((name) =>
    file && names.has(name)
      ? `CAST("${name}" AS VARCHAR) AS "${name}"`
      : `CAST(NULL AS VARCHAR) AS "${name}"`,
  );
  return file && names.has('name')
    ? `SELECT ${select.join(', ')} FROM read_parquet(${quoteLiteral(file)})`
    : `SELECT ${select.join(', ')} WHERE false`;
};
