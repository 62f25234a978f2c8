import { AMOUNT_TYPE } from '../silver/silver-rules.js';
import { COHORTS_FROM_ACTIVITY, KPIS_SELECT, RFM_SCORED, type GoldTable } from './gold-sql.js';

/**
 * Incremental gold, pure SQL. The lines of each unit of dates (a day of the newest month, an older month:
 * gold-ranges.ts; column `part`) are summarised once into five small pre-aggregates, closed years are combined from
 * their months (YEAR_SQL); every gold table is then computed from the ranges covering the history once, so a run
 * reads the lines of changed units only and pays for the rest in dates, countries, invoices, customers and products.
 *
 * Exactness: sums add up across units. Distinct counts do not, so they come from the invoice list
 * (`invoices`: one row per date, line type, invoice, customer and country) — orders, customers, frequency and
 * cohorts are count(DISTINCT) over it, exact whatever partition an invoice's lines fell in. Orders per product and
 * per category are counted per partition and corrected by the (product, invoice) pairs of the rare invoices whose
 * lines span several partitions (tables `product_over`, `category_over`, see overcountSql).
 * runner/gold/gold-sql.ts stays the definition; test/runner/incremental-gold.test.ts proves the two equal.
 */

export const PREAGGS = ['country_days', 'invoices', 'products', 'descriptions', 'categories'] as const;
export type Preagg = (typeof PREAGGS)[number];

const CENTS = 'DECIMAL(38,2)';
const SALE = `line_type = 'sale'`;
const sums = `CAST(sum(quantity * unit_price) AS ${AMOUNT_TYPE}) AS revenue, CAST(sum(quantity) AS BIGINT) AS units,
      CAST(sum(amount_eur) AS ${CENTS}) AS revenue_eur, CAST(sum(amount_usd) AS ${CENTS}) AS revenue_usd`;

/** The pre-aggregates of the lines of `src` (silver sales_lines plus a `part` column: the partition key). */
export const PREAGG_SQL: Record<Preagg, (src: string) => string> = {
  country_days: (src) =>
    `SELECT part, business_date, country, ${sums} FROM ${src} WHERE ${SALE} GROUP BY ALL`,
  invoices: (src) =>
    `SELECT part, business_date, line_type, invoice_no, customer_id, country,
            CAST(sum(quantity * unit_price) AS ${AMOUNT_TYPE}) AS revenue
     FROM ${src} WHERE line_type IN ('sale', 'cancellation') GROUP BY ALL`,
  products: (src) =>
    `SELECT part, stock_code, ${sums}, count(DISTINCT invoice_no) AS orders FROM ${src} WHERE ${SALE} GROUP BY ALL`,
  descriptions: (src) =>
    `SELECT part, stock_code, description, category, count(*) AS n FROM ${src}
     WHERE ${SALE} AND description IS NOT NULL GROUP BY ALL`,
  categories: (src) =>
    `SELECT part, category, ${sums}, count(DISTINCT invoice_no) AS orders FROM ${src} WHERE ${SALE} GROUP BY ALL`,
};

/** Sums of pre-aggregate rows, typed as PREAGG_SQL types them. */
const resums = `CAST(sum(revenue) AS ${AMOUNT_TYPE}) AS revenue, CAST(sum(units) AS BIGINT) AS units,
      CAST(sum(revenue_eur) AS ${CENTS}) AS revenue_eur, CAST(sum(revenue_usd) AS ${CENTS}) AS revenue_usd`;
const YEAR = 'substr(part, 1, 4) AS part';

/**
 * A closed year's pre-aggregate rows from its month units' rows (`src`, `part` = the month). The invoice list and
 * the date × country sums keep their rows (an invoice's `part` stays its month: the unit in which its orders were
 * counted, which the spanning correction needs); per-product, per-description and per-category rows add up into
 * one row per year (orders stay the sum of the months' distinct counts, corrected like any unit's).
 */
export const YEAR_SQL: Record<Preagg, (src: string) => string> = {
  country_days: (src) => `SELECT * FROM ${src}`,
  invoices: (src) => `SELECT * FROM ${src}`,
  products: (src) =>
    `SELECT ${YEAR}, stock_code, ${resums}, CAST(sum(orders) AS BIGINT) AS orders FROM ${src} GROUP BY ALL`,
  descriptions: (src) =>
    `SELECT ${YEAR}, stock_code, description, category, CAST(sum(n) AS BIGINT) AS n FROM ${src} GROUP BY ALL`,
  categories: (src) =>
    `SELECT ${YEAR}, category, ${resums}, CAST(sum(orders) AS BIGINT) AS orders FROM ${src} GROUP BY ALL`,
};

