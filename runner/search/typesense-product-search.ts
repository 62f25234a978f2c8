import type { Client } from 'typesense';
import type { Logger } from 'pino';
import type { FacetCount, ProductSearch, ProductSearchResult } from './product-search-types.js';
import { normaliseQuery, sortFacets } from './search-query.js';
import { typesenseError } from './typesense-client.js';
import {
  documentId,
  fromTypesense,
  pageWindow,
  searchParams,
  type TypesenseProduct,
} from './typesense-documents.js';

interface TypesenseProductSearchDeps {
  client: Client;
  /** The alias the search step swaps (spec search.alias). */
  alias: string;
  /** The server URL, for error messages. */
  target: string;
  logger: Logger;
}

interface FacetField {
  field_name: string;
  counts: { value: string; count: number }[];
}

const facet = (facets: FacetField[] | undefined, field: string): FacetCount[] =>
  sortFacets(
    (facets ?? [])
      .find((f) => f.field_name === field)
      ?.counts.map((c) => ({ value: c.value, count: c.count })) ?? [],
  );

/** Product search on Typesense, through the alias (so a reindex swaps under readers without a gap). */
export const createTypesenseProductSearch = (deps: TypesenseProductSearchDeps): ProductSearch => {
  const collection = () => deps.client.collections<TypesenseProduct>(deps.alias);
  const context = (what: string) => ({
    what,
    target: deps.target,
    notFound: 'SEARCH_NOT_INDEXED' as const,
    fallback: 'SEARCH_QUERY' as const,
  });
  return {
    async search(query): Promise<ProductSearchResult> {
      const normalised = normaliseQuery(query);
      const params = searchParams(normalised);
      const empty = { category: [], country: [] };
      if (params === undefined) return { found: 0, hits: [], facets: empty, engine: 'typesense' };
      const window = pageWindow(normalised.offset, normalised.limit);
      try {
        const documents = collection().documents();
        const result = await documents.search(params);
        let hits = (result.hits ?? []).map((hit) => hit.document);
        for (const page of window.pages.slice(1))
          hits = hits.concat(
            ((await documents.search({ ...params, page })).hits ?? []).map((h) => h.document),
          );
        const facets = result.facet_counts as FacetField[] | undefined;
        return {
          found: result.found,
          hits: hits.slice(window.skip, window.skip + normalised.limit).map(fromTypesense),
          facets: { category: facet(facets, 'category'), country: facet(facets, 'countries') },
          engine: 'typesense',
        };
      } catch (error) {
        throw typesenseError(error, context(`searching ${deps.alias}`));
      }
    },
    async get(stockCode) {
      try {
        return fromTypesense(
          await collection().documents(documentId(stockCode.trim().toUpperCase())).retrieve(),
        );
      } catch (error) {
        if ((error as { httpStatus?: number }).httpStatus === 404) {
          // A missing document and a missing alias both answer 404; only the latter is an error.
          try {
            await deps.client.aliases(deps.alias).retrieve();
          } catch (aliasError) {
            throw typesenseError(aliasError, context(`reading alias ${deps.alias}`));
          }
          return undefined;
        }
        throw typesenseError(error, context(`reading product ${stockCode}`));
      }
    },
  };
};
