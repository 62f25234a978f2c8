import { STAGE_COLUMNS } from './silver-input.js';

/**
 * The SQL of one star-schema merge, in execution order. Everything runs in the load transaction with
 * search_path = <warehouse schema>, pg_temp. `want_*` temp tables hold the desired dimension members computed from
 * the complete silver version; the merge upserts them (keeping surrogate keys), rewrites changed facts and finally
 * removes members no longer wanted. Statements change no row when the data did not change (re-runs are no-ops).
 */

export const createStageSql = (): string =>
  `CREATE TEMP TABLE stage_sales_lines (${Object.entries(STAGE_COLUMNS)
    .map(([name, type]) => `${name} ${type}`)
    .join(', ')}) ON COMMIT DROP`;

export const CREATE_STAGE_DATE_SQL = `CREATE TEMP TABLE want_date (LIKE dim_date) ON COMMIT DROP`;

/** Upsert that only touches rows whose attributes differ, so unchanged members create no new row versions. */
const upsert = (table: string, conflict: string[], columns: string[], source: string): string => {
  const updates = columns.filter((column) => !conflict.includes(column));
  return `INSERT INTO ${table} (${columns.join(', ')}) SELECT ${columns.join(', ')} FROM ${source}
    ON CONFLICT (${conflict.join(', ')}) DO UPDATE SET ${updates.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}
    WHERE (${updates.map((c) => `${table}.${c}`).join(', ')}) IS DISTINCT FROM (${updates
      .map((c) => `EXCLUDED.${c}`)
      .join(', ')})`;
};

const dateKey = (column: string): string =>
  `(extract(year FROM ${column}) * 10000 + extract(month FROM ${column}) * 100 + extract(day FROM ${column}))::integer`;

const DATE_COLUMNS = [
  'date_key',
  'date',
  'year',
  'quarter',
  'month',
  'month_name',
  'day_of_month',
  'day_of_year',
  'iso_year',
  'iso_week',
  'day_of_week',
  'day_name',
  'is_weekend',
  'is_uk_bank_holiday',
  'uk_bank_holiday_name',
];

export interface StatementSpec {
  name: string;
  sql: string;
  /** Counted as dimension changes (rowCount of the statement). */
  countsAs?: 'dimension' | 'fact_inserted' | 'fact_updated' | 'fact_deleted';
}