/** Sale invoices found in more than one partition: per-partition order counts count them once per partition. */
export const SPANNING_INVOICES_SQL = `CREATE OR REPLACE TEMP TABLE spanning AS
  WITH s AS (SELECT invoice_no FROM pa_invoices WHERE ${SALE} GROUP BY invoice_no HAVING min(part) <> max(part))
  SELECT invoice_no, list(DISTINCT part) AS parts FROM pa_invoices SEMI JOIN s USING (invoice_no) WHERE ${SALE}
  GROUP BY invoice_no`;

/**
 * How many times the per-partition counts over-count each product's and category's orders: a (product, invoice)
 * pair present in k partitions was counted k times and must count once. `src` holds the lines of the partitions
 * that contain spanning invoices (with `part`), so this reads lines only where such invoices are.
 */
export function overcountSql(src: string | undefined): string[] {
  if (!src) {
    return [
      'CREATE OR REPLACE TEMP TABLE product_over AS SELECT NULL::VARCHAR AS stock_code, 0::BIGINT AS over LIMIT 0',
      'CREATE OR REPLACE TEMP TABLE category_over AS SELECT NULL::VARCHAR AS category, 0::BIGINT AS over LIMIT 0',
    ];
  }
  const pairs = `SELECT DISTINCT part, invoice_no, stock_code, category FROM ${src}
    WHERE ${SALE} AND invoice_no IN (SELECT invoice_no FROM spanning)`;
  return [
    `CREATE OR REPLACE TEMP TABLE span_pairs AS ${pairs}`,
    `CREATE OR REPLACE TEMP TABLE product_over AS
       SELECT stock_code, CAST(count(*) - count(DISTINCT invoice_no) AS BIGINT) AS over
       FROM (SELECT DISTINCT part, invoice_no, stock_code FROM span_pairs) GROUP BY stock_code`,
    `CREATE OR REPLACE TEMP TABLE category_over AS
       SELECT category, CAST(count(*) - count(DISTINCT invoice_no) AS BIGINT) AS over
       FROM (SELECT DISTINCT part, invoice_no, category FROM span_pairs) GROUP BY category`,
  ];
}

const fxTotal = (col: string): string =>
  `CAST(CASE WHEN count(${col}) = 0 AND count(*) > 0 THEN NULL ELSE coalesce(sum(${col}), 0) END AS ${CENTS})`;
const MONTH = `CAST(date_trunc('month', business_date) AS DATE)`;

/** A daily or monthly series: sums from country_days, distinct counts from the invoice list. */
function series(time: 'business_date' | 'month', byCountry: boolean): string {
  const t = time === 'month' ? `${MONTH} AS month` : 'business_date';
  const keys = byCountry ? `${time}, country` : time;
  const on = [time, ...(byCountry ? ['country'] : [])]
    .map((k) => `s.${k} IS NOT DISTINCT FROM o.${k}`)
    .join(' AND ');
  return `WITH s AS (
        SELECT ${t}${byCountry ? ', country' : ''}, sum(revenue) AS revenue, sum(units) AS units,
               sum(revenue_eur) AS revenue_eur, sum(revenue_usd) AS revenue_usd
        FROM pa_country_days GROUP BY ALL),
      o AS (
        SELECT ${t}${byCountry ? ', country' : ''}, count(DISTINCT invoice_no) AS orders,
               count(DISTINCT customer_id) AS customers
        FROM pa_invoices WHERE ${SALE} GROUP BY ALL)
      SELECT ${keys.replace(/(\w+)/g, 's.$1')}, CAST(s.revenue AS ${AMOUNT_TYPE}) AS revenue, o.orders, o.customers,
             CAST(s.units AS BIGINT) AS units, CAST(s.revenue_eur AS ${CENTS}) AS revenue_eur,
             CAST(s.revenue_usd AS ${CENTS}) AS revenue_usd
      FROM s JOIN o ON ${on} ORDER BY ${keys}`;
}

