import type pg from 'pg';
import type { Logger } from 'pino';
import { createPgProductSearch } from './pg-product-search.js';
import type { ProductSearch } from './product-search-types.js';
import { createTypesenseClient } from './typesense-client.js';
import { createTypesenseProductSearch } from './typesense-product-search.js';

export interface ProductSearchDeps {
  /** The warehouse pool (used when Typesense is not configured). */
  pool: pg.Pool;
  /** Warehouse schema holding product_search (the spec's warehouse.schema, default `medallion`). */
  schema: string;
  /** Typesense, when configured: readers query the alias the search step swaps. */
  typesense?: {
    url: string;
    apiKey: string;
    /** Alias to query (spec search.alias; default `products`). */
    alias?: string;
    /** Per-request timeout (default 5 s for readers). */
    timeoutSeconds?: number;
  };
  logger: Logger;
}

/**
 * The product search readers use (the API's products routes): Typesense when configured, otherwise PostgreSQL
 * full-text search over the same documents. Both throw SearchError with a code (runner/search/errors.ts):
 * SEARCH_BAD_QUERY (400), SEARCH_NOT_INDEXED (404 or an empty result, the caller's choice), SEARCH_UNAVAILABLE
 * (503), SEARCH_AUTH and SEARCH_QUERY (500).
 */
export const createProductSearch = (deps: ProductSearchDeps): ProductSearch => {
  if (deps.typesense) {
    const { url, apiKey } = deps.typesense;
    return createTypesenseProductSearch({
      client: createTypesenseClient({
        url,
        apiKey,
        timeoutSeconds: deps.typesense.timeoutSeconds ?? 5,
        numRetries: 1,
      }),
      alias: deps.typesense.alias ?? 'products',
      target: url,
      logger: deps.logger,
    });
  }
  return createPgProductSearch({ pool: deps.pool, schema: deps.schema, logger: deps.logger });
};
