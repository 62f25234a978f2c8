import { duckdbDialect, type SqlDialect } from '../engine/sql-dialect.js';
import { quoteLiteral } from '../engine/sql-quote.js';
import { AMOUNT_TYPE } from '../silver/silver-rules.js';

/**
 * Pure SQL builders of the gold marts, over a temp table `lines` (silver sales_lines). Revenue counts only
 * line type `sale`; every amount stays DECIMAL so sums are exact.
 */

const CENTS = 'DECIMAL(38,2)';
// EUR and USD revenue: sums of the per-line cents of silver (exact; null when enrichment is disabled).
const fxMeasures = `CAST(sum(amount_eur) AS ${CENTS}) AS revenue_eur, CAST(sum(amount_usd) AS ${CENTS}) AS revenue_usd`;
const measures = `CAST(sum(quantity * unit_price) AS ${AMOUNT_TYPE}) AS revenue,
      count(DISTINCT invoice_no) AS orders, count(DISTINCT customer_id) AS customers, CAST(sum(quantity) AS BIGINT) AS units,
      ${fxMeasures}`;
// Null when there are sales but none has an amount (enrichment disabled); 0 when there are no sales at all.
const fxTotal = (col: string): string =>
  `CAST(CASE WHEN count(${col}) = 0 AND count(*) > 0 THEN NULL ELSE coalesce(sum(${col}), 0) END AS ${CENTS})`;

/**
 * The tails shared with the incremental path (incremental-gold-sql.ts), which feeds them the same CTEs from
 * per-partition pre-aggregates: kpis from CTEs `s` and `c`; rfm from `c` (per customer) and `ref`; cohorts from
 * `a` (distinct customer and month).
 */
export const KPIS_SELECT = `SELECT s.revenue, s.orders, s.customers, s.units,
             CAST(CASE WHEN s.orders = 0 THEN 0 ELSE s.revenue / s.orders END AS ${AMOUNT_TYPE}) AS average_order_value,
             c.cancelled_invoices, c.cancellation_value, s.revenue_eur, s.revenue_usd, s.categorised_revenue,
             CASE WHEN s.revenue = 0 THEN NULL ELSE CAST(s.categorised_revenue AS DOUBLE) / CAST(s.revenue AS DOUBLE) END AS category_coverage
      FROM s CROSS JOIN c`;
/** RFM scoring over CTEs `c` and `ref` (see above), in dialect `d`. */
export const rfmScored = (d: SqlDialect): string => {
  const recency = d.daysBetween('c.last_purchase_date', 'CAST(ref.reference_date AS DATE)');
  return `      scored AS (
        SELECT c.*, CAST(${recency} AS INTEGER) AS recency_days,
               CAST(ntile(5) OVER (ORDER BY ${recency} DESC, customer_id) AS INTEGER) AS r_score,
               CAST(ntile(5) OVER (ORDER BY frequency, customer_id) AS INTEGER) AS f_score,
               CAST(ntile(5) OVER (ORDER BY monetary, customer_id) AS INTEGER) AS m_score
        FROM c CROSS JOIN ref)
      SELECT customer_id, last_purchase_date, recency_days, frequency, monetary, r_score, f_score, m_score,
        CASE
          WHEN r_score >= 4 AND f_score >= 4 THEN 'champions'
          WHEN r_score >= 3 AND f_score >= 3 THEN 'loyal'
          WHEN r_score >= 4 THEN 'promising'
          WHEN r_score = 3 THEN 'needs_attention'
          WHEN f_score >= 4 THEN 'cannot_lose'
          WHEN f_score = 3 THEN 'at_risk'
          WHEN r_score = 2 THEN 'hibernating'
          ELSE 'lost'
        END AS segment
      FROM scored ORDER BY customer_id`;
};
export const RFM_SCORED = rfmScored(duckdbDialect);
/** Cohorts from CTE `a` (see above), in dialect `d`. */
export const cohortsFromActivity = (
  d: SqlDialect,
): string => `      f AS (SELECT customer_id, min(month) AS cohort_month FROM a GROUP BY customer_id),
      g AS (SELECT f.cohort_month, CAST(${d.monthsBetween('f.cohort_month', 'a.month')} AS INTEGER) AS period,
                   count(*) AS customers
            FROM a JOIN f USING (customer_id) GROUP BY ALL)
      SELECT cohort_month, period, first_value(customers) OVER (PARTITION BY cohort_month ORDER BY period) AS cohort_size,
             customers, customers / first_value(customers) OVER (PARTITION BY cohort_month ORDER BY period) AS retention_rate
      FROM g ORDER BY cohort_month, period`;
