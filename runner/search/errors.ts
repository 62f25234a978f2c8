import { MedallionError, type ErrorCode, type ErrorOptions } from '../errors.js';

/**
 * Machine-readable codes of search failures; the run summary, logs and the API carry the code.
 * SEARCH_CONFIG: the spec or environment is incomplete (a Typesense URL without an API key, say).
 * SEARCH_AUTH: Typesense refused the API key (401/403).
 * SEARCH_UNAVAILABLE: the backend cannot be reached, timed out, or answered 5xx.
 * SEARCH_IMPORT: documents were rejected on import (per-document results); nothing was published.
 * SEARCH_INDEX: building, loading or swapping the index failed; the previous index stays live.
 * SEARCH_INPUT: the lake has no published gold/silver to index.
 * SEARCH_NOT_INDEXED: no index exists yet (the search step has not run).
 * SEARCH_BAD_QUERY: the query itself is invalid (limit out of range, minPrice > maxPrice, …).
 * SEARCH_QUERY: a query failed for a reason other than the above.
 */
export type SearchErrorCode = Extract<ErrorCode, `SEARCH_${string}`>;

export class SearchError extends MedallionError {
  declare readonly code: SearchErrorCode;
  constructor(code: SearchErrorCode, message: string, options?: ErrorOptions) {
    super(code, message, options);
  }
}

export const isSearchError = (error: unknown): error is SearchError => error instanceof SearchError;

/** The message of an error's cause, for one-line summaries. */
export const describeCause = (error: unknown): string | undefined => {
  const cause = error instanceof Error ? error.cause : undefined;
  return cause instanceof Error ? cause.message : cause === undefined ? undefined : String(cause);
};
