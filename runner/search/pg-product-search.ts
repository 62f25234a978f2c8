import type pg from 'pg';
import type { Logger } from 'pino';
import { SearchError } from './errors.js';
import type {
  FacetCount,
  ProductDocument,
  ProductSearch,
  ProductSearchResult,
} from './product-search-types.js';
import { getSql, searchSql, TRGM_SCHEMA_SQL } from './pg-search-sql.js';
import { normaliseQuery, sortFacets } from './search-query.js';

interface PgProductSearchDeps {
  pool: pg.Pool;
  /** Warehouse schema holding product_search (migration 3). */
  schema: string;
  logger: Logger;
}

// SQLSTATE classes: 08 connection exceptions, 57P admin shutdown/cannot connect, 53 insufficient resources.
const UNAVAILABLE = /^(08|57P|53)/;

const toSearchError = (error: unknown, what: string): SearchError => {
  const code = (error as { code?: unknown }).code;
  if (code === '42P01')
    return new SearchError('SEARCH_NOT_INDEXED', 'no product search index yet: run the search step', {
      cause: error,
    });
  if (
    (typeof code === 'string' && UNAVAILABLE.test(code)) ||
    code === 'ECONNREFUSED' ||
    code === 'ECONNRESET' ||
    code === 'ETIMEDOUT' ||
    code === 'ENOTFOUND'
  )
    return new SearchError('SEARCH_UNAVAILABLE', `the warehouse is unavailable for ${what}`, {
      cause: error,
    });
  return new SearchError('SEARCH_QUERY', `${what} failed`, { cause: error });
};

interface SearchRow {
  found: number;
  hits: (ProductDocument & { score: number })[];
  category_facets: FacetCount[];
  country_facets: FacetCount[];
}

/** Product search on PostgreSQL full-text search with pg_trgm typo tolerance (the no-Typesense default). */
export const createPgProductSearch = (deps: PgProductSearchDeps): ProductSearch => {
  const logger = deps.logger.child({ component: 'product-search', engine: 'postgres' });
  // Where pg_trgm lives, looked up once; without it (no privilege to install it) search has no typo tolerance.
  let trgm: Promise<string | undefined> | undefined;
  const trgmSchema = (): Promise<string | undefined> =>
    (trgm ??= deps.pool
      .query<{ schema: string }>(TRGM_SCHEMA_SQL)
      .then(({ rows }) => {
        if (!rows[0]) logger.warn('pg_trgm is not installed: product search has no typo tolerance');
        return rows[0]?.schema;
      })
      .catch((error: unknown) => {
        trgm = undefined;
        throw toSearchError(error, 'product search');
      }));
  return {
    async search(query): Promise<ProductSearchResult> {
      const normalised = normaliseQuery(query);
      const statement = searchSql(deps.schema, normalised, await trgmSchema());
      let row: SearchRow | undefined;
      try {
        row = (await deps.pool.query<SearchRow>(statement)).rows[0];
      } catch (error) {
        throw toSearchError(error, 'product search');
      }
      return {
        found: row?.found ?? 0,
        hits: (row?.hits ?? []).map(({ score: _score, ...doc }) => doc),
        facets: {
          category: sortFacets(row?.category_facets ?? []),
          country: sortFacets(row?.country_facets ?? []),
        },
        engine: 'postgres',
      };
    },
    async get(stockCode) {
      try {
        const { rows } = await deps.pool.query<ProductDocument>(getSql(deps.schema, stockCode));
        return rows[0];
      } catch (error) {
        throw toSearchError(error, 'product lookup');
      }
    },
  };
};
