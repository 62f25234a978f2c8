/**
 * The contract between the product search backends (Typesense, or PostgreSQL full-text search when no Typesense is
 * configured) and their readers (the API's products/search route). Pure types: no client is imported here.
 */

/** One product document, as the search step indexes it from gold (one per stock code). */
export interface ProductDocument {
  stockCode: string;
  description: string;
  category: string;
  /** Unit price statistics over the product's sale lines, in GBP. */
  priceMin: number;
  priceMax: number;
  priceAvg: number;
  /** Countries (as named in the data) where the product sold. */
  countries: string[];
  /** Net revenue in GBP and its rank among all products (1 = highest). */
  revenue: number;
  revenueRank: number;
  quantity: number;
}

export interface ProductSearchQuery {
  /** Free text; typo tolerant. An empty string or '*' matches every product. */
  q: string;
  category?: string | undefined;
  country?: string | undefined;
  minPrice?: number | undefined;
  maxPrice?: number | undefined;
  /** 1..100 */
  limit: number;
  /** 0-based number of hits to skip (the API turns this into an opaque cursor). */
  offset: number;
}

export interface FacetCount {
  value: string;
  count: number;
}

export interface ProductSearchResult {
  /** Products matching the query and filters, before limit/offset. */
  found: number;
  hits: ProductDocument[];
  facets: { category: FacetCount[]; country: FacetCount[] };
  engine: 'typesense' | 'postgres';
}

export interface ProductSearch {
  search(query: ProductSearchQuery): Promise<ProductSearchResult>;
  /** One document by stock code, or undefined. */
  get(stockCode: string): Promise<ProductDocument | undefined>;
}