export const WANT_SQL: StatementSpec[] = [
  { name: 'analyze stage', sql: 'ANALYZE stage_sales_lines' },
  {
    name: 'want_country',
    sql: `CREATE TEMP TABLE want_country ON COMMIT DROP AS
      SELECT country AS country_name, max(country_iso2) AS iso2, max(country_iso3) AS iso3,
             max(country_region) AS region, max(country_currency) AS currency
      FROM stage_sales_lines GROUP BY country`,
  },
  {
    name: 'want_product',
    sql: `CREATE TEMP TABLE want_product ON COMMIT DROP AS
      WITH descriptions AS (
        SELECT DISTINCT ON (stock_code) stock_code, description FROM stage_sales_lines WHERE description IS NOT NULL
        GROUP BY stock_code, description ORDER BY stock_code, count(*) DESC, description),
      categories AS (
        SELECT DISTINCT ON (stock_code) stock_code, category FROM stage_sales_lines WHERE category IS NOT NULL
        GROUP BY stock_code, category ORDER BY stock_code, count(*) DESC, category),
      latest AS (
        SELECT stock_code, max(invoice_ts) AS invoice_ts FROM stage_sales_lines
        WHERE unit_price > 0 AND line_type IN ('sale', 'non_merchandise') GROUP BY stock_code),
      prices AS (
        SELECT l.stock_code, max(l.unit_price) AS unit_price
        FROM stage_sales_lines l JOIN latest t ON t.stock_code = l.stock_code AND t.invoice_ts = l.invoice_ts
        WHERE l.unit_price > 0 AND l.line_type IN ('sale', 'non_merchandise') GROUP BY l.stock_code),
      seen AS (
        SELECT stock_code, bool_and(line_type <> 'non_merchandise') AS is_merchandise,
               min(business_date) AS first_seen_date, max(business_date) AS last_seen_date
        FROM stage_sales_lines GROUP BY stock_code)
      SELECT s.stock_code, d.description, s.is_merchandise, c.category, s.first_seen_date, s.last_seen_date,
             p.unit_price AS latest_unit_price
      FROM seen s LEFT JOIN descriptions d USING (stock_code) LEFT JOIN categories c USING (stock_code)
        LEFT JOIN prices p USING (stock_code)`,
  },
  {
    name: 'want_invoice',
    sql: `CREATE TEMP TABLE want_invoice ON COMMIT DROP AS
      SELECT invoice_no, min(invoice_ts) AS invoice_ts, min(business_date) AS business_date,
             ${dateKey('min(business_date)')} AS date_key, invoice_no LIKE 'C%' AS is_cancellation,
             count(*)::integer AS line_count
      FROM stage_sales_lines GROUP BY invoice_no`,
  },
  {
    // Type 2: a new version starts whenever the country differs from the previous purchase moment's country.
    name: 'want_customer',
    sql: `CREATE TEMP TABLE want_customer ON COMMIT DROP AS
      WITH moments AS (
        SELECT customer_id, invoice_ts, min(country) AS country FROM stage_sales_lines
        WHERE customer_id IS NOT NULL GROUP BY customer_id, invoice_ts),
      starts AS (
        SELECT *, CASE WHEN country IS DISTINCT FROM lag(country) OVER w THEN 1 ELSE 0 END AS is_start
        FROM moments WINDOW w AS (PARTITION BY customer_id ORDER BY invoice_ts)),
      islands AS (
        SELECT *, sum(is_start) OVER (PARTITION BY customer_id ORDER BY invoice_ts) AS version FROM starts),
      versions AS (
        SELECT customer_id, version::integer AS version, min(country) AS country_name, min(invoice_ts) AS valid_from
        FROM islands GROUP BY customer_id, version)
      SELECT customer_id, country_name, valid_from,
             coalesce(lead(valid_from) OVER w, 'infinity') AS valid_to, lead(valid_from) OVER w IS NULL AS is_current,
             version, false AS is_unknown
      FROM versions WINDOW w AS (PARTITION BY customer_id ORDER BY version)`,
  },
  {
    name: 'index want_customer',
    sql: 'CREATE INDEX ON want_customer (customer_id, valid_from); ANALYZE want_customer',
  },
];

export const UPSERT_DIMENSIONS_SQL: StatementSpec[] = [
  {
    name: 'upsert dim_date',
    sql: upsert('dim_date', ['date_key'], DATE_COLUMNS, 'want_date'),
    countsAs: 'dimension',
  },
  {
    name: 'upsert dim_country',
    sql: upsert(
      'dim_country',
      ['country_name'],
      ['country_name', 'iso2', 'iso3', 'region', 'currency'],
      'want_country',
    ),
    countsAs: 'dimension',
  },
  {
    name: 'upsert dim_product',
    sql: upsert(
      'dim_product',
      ['stock_code'],
      [
        'stock_code',
        'description',
        'is_merchandise',
        'category',
        'first_seen_date',
        'last_seen_date',
        'latest_unit_price',
      ],
      'want_product',
    ),
    countsAs: 'dimension',
  },
  {
    name: 'upsert dim_invoice',
    sql: upsert(
      'dim_invoice',
      ['invoice_no'],
      ['invoice_no', 'invoice_ts', 'business_date', 'date_key', 'is_cancellation', 'line_count'],
      'want_invoice',
    ),
    countsAs: 'dimension',
  },
  {
    name: 'upsert dim_customer',
    sql: upsert(
      'dim_customer',
      ['customer_id', 'valid_from'],
      ['customer_id', 'country_name', 'valid_from', 'valid_to', 'is_current', 'version', 'is_unknown'],
      'want_customer',
    ),
    countsAs: 'dimension',
  },
];

