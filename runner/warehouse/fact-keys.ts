import path from 'node:path';
import type pg from 'pg';
import { copyQueryToFile } from './copy-in.js';
import type { ParquetSource } from './parquet-source.js';
import { sqlString } from './parquet-source.js';

/** fact_sales columns in COPY order (the last one, run_id, is the loading run). */
export const FACT_COPY_COLUMNS = [
  'row_hash',
  'date_key',
  'customer_key',
  'product_key',
  'country_key',
  'invoice_key',
  'line_type',
  'quantity',
  'unit_price',
  'line_amount',
  'amount_eur',
  'amount_usd',
  'invoice_ts',
  'source_file',
  'source_line',
  'ingest_run_id',
  'run_id',
];

/** Surrogate keys the facts need, read from the just-merged dimensions (customers: wanted versions only). */
const KEY_MAPS: { name: string; sql: string; columns: Record<string, string> }[] = [
  {
    name: 'k_product',
    sql: 'SELECT stock_code, product_key FROM dim_product',
    columns: { stock_code: 'VARCHAR', product_key: 'INTEGER' },
  },
  {
    name: 'k_country',
    sql: 'SELECT country_name, country_key FROM dim_country',
    columns: { country_name: 'VARCHAR', country_key: 'INTEGER' },
  },
  {
    name: 'k_invoice',
    sql: 'SELECT invoice_no, invoice_key FROM dim_invoice',
    columns: { invoice_no: 'VARCHAR', invoice_key: 'INTEGER' },
  },
  {
    name: 'k_customer',
    sql: `SELECT c.customer_id, c.customer_key, c.valid_from,
            CASE WHEN c.valid_to = 'infinity' THEN NULL ELSE c.valid_to END AS valid_to
          FROM dim_customer c JOIN want_customer w USING (customer_id, valid_from)`,
    columns: {
      customer_id: 'VARCHAR',
      customer_key: 'BIGINT',
      valid_from: 'TIMESTAMPTZ',
      valid_to: 'TIMESTAMPTZ',
    },
  },
];

const duckColumns = (columns: Record<string, string>): string =>
  `{${Object.entries(columns)
    .map(([name, type]) => `${sqlString(name)}: ${sqlString(type)}`)
    .join(', ')}}`;

/**
 * Resolves the dimension keys of every staged silver line in DuckDB (the line stays in DuckDB; only ~35k key
 * rows travel from PostgreSQL) and writes the fact rows as CSV for one COPY. Runs inside the load transaction,
 * after the dimension upserts, with TimeZone UTC so timestamps round-trip exactly.
 */
export const exportFactRows = async (
  client: pg.PoolClient,
  source: ParquetSource,
  workDir: string,
  runId: string,
): Promise<string> => {
  for (const map of KEY_MAPS) {
    const file = path.join(workDir, `${map.name}.csv`);
    await copyQueryToFile(client, map.sql, file);
    await source.execute(
      `CREATE OR REPLACE TEMP TABLE ${map.name} AS SELECT * FROM read_csv(${sqlString(file)}, header = false,
         columns = ${duckColumns(map.columns)}, nullstr = '')`,
    );
  }
  const out = path.join(workDir, 'fact_sales.csv');
  await source.exportCsv(
    `SELECT s.row_hash,
       CAST(year(s.business_date) * 10000 + month(s.business_date) * 100 + day(s.business_date) AS INTEGER),
       coalesce(c.customer_key, 0), p.product_key, k.country_key, i.invoice_key, s.line_type, s.quantity,
       s.unit_price, s.line_amount, s.amount_eur, s.amount_usd, s.invoice_ts, s.source_file, s.source_line,
       s.ingest_run_id, ${sqlString(runId)}
     FROM stage s
       JOIN k_product p ON p.stock_code = s.stock_code
       JOIN k_country k ON k.country_name = s.country
       JOIN k_invoice i ON i.invoice_no = s.invoice_no
       ASOF LEFT JOIN k_customer c ON c.customer_id = s.customer_id AND s.invoice_ts >= c.valid_from`,
    out,
  );
  return out;
};
