/**
 * Version 3: the PostgreSQL product search index (used when no Typesense is configured; docs/search.md).
 * The search step fills a copy of this table and renames it into place in one transaction, so readers see the
 * old index or the new one, never a half-built one. Queries call pg_trgm's word_similarity qualified with wherever
 * the extension lives (it may already be installed in another schema of the database); a few thousand products
 * need no trigram index.
 */
export const PRODUCT_SEARCH_SQL = `
DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'pg_trgm could not be installed (%): product search works without typo tolerance', SQLERRM;
END $$;

CREATE TABLE product_search (
  stock_code     text PRIMARY KEY,
  description    text NOT NULL,
  category       text NOT NULL,
  price_min      numeric(18,6) NOT NULL,
  price_max      numeric(18,6) NOT NULL,
  price_avg      numeric(18,6) NOT NULL,
  countries      text[] NOT NULL,
  revenue        numeric(38,6) NOT NULL,
  revenue_rank   integer NOT NULL,
  quantity       bigint NOT NULL,
  run_id         text NOT NULL,
  search_vector  tsvector GENERATED ALWAYS AS (
    setweight(to_tsvector('simple', stock_code), 'A') || setweight(to_tsvector('english', description), 'B')
  ) STORED
);
CREATE INDEX product_search_vector_idx ON product_search USING gin (search_vector);
CREATE INDEX product_search_category_idx ON product_search (category);
CREATE INDEX product_search_countries_idx ON product_search USING gin (countries);
COMMENT ON TABLE product_search IS 'Product search documents (one per merchandise stock code), replaced whole by each search step run.';
`;