/** Every gold table from the pre-aggregate tables pa_* and the over-count tables; same columns as GOLD_TABLES. */
export const INCREMENTAL_GOLD_TABLES: Record<GoldTable, string> = {
  kpis: `WITH s0 AS (
        SELECT CAST(coalesce(sum(revenue), 0) AS ${AMOUNT_TYPE}) AS revenue, CAST(coalesce(sum(units), 0) AS BIGINT) AS units,
               ${fxTotal('revenue_eur')} AS revenue_eur, ${fxTotal('revenue_usd')} AS revenue_usd
        FROM pa_country_days),
      o AS (SELECT count(DISTINCT invoice_no) AS orders, count(DISTINCT customer_id) AS customers
            FROM pa_invoices WHERE ${SALE}),
      k AS (SELECT CAST(coalesce(sum(revenue) FILTER (WHERE category IS NOT NULL), 0) AS ${AMOUNT_TYPE}) AS categorised_revenue
            FROM pa_categories),
      s AS (SELECT s0.revenue, o.orders, o.customers, s0.units, s0.revenue_eur, s0.revenue_usd, k.categorised_revenue
            FROM s0 CROSS JOIN o CROSS JOIN k),
      c AS (
        SELECT count(DISTINCT invoice_no) AS cancelled_invoices,
               CAST(coalesce(sum(-revenue), 0) AS ${AMOUNT_TYPE}) AS cancellation_value
        FROM pa_invoices WHERE line_type = 'cancellation')
      ${KPIS_SELECT}`,
  kpi_daily: series('business_date', false),
  kpi_monthly: series('month', false),
  country_daily: series('business_date', true),
  country_monthly: series('month', true),
  top_products: `WITH d AS (
        SELECT stock_code, description, category, CAST(sum(n) AS BIGINT) AS n FROM pa_descriptions GROUP BY ALL),
      best AS (SELECT stock_code, arg_min(description, (-n, description)) AS description,
                      arg_min(category, (-n, description)) AS category FROM d GROUP BY stock_code),
      p AS (SELECT stock_code, CAST(sum(revenue) AS ${AMOUNT_TYPE}) AS revenue, CAST(sum(units) AS BIGINT) AS units,
                   CAST(sum(orders) - coalesce(any_value(o.over), 0) AS BIGINT) AS orders
            FROM pa_products LEFT JOIN product_over o USING (stock_code) GROUP BY stock_code)
      SELECT CAST(row_number() OVER (ORDER BY p.revenue DESC, p.stock_code) AS INTEGER) AS rank,
             p.stock_code, best.description, p.revenue, p.units, p.orders, best.category
      FROM p LEFT JOIN best USING (stock_code) ORDER BY rank`,
  category_sales: `WITH m AS (
        SELECT category, CAST(sum(revenue) AS ${AMOUNT_TYPE}) AS revenue, CAST(sum(units) AS BIGINT) AS units,
               CAST(sum(revenue_eur) AS ${CENTS}) AS revenue_eur, CAST(sum(revenue_usd) AS ${CENTS}) AS revenue_usd,
               sum(orders) AS orders
        FROM pa_categories GROUP BY category),
      c AS (SELECT m.category, m.revenue, m.units, m.revenue_eur, m.revenue_usd,
                   CAST(m.orders - coalesce(o.over, 0) AS BIGINT) AS orders
            FROM m LEFT JOIN category_over o ON m.category IS NOT DISTINCT FROM o.category)
      SELECT category, revenue,
             CAST(revenue AS DOUBLE) / nullif(CAST(sum(revenue) OVER () AS DOUBLE), 0) AS revenue_share,
             units, orders, revenue_eur, revenue_usd
      FROM c ORDER BY category IS NULL, revenue DESC, category`,
  rfm: `WITH c AS (
        SELECT customer_id, max(business_date) AS last_purchase_date, count(DISTINCT invoice_no) AS frequency,
               CAST(sum(revenue) AS ${AMOUNT_TYPE}) AS monetary
        FROM pa_invoices WHERE ${SALE} AND customer_id IS NOT NULL GROUP BY customer_id),
      ref AS (SELECT max(business_date) + INTERVAL 1 DAY AS reference_date FROM pa_invoices WHERE ${SALE}),
${RFM_SCORED}`,
  cohorts: `WITH a AS (
        SELECT DISTINCT customer_id, ${MONTH} AS month FROM pa_invoices WHERE ${SALE} AND customer_id IS NOT NULL),
${COHORTS_FROM_ACTIVITY}`,
};
