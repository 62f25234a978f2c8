import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { quoteLiteral } from '../../../runner/engine/sql-quote.js';

/**
 * Test-only approximation of the lead's silver and gold steps: reads the real Online Retail CSVs with DuckDB and
 * writes the Parquet files the warehouse step consumes (same names, columns and types as the input contract).
 * It is deliberately rough (it is not the silver rule set), but deterministic, so two builds are byte-comparable.
 */

export const ONLINE_RETAIL_CSV_GLOB = '/work/shared/data/online-retail/online-retail-by-day/*.csv';

export interface FixtureOptions {
  outDir: string;
  csvGlob?: string;
  /** Keep only lines whose business date is before this ISO date (exclusive), to simulate an earlier run. */
  before?: string;
  /** Add the enrichment columns (amount_eur, amount_usd, category, country_iso2, ...). */
  enriched?: boolean;
}

export interface Fixture {
  silverDir: string;
  goldDir: string;
}

const NON_MERCH = `('POST','DOT','M','C2','D','S','BANK CHARGES','AMAZONFEE','CRUK','B')`;
const q = quoteLiteral;

const silverSql = (glob: string, before: string | undefined, enriched: boolean): string[] => [
  `CREATE TEMP TABLE csv AS SELECT * FROM read_csv(${q(glob)}, header = true, all_varchar = true, filename = true)`,
  `CREATE TEMP TABLE raw AS SELECT *, row_number() OVER (PARTITION BY filename ORDER BY rowid) + 1 AS source_line
     FROM csv`,
  `CREATE TEMP TABLE typed AS SELECT
     InvoiceNo AS invoice_no, StockCode AS stock_code, NULLIF(trim(Description), '') AS description,
     TRY_CAST(Quantity AS BIGINT) AS quantity, TRY_CAST(UnitPrice AS DECIMAL(18,6)) AS unit_price,
     strptime(InvoiceDate, '%Y-%m-%d %H:%M:%S') AS invoice_local_ts,
     NULLIF(regexp_replace(CustomerID, '\\.0$', ''), '') AS customer_id, Country AS country,
     regexp_extract(filename, '[^/]+$') AS source_file, source_line
   FROM raw`,
  `CREATE TEMP TABLE dedup AS SELECT * FROM typed QUALIFY row_number() OVER (
     PARTITION BY invoice_no, stock_code, description, quantity, unit_price, invoice_local_ts, customer_id, country
     ORDER BY source_file, source_line) = 1`,
  `CREATE TEMP TABLE silver AS SELECT
     invoice_no, stock_code, description, quantity, unit_price,
     CAST(quantity * unit_price AS DECIMAL(38,6)) AS line_amount,
     timezone('Europe/London', invoice_local_ts) AS invoice_ts, invoice_local_ts,
     CAST(invoice_local_ts AS DATE) AS business_date, customer_id, country,
     CASE WHEN invoice_no LIKE 'C%' THEN 'cancellation'
          WHEN invoice_no LIKE 'A%' THEN 'adjustment'
          WHEN upper(stock_code) IN ${NON_MERCH} OR upper(stock_code) LIKE 'GIFT_0001_%' THEN 'non_merchandise'
          WHEN unit_price = 0 THEN 'zero_price'
          WHEN quantity < 0 THEN 'stock_adjustment'
          ELSE 'sale' END AS line_type,
     source_file, source_line,
     md5(concat_ws('|', invoice_no, stock_code, description, quantity, unit_price, invoice_local_ts,
                   customer_id, country)) AS row_hash,
     'fixture-ingest' AS ingest_run_id
     ${
       enriched
         ? `, CAST(quantity * unit_price * 1.17 AS DECIMAL(38,6)) AS amount_eur,
            CAST(quantity * unit_price * 1.6 AS DECIMAL(38,6)) AS amount_usd,
            CASE WHEN description ILIKE '%BAG%' THEN 'Bags' WHEN description IS NULL THEN NULL ELSE 'Other' END AS category,
            CASE country WHEN 'United Kingdom' THEN 'GB' WHEN 'France' THEN 'FR' END AS country_iso2,
            CASE country WHEN 'United Kingdom' THEN 'GBR' WHEN 'France' THEN 'FRA' END AS country_iso3,
            CASE country WHEN 'United Kingdom' THEN 'Europe' WHEN 'France' THEN 'Europe' END AS country_region,
            CASE country WHEN 'United Kingdom' THEN 'GBP' WHEN 'France' THEN 'EUR' END AS country_currency`
         : ''
     }
   FROM dedup
   WHERE quantity IS NOT NULL AND unit_price >= 0 AND invoice_local_ts IS NOT NULL
     ${before ? `AND CAST(invoice_local_ts AS DATE) < DATE ${q(before)}` : ''}`,
];

