import type { SearchSpec } from '../spec/search-spec.js';
import { SearchError } from './errors.js';

export type SearchTarget =
  { engine: 'typesense'; url: string; apiKey: string; urlSource: 'spec' | 'env' } | { engine: 'postgres' };

/**
 * Pure: where the search step indexes. Typesense when a URL is configured (spec, or the env var it names), and then
 * the API key must be set too: a half-configured Typesense is an error, not a silent fallback to PostgreSQL.
 */
export const resolveSearchTarget = (
  spec: SearchSpec,
  env: Readonly<Record<string, string | undefined>>,
): SearchTarget => {
  const t = spec.typesense;
  const fromEnv = env[t.urlFromEnv]?.trim();
  const url = t.url ?? (fromEnv ? fromEnv : undefined);
  if (url === undefined) return { engine: 'postgres' };
  if (!/^https?:\/\/[^/]+/.test(url))
    throw new SearchError('SEARCH_CONFIG', `${t.urlFromEnv} is not an http:// or https:// URL`);
  const apiKey = env[t.apiKeyFromEnv]?.trim();
  if (!apiKey)
    throw new SearchError(
      'SEARCH_CONFIG',
      `Typesense is configured (${url}) but ${t.apiKeyFromEnv} is empty: set it to an admin API key` +
        (t.secretRef ? ` (from Secret ${t.secretRef.name}, key ${t.secretRef.key})` : ''),
    );
  return { engine: 'typesense', url, apiKey, urlSource: t.url ? 'spec' : 'env' };
};