export const COHORTS_FROM_ACTIVITY = cohortsFromActivity(duckdbDialect);

/** The gold marts' queries over `lines`, in dialect `d` (DuckDB by default). */
export const goldTables = (d: SqlDialect = duckdbDialect) => {
  const month = d.monthStart('business_date');
  return {
    kpis: `WITH s AS (
        SELECT CAST(coalesce(sum(quantity * unit_price), 0) AS ${AMOUNT_TYPE}) AS revenue,
               count(DISTINCT invoice_no) AS orders, count(DISTINCT customer_id) AS customers,
               CAST(coalesce(sum(quantity), 0) AS BIGINT) AS units,
               ${fxTotal('amount_eur')} AS revenue_eur, ${fxTotal('amount_usd')} AS revenue_usd,
               CAST(coalesce(sum(quantity * unit_price) FILTER (WHERE category IS NOT NULL), 0) AS ${AMOUNT_TYPE}) AS categorised_revenue
        FROM lines WHERE line_type = 'sale'),
      c AS (
        SELECT count(DISTINCT invoice_no) AS cancelled_invoices,
               CAST(coalesce(sum(-quantity * unit_price), 0) AS ${AMOUNT_TYPE}) AS cancellation_value
        FROM lines WHERE line_type = 'cancellation')
      ${KPIS_SELECT}`,
    kpi_daily: `SELECT business_date, ${measures} FROM lines WHERE line_type = 'sale' GROUP BY ALL ORDER BY business_date`,
    kpi_monthly: `SELECT ${month} AS month, ${measures}
      FROM lines WHERE line_type = 'sale' GROUP BY ALL ORDER BY month`,
    country_daily: `SELECT business_date, country, ${measures} FROM lines WHERE line_type = 'sale'
      GROUP BY ALL ORDER BY business_date, country`,
    country_monthly: `SELECT ${month} AS month, country, ${measures}
      FROM lines WHERE line_type = 'sale' GROUP BY ALL ORDER BY month, country`,
    // The most frequent description of each product among its sales lines; ties go to the smallest text.
    top_products: `WITH d AS (
        SELECT stock_code, description, category, count(*) AS n FROM lines
        WHERE line_type = 'sale' AND description IS NOT NULL GROUP BY ALL),
      best AS (SELECT stock_code, ${d.argMin('description', ['-n', 'description'])} AS description,
                      ${d.argMin('category', ['-n', 'description'])} AS category FROM d GROUP BY stock_code),
      -- Orders per product come from the pre-counted table order_counts (see orderCountsSql).
      p AS (SELECT stock_code, CAST(sum(quantity * unit_price) AS ${AMOUNT_TYPE}) AS revenue,
                   CAST(sum(quantity) AS BIGINT) AS units, any_value(o.orders) AS orders
            FROM lines LEFT JOIN product_orders o USING (stock_code) WHERE line_type = 'sale' GROUP BY stock_code)
      SELECT CAST(row_number() OVER (ORDER BY p.revenue DESC, p.stock_code) AS INTEGER) AS rank,
             p.stock_code, best.description, p.revenue, p.units, p.orders, best.category
      FROM p LEFT JOIN best USING (stock_code) ORDER BY rank`,
    // Revenue by product category; the uncategorised lines form the row with a null category, so revenue adds up.
    category_sales: `WITH m AS (
        SELECT category, CAST(sum(quantity * unit_price) AS ${AMOUNT_TYPE}) AS revenue, CAST(sum(quantity) AS BIGINT) AS units,
               ${fxMeasures}
        FROM lines WHERE line_type = 'sale' GROUP BY category),
      o AS (SELECT category, orders FROM category_orders),
      c AS (SELECT m.*, o.orders FROM m JOIN o ON m.category IS NOT DISTINCT FROM o.category)
      SELECT category, revenue,
             CAST(revenue AS DOUBLE) / nullif(CAST(sum(revenue) OVER () AS DOUBLE), 0) AS revenue_share,
             units, orders, revenue_eur, revenue_usd
      FROM c ORDER BY category IS NULL, revenue DESC, category`,
    rfm: `WITH c AS (
        SELECT customer_id, max(business_date) AS last_purchase_date, count(DISTINCT invoice_no) AS frequency,
               CAST(sum(quantity * unit_price) AS ${AMOUNT_TYPE}) AS monetary
        FROM lines WHERE line_type = 'sale' AND customer_id IS NOT NULL GROUP BY customer_id),
      ref AS (SELECT ${d.addDays('max(business_date)', 1)} AS reference_date FROM lines WHERE line_type = 'sale'),
${rfmScored(d)}`,
    cohorts: `WITH a AS (
        SELECT DISTINCT customer_id, ${month} AS month
        FROM lines WHERE line_type = 'sale' AND customer_id IS NOT NULL),
${cohortsFromActivity(d)}`,
  } as const;
};

