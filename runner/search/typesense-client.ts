import { Client, Errors } from 'typesense';
import { SearchError, type SearchErrorCode } from './errors.js';

interface TypesenseConnection {
  /** Base URL, such as http://typesense:8108. */
  url: string;
  apiKey: string;
  /** Timeout of one request (default 10 s). */
  timeoutSeconds?: number;
  /** Retries of a request after a 5xx or a network error (default 2). */
  numRetries?: number;
  /** Pause between retries (default 0.5 s). */
  retryIntervalSeconds?: number;
}

/**
 * A Typesense client. The client's own console logging is silenced: failures surface as SearchErrors that
 * callers log with pino (the client would print the request, which is noise, not a secret: the key is a header).
 */
export const createTypesenseClient = (connection: TypesenseConnection): Client =>
  new Client({
    nodes: [{ url: connection.url.replace(/\/+$/, '') }],
    apiKey: connection.apiKey,
    connectionTimeoutSeconds: connection.timeoutSeconds ?? 10,
    timeoutSeconds: connection.timeoutSeconds ?? 10,
    numRetries: connection.numRetries ?? 2,
    retryIntervalSeconds: connection.retryIntervalSeconds ?? 0.5,
    logLevel: 'silent',
  });

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'EPIPE',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

interface ErrorContext {
  /** The operation, such as "creating collection products-…". */
  what: string;
  /** The server's URL, for the message. */
  target: string;
  /** The code of a 404 for this operation (a missing alias is SEARCH_NOT_INDEXED for readers). */
  notFound?: SearchErrorCode;
  /** The code of any other failure. */
  fallback: SearchErrorCode;
}

/** Maps a client error to a coded SearchError whose message says what happened and what to do. */
export const typesenseError = (error: unknown, context: ErrorContext): SearchError => {
  if (error instanceof SearchError) return error;
  const { what, target } = context;
  const status = (error as { httpStatus?: number }).httpStatus;
  const code = (error as { code?: unknown }).code;
  const detail = error instanceof Error ? error.message : String(error);
  if (error instanceof Errors.RequestUnauthorized || status === 401 || status === 403)
    return new SearchError(
      'SEARCH_AUTH',
      `Typesense at ${target} rejected the API key while ${what}: check the key in the env var or Secret the search spec names`,
      { cause: error },
    );
  if (error instanceof Errors.ObjectNotFound || status === 404)
    return new SearchError(
      context.notFound ?? context.fallback,
      `${what}: not found on Typesense at ${target} (${detail})`,
      {
        cause: error,
      },
    );
  if (
    error instanceof Errors.ServerError ||
    (status !== undefined && status >= 500) ||
    (typeof code === 'string' && NETWORK_CODES.has(code)) ||
    /timeout/i.test(detail)
  )
    return new SearchError(
      'SEARCH_UNAVAILABLE',
      `Typesense at ${target} is unavailable while ${what} (${typeof code === 'string' ? `${code}: ` : ''}${detail}); gave up after retries`,
      { cause: error },
    );
  return new SearchError(context.fallback, `${what} failed: ${detail}`, { cause: error });
};
