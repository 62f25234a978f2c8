import { SearchError } from './errors.js';
import type { FacetCount, ProductSearchQuery } from './product-search-types.js';

/** Longest accepted free-text query; longer input is a client mistake, not a search. */
const MAX_QUERY_LENGTH = 200;

/** A query checked and normalised once, so both backends apply the same rules. */
export interface NormalisedQuery {
  /** Trimmed text; undefined when the query matches everything ('' or '*'). */
  text: string | undefined;
  category: string | undefined;
  country: string | undefined;
  minPrice: number | undefined;
  maxPrice: number | undefined;
  limit: number;
  offset: number;
}

const bad = (message: string): SearchError => new SearchError('SEARCH_BAD_QUERY', message);

const finite = (name: string, value: number | undefined): number | undefined => {
  if (value === undefined) return undefined;
  if (!Number.isFinite(value) || value < 0) throw bad(`${name} must be a number >= 0`);
  return value;
};

/** Validates a query (the API validates too; this keeps other callers honest). Throws SEARCH_BAD_QUERY. */
export const normaliseQuery = (query: ProductSearchQuery): NormalisedQuery => {
  const q = query.q.trim();
  if (q.length > MAX_QUERY_LENGTH) throw bad(`q is longer than ${MAX_QUERY_LENGTH} characters`);
  if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > 100)
    throw bad('limit must be an integer from 1 to 100');
  if (!Number.isInteger(query.offset) || query.offset < 0) throw bad('offset must be an integer >= 0');
  const minPrice = finite('minPrice', query.minPrice);
  const maxPrice = finite('maxPrice', query.maxPrice);
  if (minPrice !== undefined && maxPrice !== undefined && minPrice > maxPrice)
    throw bad('minPrice must not be greater than maxPrice');
  const category = query.category?.trim() || undefined;
  const country = query.country?.trim() || undefined;
  return {
    text: q === '' || q === '*' ? undefined : q,
    category,
    country,
    minPrice,
    maxPrice,
    limit: query.limit,
    offset: query.offset,
  };
};

/** Facet values by count (descending), then value: the same order from both backends. */
export const sortFacets = (facets: FacetCount[]): FacetCount[] =>
  [...facets].sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
