import { quoteLiteral } from '../engine/sql-quote.js';

/** Category of products whose descriptions match no category rule (gold's null category). */
const UNCATEGORISED = 'Uncategorised';

/**
 * Pure SQL (DuckDB) of the product documents: one row per row of gold's top_products, i.e. per stock code with at
 * least one `sale` line in silver. Sale lines are merchandise by construction (fees, postage, vouchers and
 * adjustments get other line types, docs/silver.md), so the merchandise rule lives in one place: silver.
 * Description and category are gold's (the most frequent description); price statistics and countries come from
 * the silver sale lines gold was built from. Ordered by stock code so batches are deterministic.
 */
const parquet = (files: string[]): string => `read_parquet([${files.map(quoteLiteral).join(', ')}])`;

/** `files` lists each table's Parquet files (silver's sales lines are one file per business-date partition). */
export const productDocumentsSql = (files: { topProducts: string[]; salesLines: string[] }): string => `
  WITH s AS (
    SELECT stock_code, unit_price, country FROM ${parquet(files.salesLines)} WHERE line_type = 'sale'),
  p AS (
    SELECT stock_code, CAST(min(unit_price) AS DOUBLE) AS price_min, CAST(max(unit_price) AS DOUBLE) AS price_max,
           round(CAST(avg(unit_price) AS DOUBLE), 4) AS price_avg,
           list_sort(list(DISTINCT country)) AS countries
    FROM s GROUP BY stock_code)
  SELECT t.stock_code, coalesce(t.description, '') AS description,
         coalesce(t.category, ${quoteLiteral(UNCATEGORISED)}) AS category,
         p.price_min, p.price_max, p.price_avg, p.countries,
         CAST(t.revenue AS DOUBLE) AS revenue, CAST(t.rank AS INTEGER) AS revenue_rank,
         CAST(t.units AS BIGINT) AS quantity
  FROM ${parquet(files.topProducts)} t JOIN p USING (stock_code)
  ORDER BY t.stock_code`;
