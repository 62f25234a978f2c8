import { customerVersionsSql, dateKey, WANT_TABLES, type WantTable } from './dimension-sql.js';

/**
 * The wanted dimension members from merged pre-aggregates (dimension-preaggs.ts): DuckDB queries over the temp
 * table `tot` (one row per member and kind, the whole history) and `countries`, yielding exactly the columns of
 * WANT_TABLES — the same members and attributes the whole-silver queries of dimension-sql.ts give (ties broken
 * the same way: most frequent, then smallest).
 */
const FROM_TOTALS: Record<WantTable['name'], string> = {
  want_country: `SELECT t.k, coalesce(c.iso2, t.a1), coalesce(c.iso3, t.a2), coalesce(c.region, t.a3),
      coalesce(c.currency, t.a4), c.kind, c.country_name, c.subregion, c.not_a_country_reason
    FROM tot t LEFT JOIN countries c ON c.name = t.k WHERE t.kind = 'country'`,
  want_product: `WITH descriptions AS (
      SELECT k, v FROM tot WHERE kind = 'desc'
      QUALIFY row_number() OVER (PARTITION BY k ORDER BY n DESC, v) = 1),
    categories AS (
      SELECT k, v FROM tot WHERE kind = 'cat'
      QUALIFY row_number() OVER (PARTITION BY k ORDER BY n DESC, v) = 1)
    SELECT p.k, d.v, p.flag, c.v, p.d1, p.d2, p.price
    FROM tot p LEFT JOIN descriptions d ON d.k = p.k LEFT JOIN categories c ON c.k = p.k
    WHERE p.kind = 'prod'`,
  want_invoice: `SELECT k, ts, d1, ${dateKey('d1')}, starts_with(k, 'C'), CAST(n AS INTEGER)
    FROM tot WHERE kind = 'inv'`,
  want_customer: customerVersionsSql(
    `SELECT k AS customer_id, ts AS invoice_ts, v AS country FROM tot WHERE kind = 'moment'`,
  ),
};

export const WANT_FROM_TOTALS: WantTable[] = WANT_TABLES.map((table) => ({
  ...table,
  duckSql: FROM_TOTALS[table.name],
}));
