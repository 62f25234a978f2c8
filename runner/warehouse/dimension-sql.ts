/**
 * Desired dimension members, computed by DuckDB from the complete silver version before the PostgreSQL
 * transaction opens (columnar and parallel, so the transaction stays short). Each query reads the DuckDB temp
 * tables `stage` (the staging columns of silver-input.ts) and `countries` (silver countries.parquet) and yields exactly `columns`, in order, which are COPYed
 * into the PostgreSQL temp table of the same name. Ties are broken deterministically (byte order).
 */

export interface WantTable {
  name: 'want_country' | 'want_product' | 'want_invoice' | 'want_customer';
  columns: [name: string, pgType: string][];
  duckSql: string;
}

/**
 * Type 2 on country from purchase moments (`customer_id, invoice_ts, country`: one row per customer and moment,
 * the smallest country when several): a version starts whenever the country differs from the previous moment's;
 * the first starts at the first purchase, the last is current. Shared by the whole-silver and pre-aggregate paths.
 */
export const customerVersionsSql = (moments: string): string => `WITH moments AS (${moments}),
      starts AS (
        SELECT *, CASE WHEN country IS DISTINCT FROM lag(country) OVER w THEN 1 ELSE 0 END AS is_start
        FROM moments WINDOW w AS (PARTITION BY customer_id ORDER BY invoice_ts)),
      islands AS (
        SELECT *, sum(is_start) OVER (PARTITION BY customer_id ORDER BY invoice_ts) AS version FROM starts),
      versions AS (
        SELECT customer_id, CAST(version AS INTEGER) AS version, min(country) AS country_name,
               min(invoice_ts) AS valid_from
        FROM islands GROUP BY ALL)
      SELECT customer_id, country_name, valid_from,
             coalesce(lead(valid_from) OVER w, CAST('infinity' AS TIMESTAMPTZ)), lead(valid_from) OVER w IS NULL,
             version, false
      FROM versions WINDOW w AS (PARTITION BY customer_id ORDER BY version)`;

export const dateKey = (column: string): string =>
  `CAST(year(${column}) * 10000 + month(${column}) * 100 + day(${column}) AS INTEGER)`;

export const WANT_TABLES: WantTable[] = [
  {
    // Names as in the data; attributes from silver countries.parquet (the enrichment), else from country_* columns.
    name: 'want_country',
    columns: [
      ['country_name', 'text'],
      ['iso2', 'text'],
      ['iso3', 'text'],
      ['region', 'text'],
      ['currency', 'text'],
      ['kind', 'text'],
      ['official_name', 'text'],
      ['subregion', 'text'],
      ['not_a_country_reason', 'text'],
    ],
    duckSql: `WITH lines AS (
        SELECT country, max(country_iso2) AS iso2, max(country_iso3) AS iso3, max(country_region) AS region,
               max(country_currency) AS currency
        FROM stage GROUP BY country)
      SELECT l.country, coalesce(c.iso2, l.iso2), coalesce(c.iso3, l.iso3), coalesce(c.region, l.region),
             coalesce(c.currency, l.currency), c.kind, c.country_name, c.subregion, c.not_a_country_reason
      FROM lines l LEFT JOIN countries c ON c.name = l.country`,
  },
  {
    // Most frequent description (ties: smallest), merchandise unless classified otherwise, latest positive price.
    name: 'want_product',
    columns: [
      ['stock_code', 'text'],
      ['description', 'text'],
      ['is_merchandise', 'boolean'],
      ['category', 'text'],
      ['first_seen_date', 'date'],
      ['last_seen_date', 'date'],
      ['latest_unit_price', 'numeric(18,6)'],
    ],
    duckSql: `WITH descriptions AS (
        SELECT stock_code, description FROM stage WHERE description IS NOT NULL GROUP BY stock_code, description
        QUALIFY row_number() OVER (PARTITION BY stock_code ORDER BY count(*) DESC, description) = 1),
      categories AS (
        SELECT stock_code, category FROM stage WHERE category IS NOT NULL GROUP BY stock_code, category
        QUALIFY row_number() OVER (PARTITION BY stock_code ORDER BY count(*) DESC, category) = 1),
      prices AS (
        SELECT stock_code, unit_price FROM stage
        WHERE unit_price > 0 AND line_type IN ('sale', 'non_merchandise')
        QUALIFY row_number() OVER (PARTITION BY stock_code ORDER BY invoice_ts DESC, unit_price DESC) = 1),
      seen AS (
        SELECT stock_code, bool_and(line_type <> 'non_merchandise') AS is_merchandise,
               min(business_date) AS first_seen, max(business_date) AS last_seen
        FROM stage GROUP BY stock_code)
      SELECT s.stock_code, d.description, s.is_merchandise, c.category, s.first_seen, s.last_seen, p.unit_price
      FROM seen s LEFT JOIN descriptions d USING (stock_code) LEFT JOIN categories c USING (stock_code)
        LEFT JOIN prices p USING (stock_code)`,
  },
  {
    name: 'want_invoice',
    columns: [
      ['invoice_no', 'text'],
      ['invoice_ts', 'timestamptz'],
      ['business_date', 'date'],
      ['date_key', 'integer'],
      ['is_cancellation', 'boolean'],
      ['line_count', 'integer'],
    ],
    duckSql: `SELECT invoice_no, min(invoice_ts), min(business_date), ${dateKey('min(business_date)')},
        starts_with(invoice_no, 'C'), CAST(count(*) AS INTEGER)
      FROM stage GROUP BY invoice_no`,
  },
  {
    // Type 2 on country: a version starts whenever the country differs from the previous purchase moment's
    // (several countries at one moment: the smallest name). The first version starts at the first purchase.
    name: 'want_customer',
    columns: [
      ['customer_id', 'text'],
      ['country_name', 'text'],
      ['valid_from', 'timestamptz'],
      ['valid_to', 'timestamptz'],
      ['is_current', 'boolean'],
      ['version', 'integer'],
      ['is_unknown', 'boolean'],
    ],
    duckSql: customerVersionsSql(
      `SELECT customer_id, invoice_ts, min(country) AS country FROM stage WHERE customer_id IS NOT NULL GROUP BY ALL`,
    ),
  },
];
