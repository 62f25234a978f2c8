import { quoteIdent } from '../engine/sql-quote.js';
import type { NormalisedQuery } from './search-query.js';

/**
 * Pure builders of the PostgreSQL product search statements. Every user value is a bind parameter; identifiers
 * (the schema, pg_trgm's schema) come from the validated spec and the catalogue, and are quoted.
 */

/** word_similarity at or above this is a typo-tolerant match ("chrstmas" ~ CHRISTMAS is 0.78, "lanturn" 0.63). */
const TRIGRAM_THRESHOLD = 0.5;

const DOCUMENT_COLUMNS = `stock_code AS "stockCode", description, category,
  price_min::float8 AS "priceMin", price_max::float8 AS "priceMax", price_avg::float8 AS "priceAvg",
  countries, revenue::float8 AS revenue, revenue_rank AS "revenueRank", quantity::float8 AS quantity`;

/** Query words that trigrams can match (at least one letter or digit), at most MAX_FUZZY_TOKENS of them. */
const MAX_FUZZY_TOKENS = 8;
export const fuzzyTokens = (text: string): string[] =>
  text
    .split(/\s+/)
    .filter((t) => /[\p{L}\p{N}]/u.test(t))
    .slice(0, MAX_FUZZY_TOKENS);

/** Escapes LIKE wildcards so a query is matched literally as a stock-code prefix. */
const likePrefix = (text: string): string => `${text.toUpperCase().replace(/[\\%_]/g, '\\$&')}%`;

interface SqlStatement {
  text: string;
  values: unknown[];
}

/**
 * One statement, so the count, the page and the facets come from one snapshot of one index table (a reindex
 * swapping tables between two statements cannot make them disagree). Text matches on full-text search over
 * description and stock code, a stock-code prefix, or (with pg_trgm) every word found by trigram word similarity.
 * Order: relevance, then stock code (byte order), so paging is stable.
 */
export const searchSql = (
  schema: string,
  query: NormalisedQuery,
  trgmSchema: string | undefined,
): SqlStatement => {
  const values: unknown[] = [];
  const param = (value: unknown): string => {
    values.push(value);
    return `$${values.length}`;
  };
  const where: string[] = [];
  let score = '0::float8';
  if (query.text !== undefined) {
    const q = param(query.text);
    const tsq = `websearch_to_tsquery('english', ${q})`;
    const prefix = param(likePrefix(query.text));
    const upper = param(query.text.toUpperCase());
    const matches = [`d.search_vector @@ ${tsq}`, `d.stock_code LIKE ${prefix}`];
    const parts = [`ts_rank_cd(d.search_vector, ${tsq})`, `(d.stock_code = ${upper})::int * 10`];
    const tokens = fuzzyTokens(query.text);
    if (trgmSchema !== undefined && tokens.length > 0) {
      // Every token must be found, each with typos allowed (as Typesense does): "red lanturn" needs both words.
      const similarities = tokens.map(
        (token) => `${quoteIdent(trgmSchema)}.word_similarity(${param(token)}, d.description)`,
      );
      matches.push(`(${similarities.map((sim) => `${sim} >= ${TRIGRAM_THRESHOLD}`).join(' AND ')})`);
      parts.push(`(${similarities.join(' + ')}) / ${tokens.length}`);
    }
    where.push(`(${matches.join(' OR ')})`);
    score = parts.join(' + ');
  }
  if (query.category !== undefined) where.push(`d.category = ${param(query.category)}`);
  if (query.country !== undefined) where.push(`${param(query.country)} = ANY (d.countries)`);
  if (query.minPrice !== undefined) where.push(`d.price_min >= ${param(query.minPrice)}`);
  if (query.maxPrice !== undefined) where.push(`d.price_max <= ${param(query.maxPrice)}`);
  const limit = param(query.limit);
  const offset = param(query.offset);
  const text = `WITH m AS (
      SELECT d.*, (${score})::float8 AS score FROM ${quoteIdent(schema)}.product_search d
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''}),
    page AS (
      SELECT ${DOCUMENT_COLUMNS}, score FROM m ORDER BY score DESC, stock_code COLLATE "C" LIMIT ${limit} OFFSET ${offset})
    SELECT (SELECT count(*) FROM m)::int AS found,
      (SELECT coalesce(json_agg(page ORDER BY score DESC, "stockCode" COLLATE "C"), '[]'::json) FROM page) AS hits,
      (SELECT coalesce(json_agg(json_build_object('value', category, 'count', n)), '[]'::json)
         FROM (SELECT category, count(*)::int AS n FROM m GROUP BY category) f) AS category_facets,
      (SELECT coalesce(json_agg(json_build_object('value', country, 'count', n)), '[]'::json)
         FROM (SELECT country, count(*)::int AS n FROM m, unnest(m.countries) AS country GROUP BY country) f)
        AS country_facets`;
  return { text, values };
};

export const getSql = (schema: string, stockCode: string): SqlStatement => ({
  text: `SELECT ${DOCUMENT_COLUMNS} FROM ${quoteIdent(schema)}.product_search WHERE stock_code = $1`,
  values: [stockCode.trim().toUpperCase()],
});

export const TRGM_SCHEMA_SQL = `SELECT n.nspname AS schema FROM pg_extension e
  JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'`;