const goldSql = (dir: string): string[] => {
  const sales = `(SELECT * FROM silver WHERE line_type = 'sale')`;
  const agg = `CAST(sum(line_amount) AS DECIMAL(38,6)) AS revenue, count(DISTINCT invoice_no) AS orders,
    count(DISTINCT customer_id) AS customers, CAST(sum(quantity) AS BIGINT) AS units`;
  const out = (name: string, sql: string): string =>
    `COPY (${sql}) TO ${q(path.join(dir, `${name}.parquet`))} (FORMAT parquet, COMPRESSION zstd)`;
  return [
    out(
      'kpis',
      `SELECT s.*, CAST(s.revenue / s.orders AS DECIMAL(38,6)) AS average_order_value,
         c.cancelled_invoices, c.cancellation_value
       FROM (SELECT ${agg} FROM ${sales}) s,
         (SELECT count(DISTINCT invoice_no) AS cancelled_invoices,
                 CAST(-coalesce(sum(line_amount), 0) AS DECIMAL(38,6)) AS cancellation_value
          FROM silver WHERE line_type = 'cancellation') c`,
    ),
    out('kpi_daily', `SELECT business_date, ${agg} FROM ${sales} GROUP BY ALL ORDER BY 1`),
    out(
      'kpi_monthly',
      `SELECT date_trunc('month', business_date) AS month, ${agg} FROM ${sales} GROUP BY ALL ORDER BY 1`,
    ),
    out('country_daily', `SELECT business_date, country, ${agg} FROM ${sales} GROUP BY ALL ORDER BY 1, 2`),
    out(
      'country_monthly',
      `SELECT date_trunc('month', business_date) AS month, country, ${agg} FROM ${sales} GROUP BY ALL ORDER BY 1, 2`,
    ),
    out(
      'top_products',
      `SELECT CAST(row_number() OVER (ORDER BY sum(line_amount) DESC, stock_code) AS INTEGER) AS rank, stock_code,
         max(description) AS description, CAST(sum(line_amount) AS DECIMAL(38,6)) AS revenue,
         CAST(sum(quantity) AS BIGINT) AS units, count(DISTINCT invoice_no) AS orders
       FROM ${sales} GROUP BY stock_code ORDER BY rank LIMIT 100`,
    ),
    out(
      'rfm',
      `WITH c AS (SELECT customer_id, max(business_date) AS last_purchase_date,
                    CAST((SELECT max(business_date) FROM silver) - max(business_date) AS INTEGER) AS recency_days,
                    count(DISTINCT invoice_no) AS frequency, CAST(sum(line_amount) AS DECIMAL(38,6)) AS monetary
                  FROM ${sales} WHERE customer_id IS NOT NULL GROUP BY 1)
       SELECT *, CAST(ntile(5) OVER (ORDER BY recency_days DESC) AS INTEGER) AS r_score,
         CAST(ntile(5) OVER (ORDER BY frequency) AS INTEGER) AS f_score,
         CAST(ntile(5) OVER (ORDER BY monetary) AS INTEGER) AS m_score,
         CASE WHEN recency_days < 30 THEN 'Champions' ELSE 'Others' END AS segment
       FROM c ORDER BY customer_id`,
    ),
    out(
      'cohorts',
      `WITH f AS (SELECT customer_id, date_trunc('month', min(business_date)) AS cohort_month
                  FROM ${sales} WHERE customer_id IS NOT NULL GROUP BY 1),
            a AS (SELECT DISTINCT s.customer_id, f.cohort_month,
                    CAST(datediff('month', f.cohort_month, date_trunc('month', s.business_date)) AS INTEGER) AS period
                  FROM ${sales} s JOIN f USING (customer_id)),
            z AS (SELECT cohort_month, count(*) AS cohort_size FROM f GROUP BY 1)
       SELECT a.cohort_month, a.period, z.cohort_size, count(*) AS customers,
         CAST(count(*) AS DOUBLE) / z.cohort_size AS retention_rate
       FROM a JOIN z USING (cohort_month) GROUP BY 1, 2, 3 ORDER BY 1, 2`,
    ),
  ];
};

export const buildFixtures = async (options: FixtureOptions): Promise<Fixture> => {
  const silverDir = path.join(options.outDir, 'silver');
  const goldDir = path.join(options.outDir, 'gold');
  await mkdir(silverDir, { recursive: true });
  await mkdir(goldDir, { recursive: true });
  const instance = await DuckDBInstance.create(':memory:', { threads: '2' });
  const db = await instance.connect();
  try {
    for (const sql of silverSql(
      options.csvGlob ?? ONLINE_RETAIL_CSV_GLOB,
      options.before,
      options.enriched ?? false,
    )) {
      await db.run(sql);
    }
    await db.run(
      `COPY (SELECT * FROM silver ORDER BY source_file, source_line) TO ${q(path.join(silverDir, 'sales_lines.parquet'))}
       (FORMAT parquet, COMPRESSION zstd)`,
    );
    await db.run(
      `COPY (SELECT 'negative_price' AS rule_id, 'unit price is negative' AS message, source_file, source_line
             FROM typed WHERE unit_price < 0) TO ${q(path.join(silverDir, 'quarantine.parquet'))}
       (FORMAT parquet, COMPRESSION zstd)`,
    );
    for (const sql of goldSql(goldDir)) await db.run(sql);
  } finally {
    db.closeSync();
    instance.closeSync();
  }
  return { silverDir, goldDir };
};
