import path from 'node:path';
import type pg from 'pg';
import { copyQueryToFile } from './copy-in.js';
import type { ParquetSource } from './parquet-source.js';
import { quoteLiteral } from '../engine/sql-quote.js';

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
    // The wanted invoices: all of them on a full load, the affected ones (every staged line's) on an incremental one.
    name: 'k_invoice',
    sql: 'SELECT invoice_no, d.invoice_key FROM dim_invoice d JOIN want_invoice w USING (invoice_no)',
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
    .map(([name, type]) => `${quoteLiteral(name)}: ${quoteLiteral(type)}`)
    .join(', ')}}`;

/** The silver columns the fact rows need, materialised once in DuckDB (by stageFactLines). */
const factLinesSql = (dates: readonly string[] | undefined): string => {
  // A partition file holds one business date, so DuckDB skips the other files by their row-group statistics.
  const scope =
    dates === undefined
      ? ''
      : dates.length === 0
        ? 'WHERE false'
        : `WHERE business_date IN (${dates.map((d) => `DATE ${quoteLiteral(d)}`).join(', ')})`;
  return `CREATE OR REPLACE TEMP TABLE fact_lines AS SELECT row_hash, business_date, customer_id,
    stock_code, country, invoice_no, line_type, quantity, unit_price, line_amount, amount_eur, amount_usd,
    invoice_ts, source_file, source_line, ingest_run_id FROM stage ${scope}`;
};

/**
 * Decodes the silver lines the facts need into a DuckDB table: all of them, or those of the given business dates
 * (an incremental load). Needs no surrogate key, so the loader starts it in the background while PostgreSQL
 * merges the dimensions (the caller awaits it before closing the source).
 */
export const stageFactLines = (source: ParquetSource, dates?: readonly string[]): Promise<void> =>
  source.execute(factLinesSql(dates));

/** The keyed fact rows, written out by DuckDB as CSV in slices (FACT_COPY_COLUMNS order). */
export interface FactRows {
  rows: number;
  slices: number;
  /** Writes slice `index` (0-based, of `slices`) as headerless CSV. */
  write(index: number, outFile: string): Promise<void>;
}

/** Below this many rows the fact rows go out in one slice. */
const MIN_SLICED_ROWS = 100_000;
const SLICES = 4;

/**
 * Resolves the dimension keys of every silver line in DuckDB (the line stays in DuckDB; only ~35k key rows travel
 * from PostgreSQL), slice by slice (ranges of the staged lines), so that PostgreSQL COPYs one slice while DuckDB
 * joins and writes the next. Runs inside the load transaction, after the dimension upserts, with TimeZone UTC
 * so timestamps round-trip exactly. `staged` is the pending stageFactLines.
 */
export const prepareFactRows = async (
  client: pg.PoolClient,
  source: ParquetSource,
  staged: Promise<void>,
  workDir: string,
  runId: string,
): Promise<FactRows> => {
  const files = KEY_MAPS.map((map) => path.join(workDir, `${map.name}.csv`));
  for (const [index, map] of KEY_MAPS.entries()) await copyQueryToFile(client, map.sql, files[index] ?? '');
  await staged;
  // The dialect is PostgreSQL's CSV, stated rather than sniffed: an empty key map (an empty batch) has nothing to sniff.
  for (const [index, map] of KEY_MAPS.entries()) {
    await source.execute(
      `CREATE OR REPLACE TEMP TABLE ${map.name} AS SELECT * FROM read_csv(${quoteLiteral(files[index] ?? '')},
         header = false, columns = ${duckColumns(map.columns)}, nullstr = '', auto_detect = false,
         delim = ',', quote = '"', escape = '"')`,
    );
  }
  const [counted] = await source.queryRows('SELECT count(*) AS n FROM fact_lines');
  const rows = Number(counted?.n ?? 0);
  const slices = rows >= MIN_SLICED_ROWS ? SLICES : 1;
  const size = Math.ceil(rows / slices);
  // Each slice joins its own range of lines, so the first COPY starts after a quarter of the join.
  const lines = (index: number): string =>
    slices === 1
      ? 'fact_lines'
      : `(SELECT * FROM fact_lines WHERE rowid >= ${index * size} AND rowid < ${(index + 1) * size})`;
  const sliceSql = (index: number): string => `SELECT s.row_hash,
       CAST(year(s.business_date) * 10000 + month(s.business_date) * 100 + day(s.business_date) AS INTEGER),
       coalesce(c.customer_key, 0), p.product_key, k.country_key, i.invoice_key, s.line_type, s.quantity,
       s.unit_price, s.line_amount, s.amount_eur, s.amount_usd, s.invoice_ts, s.source_file, s.source_line,
       s.ingest_run_id, ${quoteLiteral(runId)}
     FROM ${lines(index)} s
       JOIN k_product p ON p.stock_code = s.stock_code
       JOIN k_country k ON k.country_name = s.country
       JOIN k_invoice i ON i.invoice_no = s.invoice_no
       ASOF LEFT JOIN k_customer c ON c.customer_id = s.customer_id AND s.invoice_ts >= c.valid_from`;
  return {
    rows,
    slices,
    write: (index, outFile) => source.exportCsv(sliceSql(index), outFile),
  };
};
