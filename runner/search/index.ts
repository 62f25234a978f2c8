/** Public API of product search: the readers' factory, the search step and the error codes. */
export { createProductSearch, type ProductSearchDeps } from './create-product-search.js';
export { SearchError, isSearchError, type SearchErrorCode } from './errors.js';
export type {
  FacetCount,
  ProductDocument,
  ProductSearch,
  ProductSearchQuery,
  ProductSearchResult,
} from './product-search-types.js';