const FACT_COLUMNS = [
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
];
const FACT_VALUES = FACT_COLUMNS.filter((column) => column !== 'row_hash');

export const FACT_SQL: StatementSpec[] = [
  {
    name: 'stage_fact',
    sql: `CREATE TEMP TABLE stage_fact ON COMMIT DROP AS
      SELECT s.row_hash, ${dateKey('s.business_date')} AS date_key, coalesce(c.customer_key, 0) AS customer_key,
             p.product_key, k.country_key, i.invoice_key, s.line_type, s.quantity, s.unit_price, s.line_amount,
             s.amount_eur, s.amount_usd, s.invoice_ts, s.source_file, s.source_line, s.ingest_run_id
      FROM stage_sales_lines s
        JOIN dim_product p ON p.stock_code = s.stock_code
        JOIN dim_country k ON k.country_name = s.country
        JOIN dim_invoice i ON i.invoice_no = s.invoice_no
        LEFT JOIN (dim_customer c JOIN want_customer w USING (customer_id, valid_from))
          ON c.customer_id = s.customer_id AND s.invoice_ts >= c.valid_from AND s.invoice_ts < c.valid_to`,
  },
  { name: 'analyze stage_fact', sql: 'ANALYZE stage_fact' },
  {
    name: 'delete facts',
    sql: `DELETE FROM fact_sales f WHERE NOT EXISTS (SELECT 1 FROM stage_fact s WHERE s.row_hash = f.row_hash)`,
    countsAs: 'fact_deleted',
  },
  {
    name: 'update facts',
    sql: `UPDATE fact_sales f SET ${FACT_VALUES.map((c) => `${c} = s.${c}`).join(', ')}, run_id = $1
      FROM stage_fact s WHERE s.row_hash = f.row_hash
        AND (${FACT_VALUES.map((c) => `f.${c}`).join(', ')}) IS DISTINCT FROM (${FACT_VALUES.map((c) => `s.${c}`).join(', ')})`,
    countsAs: 'fact_updated',
  },
  {
    name: 'insert facts',
    sql: `INSERT INTO fact_sales (${FACT_COLUMNS.join(', ')}, run_id)
      SELECT ${FACT_COLUMNS.map((c) => `s.${c}`).join(', ')}, $1 FROM stage_fact s
      WHERE NOT EXISTS (SELECT 1 FROM fact_sales f WHERE f.row_hash = s.row_hash)`,
    countsAs: 'fact_inserted',
  },
];

/** Members no longer wanted (late corrections, re-published silver) go after the facts stopped pointing at them. */
export const PRUNE_SQL: StatementSpec[] = [
  {
    name: 'prune dim_invoice',
    sql: `DELETE FROM dim_invoice d WHERE NOT EXISTS (SELECT 1 FROM want_invoice w WHERE w.invoice_no = d.invoice_no)`,
    countsAs: 'dimension',
  },
  {
    name: 'prune dim_customer',
    sql: `DELETE FROM dim_customer d WHERE NOT d.is_unknown AND NOT EXISTS
      (SELECT 1 FROM want_customer w WHERE w.customer_id = d.customer_id AND w.valid_from = d.valid_from)`,
    countsAs: 'dimension',
  },
  {
    name: 'prune dim_product',
    sql: `DELETE FROM dim_product d WHERE NOT EXISTS (SELECT 1 FROM want_product w WHERE w.stock_code = d.stock_code)`,
    countsAs: 'dimension',
  },
  {
    name: 'prune dim_country',
    sql: `DELETE FROM dim_country d WHERE NOT EXISTS (SELECT 1 FROM want_country w WHERE w.country_name = d.country_name)`,
    countsAs: 'dimension',
  },
  {
    name: 'prune dim_date',
    sql: `DELETE FROM dim_date d WHERE NOT EXISTS (SELECT 1 FROM want_date w WHERE w.date_key = d.date_key)`,
    countsAs: 'dimension',
  },
];