export const GOLD_TABLES = goldTables();

export type GoldTable = keyof typeof GOLD_TABLES;

/**
 * Orders (distinct invoices) per product and per category, counted in `parts` passes over disjoint slices of the
 * invoices (by hash of invoice_no). A count(DISTINCT) per group keeps every group's set in memory at once; one
 * pass per slice bounds the (group, invoice) pairs held at a time, so a hundred million lines fit the engine's
 * memory limit. An invoice falls in exactly one slice, so adding the slices' counts is exact.
 */
export function orderCountsSql(parts: number, d: SqlDialect = duckdbDialect): string[] {
  // Spark's distinct aggregation spills by itself (a shuffle), so one pass per table.
  if (d.name === 'spark')
    return (['stock_code', 'category'] as const).map(
      (g) =>
        `${d.materialize(g === 'stock_code' ? 'product_orders' : 'category_orders')} SELECT ${g}, count(DISTINCT invoice_no) AS orders FROM lines WHERE line_type = 'sale' GROUP BY ${g}`,
    );
  const slice = (k: number): string => `line_type = 'sale' AND hash(invoice_no) % ${parts} = ${k}`;
  const statements = [
    'CREATE OR REPLACE TEMP TABLE product_order_parts (stock_code VARCHAR, orders BIGINT)',
    'CREATE OR REPLACE TEMP TABLE category_order_parts (category VARCHAR, orders BIGINT)',
  ];
  for (let k = 0; k < parts; k++) {
    statements.push(
      `INSERT INTO product_order_parts SELECT stock_code, count(*) FROM (SELECT DISTINCT stock_code, invoice_no FROM lines WHERE ${slice(k)}) GROUP BY ALL`,
      `INSERT INTO category_order_parts SELECT category, count(*) FROM (SELECT DISTINCT category, invoice_no FROM lines WHERE ${slice(k)}) GROUP BY ALL`,
    );
  }
  statements.push(
    'CREATE OR REPLACE TEMP TABLE product_orders AS SELECT stock_code, CAST(sum(orders) AS BIGINT) AS orders FROM product_order_parts GROUP BY ALL',
    'CREATE OR REPLACE TEMP TABLE category_orders AS SELECT category, CAST(sum(orders) AS BIGINT) AS orders FROM category_order_parts GROUP BY ALL',
  );
  return statements;
}

export const copyGoldSql = (table: GoldTable, target: string): string =>
  `COPY (${GOLD_TABLES[table]}) TO ${quoteLiteral(target)} (FORMAT parquet, COMPRESSION zstd)`;

/** Series that must add up, exactly, to a kpis column (the gold audit). */
const AUDITED_SERIES: readonly (readonly [GoldTable, 'revenue' | 'revenue_eur' | 'revenue_usd'])[] = [
  ...(
    [
      'kpi_daily',
      'kpi_monthly',
      'country_daily',
      'country_monthly',
      'top_products',
      'category_sales',
    ] as const
  ).map((t) => [t, 'revenue'] as const),
  ...(['kpi_daily', 'kpi_monthly', 'country_daily', 'country_monthly', 'category_sales'] as const).flatMap(
    (t) => (['revenue_eur', 'revenue_usd'] as const).map((c) => [t, c] as const),
  ),
];

/** Audit: every series adds up, exactly, to the headline revenue (GBP, EUR, USD); returns the sums that do not. */
export const goldAuditSql = (dir: (t: GoldTable) => string): string => {
  return `WITH k AS (SELECT * FROM read_parquet(${quoteLiteral(dir('kpis'))}))
    ${AUDITED_SERIES.map(
      ([t, col]) =>
        `SELECT ${quoteLiteral(t)} AS series, ${quoteLiteral(col)} AS measure, (SELECT coalesce(sum(${col}), 0) FROM read_parquet(${quoteLiteral(dir(t))})) AS total
      FROM k WHERE total <> coalesce(k.${col}, 0)`,
    ).join('\n    UNION ALL ')}`;
};
