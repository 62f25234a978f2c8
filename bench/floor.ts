/**
 * The floor: the same bronze → silver → gold work as plain DuckDB SQL in one script, with none of the runner's
 * machinery (no manifest, staging, audits, quality checks, lineage or progress). DuckDB's own CSV reader replaces
 * the runner's validating scanner, so source line numbers are approximated by row order (exact for clean files).
 * The runner's overhead is measured against this.
 */
import fs from 'node:fs';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';

export async function runFloor(sourceGlob: string, outDir: string): Promise<void> {
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const db = await DuckDBInstance.create(':memory:', {
    memory_limit: '1GiB',
    temp_directory: path.join(outDir, 'tmp'),
  });
  const c = await db.connect();
  const out = (name: string): string => `'${path.join(outDir, name)}'`;
  const pq = '(FORMAT parquet, COMPRESSION zstd)';
  await c.run(`CREATE TABLE bronze AS
    SELECT *, filename AS _source_file, row_number() OVER (PARTITION BY filename) + 1 AS _source_line,
           md5(concat_ws(chr(31), InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country)) AS _row_hash
    FROM read_csv('${sourceGlob}', all_varchar = true, header = true, filename = true)`);
  await c.run(`COPY bronze TO ${out('bronze.parquet')} ${pq}`);
  await c.run(`CREATE TABLE classified AS
    WITH d AS (
      SELECT *, row_number() OVER (PARTITION BY InvoiceNo, StockCode, Description, Quantity, InvoiceDate, UnitPrice, CustomerID, Country
                                   ORDER BY _source_file, _source_line) AS rn FROM bronze),
    n AS (
      SELECT _source_file, _source_line, _row_hash,
             upper(trim(InvoiceNo)) AS invoice_no, upper(trim(StockCode)) AS stock_code,
             nullif(regexp_replace(trim(Description), '\\s+', ' ', 'g'), '') AS description,
             CASE WHEN regexp_full_match(trim(Quantity), '[+-]?[0-9]{1,18}') THEN CAST(trim(Quantity) AS BIGINT) END AS quantity,
             CASE WHEN regexp_full_match(trim(UnitPrice), '[+-]?([0-9]{1,12}([.][0-9]{0,6})?|[.][0-9]{1,6})') THEN CAST(trim(UnitPrice) AS DECIMAL(18,6)) END AS unit_price,
             try_strptime(trim(InvoiceDate), '%Y-%m-%d %H:%M:%S') AS local_ts,
             nullif(regexp_extract(trim(CustomerID), '^[0-9]+'), '') AS customer_id,
             nullif(trim(Country), '') AS country
      FROM d WHERE rn = 1)
    SELECT *, CASE
        WHEN invoice_no IS NULL OR stock_code IS NULL OR country IS NULL THEN 'missing_required'
        WHEN quantity IS NULL OR unit_price IS NULL OR local_ts IS NULL THEN 'unparseable'
        WHEN quantity = 0 THEN 'zero_quantity'
        WHEN starts_with(invoice_no, 'C') AND quantity > 0 THEN 'cancellation_positive_quantity'
        WHEN starts_with(invoice_no, 'C') THEN 'cancellation'
        WHEN starts_with(invoice_no, 'A') OR stock_code = 'B' THEN 'adjustment'
        WHEN unit_price < 0 THEN 'negative_price'
        WHEN stock_code IN ('POST','DOT','M','C2','D','S','BANK CHARGES','AMAZONFEE','CRUK','B') OR starts_with(stock_code, 'GIFT_0001_') THEN 'non_merchandise'
        WHEN quantity < 0 THEN 'stock_adjustment'
        WHEN unit_price = 0 THEN 'zero_price'
        ELSE 'sale' END AS outcome
    FROM n`);
  await c.run(`COPY (SELECT *, CAST(quantity * unit_price AS DECIMAL(38,6)) AS line_amount,
      timezone('Europe/London', local_ts) AS invoice_ts, CAST(local_ts AS DATE) AS business_date
      FROM classified WHERE outcome NOT IN ('missing_required','unparseable','zero_quantity','cancellation_positive_quantity','negative_price'))
    TO ${out('sales_lines.parquet')} ${pq}`);
  await c.run(`COPY (SELECT * FROM classified WHERE outcome IN ('missing_required','unparseable','zero_quantity','cancellation_positive_quantity','negative_price'))
    TO ${out('quarantine.parquet')} ${pq}`);
  await c.run(
    `CREATE TABLE lines AS SELECT *, CAST(local_ts AS DATE) AS business_date, outcome AS line_type FROM classified`,
  );
  const m = `CAST(sum(quantity * unit_price) AS DECIMAL(38,6)) AS revenue, count(DISTINCT invoice_no) AS orders,
             count(DISTINCT customer_id) AS customers, sum(quantity) AS units`;
  const gold: Record<string, string> = {
    kpis: `SELECT ${m}, (SELECT count(DISTINCT invoice_no) FROM lines WHERE line_type = 'cancellation') AS cancelled FROM lines WHERE line_type = 'sale'`,
    kpi_daily: `SELECT business_date, ${m} FROM lines WHERE line_type = 'sale' GROUP BY ALL`,
    kpi_monthly: `SELECT date_trunc('month', business_date) AS month, ${m} FROM lines WHERE line_type = 'sale' GROUP BY ALL`,
    country_daily: `SELECT business_date, country, ${m} FROM lines WHERE line_type = 'sale' GROUP BY ALL`,
    country_monthly: `SELECT date_trunc('month', business_date) AS month, country, ${m} FROM lines WHERE line_type = 'sale' GROUP BY ALL`,
    top_products: `SELECT stock_code, mode(description) AS description, ${m} FROM lines WHERE line_type = 'sale' GROUP BY ALL ORDER BY revenue DESC`,
    rfm: `WITH c AS (SELECT customer_id, max(business_date) AS last, count(DISTINCT invoice_no) AS f, sum(quantity * unit_price) AS mon
                     FROM lines WHERE line_type = 'sale' AND customer_id IS NOT NULL GROUP BY ALL)
          SELECT *, ntile(5) OVER (ORDER BY last, customer_id) AS r, ntile(5) OVER (ORDER BY f, customer_id) AS fs,
                 ntile(5) OVER (ORDER BY mon, customer_id) AS ms FROM c`,
    cohorts: `WITH a AS (SELECT DISTINCT customer_id, date_trunc('month', business_date) AS month FROM lines WHERE line_type = 'sale' AND customer_id IS NOT NULL),
               f AS (SELECT customer_id, min(month) AS cohort FROM a GROUP BY ALL)
          SELECT cohort, date_diff('month', cohort, month) AS period, count(*) AS customers FROM a JOIN f USING (customer_id) GROUP BY ALL`,
  };
  for (const [name, sql] of Object.entries(gold))
    await c.run(`COPY (${sql}) TO ${out(`${name}.parquet`)} ${pq}`);
  c.closeSync();
  db.closeSync();
}
