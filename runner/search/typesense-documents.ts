import type { ProductDocument } from './product-search-types.js';
import type { NormalisedQuery } from './search-query.js';

/**
 * Pure mapping between ProductDocuments and Typesense: the collection schema, documents (snake_case, id = stock
 * code) and search parameters. No client here; the adapters send what these build.
 */

export const collectionSchema = (name: string) => ({
  name,
  fields: [
    { name: 'stock_code', type: 'string' as const, sort: true },
    { name: 'description', type: 'string' as const },
    { name: 'category', type: 'string' as const, facet: true },
    { name: 'countries', type: 'string[]' as const, facet: true },
    { name: 'price_min', type: 'float' as const },
    { name: 'price_max', type: 'float' as const },
    { name: 'price_avg', type: 'float' as const },
    { name: 'revenue', type: 'float' as const },
    { name: 'revenue_rank', type: 'int32' as const },
    { name: 'quantity', type: 'int64' as const },
  ],
});

export interface TypesenseProduct {
  id: string;
  stock_code: string;
  description: string;
  category: string;
  countries: string[];
  price_min: number;
  price_max: number;
  price_avg: number;
  revenue: number;
  revenue_rank: number;
  quantity: number;
}

/**
 * The document id of a stock code. Typesense ids must not need URL encoding, so any other character becomes
 * `~` and its hex code (stock codes are upper-case letters and digits in practice; this keeps odd ones safe).
 */
export const documentId = (stockCode: string): string =>
  stockCode.replace(/[^A-Za-z0-9_-]/gu, (ch) => `~${ch.codePointAt(0)!.toString(16)}`);

export const toTypesense = (d: ProductDocument): TypesenseProduct => ({
  id: documentId(d.stockCode),
  stock_code: d.stockCode,
  description: d.description,
  category: d.category,
  countries: d.countries,
  price_min: d.priceMin,
  price_max: d.priceMax,
  price_avg: d.priceAvg,
  revenue: d.revenue,
  revenue_rank: d.revenueRank,
  quantity: d.quantity,
});

export const fromTypesense = (t: TypesenseProduct): ProductDocument => ({
  stockCode: t.stock_code,
  description: t.description,
  category: t.category,
  priceMin: t.price_min,
  priceMax: t.price_max,
  priceAvg: t.price_avg,
  countries: t.countries,
  revenue: t.revenue,
  revenueRank: t.revenue_rank,
  quantity: t.quantity,
});

/** Collections of an alias are `<alias>-<runId>`; run ids sort by time, so names do too. */
export const collectionName = (alias: string, runId: string): string => `${alias}-${runId}`;

/**
 * A filter value in backticks, which Typesense reads literally (spaces, &, commas, :). A backtick cannot be
 * escaped inside one, and no category or country holds one, so such a value matches nothing (undefined).
 */
const exact = (value: string): string | undefined => (value.includes('`') ? undefined : `\`${value}\``);

/** Typesense's largest per_page. */
const MAX_PER_PAGE = 250;

/** Which result pages hold the window [offset, offset + limit), and where in the first one it starts. */
export interface PageWindow {
  perPage: number;
  pages: number[];
  skip: number;
}

/**
 * Pages are the only paging Typesense 0.24 knows (`offset`/`limit` are newer; 0.24.1 ignores them and answers the
 * first page). A window on a page boundary is one page of `limit`; any other offset (the API's cursor keeps the
 * offset when a client changes `limit`) takes the smallest page size that holds the whole window in one page, or,
 * when none up to 250 does (only seen with limits over the 100 the query allows), two pages of `limit`.
 */
export const pageWindow = (offset: number, limit: number): PageWindow => {
  for (let perPage = limit; perPage <= MAX_PER_PAGE; perPage++) {
    const first = Math.floor(offset / perPage);
    if (Math.floor((offset + limit - 1) / perPage) === first)
      return { perPage, pages: [first + 1], skip: offset - first * perPage };
  }
  const first = Math.floor(offset / limit);
  return { perPage: limit, pages: [first + 1, first + 2], skip: offset - first * limit };
};

/**
 * Search parameters for a normalised query (the first page of its window), or undefined when its filters cannot
 * match any document.
 */
export const searchParams = (query: NormalisedQuery): Record<string, string | number> | undefined => {
  const filters: string[] = [];
  if (query.category !== undefined) {
    const v = exact(query.category);
    if (v === undefined) return undefined;
    filters.push(`category:=${v}`);
  }
  if (query.country !== undefined) {
    const v = exact(query.country);
    if (v === undefined) return undefined;
    filters.push(`countries:=${v}`);
  }
  if (query.minPrice !== undefined) filters.push(`price_min:>=${query.minPrice}`);
  if (query.maxPrice !== undefined) filters.push(`price_max:<=${query.maxPrice}`);
  const window = pageWindow(query.offset, query.limit);
  return {
    q: query.text ?? '*',
    query_by: 'description,stock_code',
    ...(filters.length ? { filter_by: filters.join(' && ') } : {}),
    facet_by: 'category,countries',
    max_facet_values: 250,
    sort_by: '_text_match:desc,stock_code:asc',
    num_typos: 2,
    page: window.pages[0]!,
    per_page: window.perPage,
  };
};
