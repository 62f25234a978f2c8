/** Machine-readable codes of search failures; the run summary, logs and the API carry the code. */
export type SearchErrorCode =
  /** The spec or environment is incomplete (a Typesense URL without an API key, say). */
  | 'SEARCH_CONFIG'
  /** Typesense refused the API key (401/403). */
  | 'SEARCH_AUTH'
  /** The backend cannot be reached, timed out, or answered 5xx. */
  | 'SEARCH_UNAVAILABLE'
  /** Documents were rejected on import (per-document results); nothing was published. */
  | 'SEARCH_IMPORT'
  /** Building, loading or swapping the index failed; the previous index stays live. */
  | 'SEARCH_INDEX'
  /** The lake has no published gold/silver to index. */
  | 'SEARCH_INPUT'
  /** No index exists yet (the search step has not run). */
  | 'SEARCH_NOT_INDEXED'
  /** The query itself is invalid (limit out of range, minPrice > maxPrice, …). */
  | 'SEARCH_BAD_QUERY'
  /** A query failed for a reason other than the above. */
  | 'SEARCH_QUERY';

export class SearchError extends Error {
  override readonly name = 'SearchError';
  constructor(
    readonly code: SearchErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const isSearchError = (error: unknown): error is SearchError => error instanceof SearchError;

/** The message of an error's cause, for one-line summaries. */
export const describeCause = (error: unknown): string | undefined => {
  const cause = error instanceof Error ? error.cause : undefined;
  return cause instanceof Error ? cause.message : cause === undefined ? undefined : String(cause);
};
