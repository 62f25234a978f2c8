import type { Client } from 'typesense';
import type { Logger } from 'pino';
import { SearchError } from './errors.js';
import type { ProductDocument } from './product-search-types.js';
import { typesenseError } from './typesense-client.js';
import { collectionName, collectionSchema, toTypesense } from './typesense-documents.js';

interface TypesenseIndexOptions {
  /** Client for collection and alias calls. */
  client: Client;
  /** Client for document imports (a longer timeout); defaults to `client`. */
  importClient?: Client;
  /** The server URL, for error messages. */
  target: string;
  alias: string;
  runId: string;
  documents: readonly ProductDocument[];
  batchSize: number;
  /** Newest <alias>-* collections to keep after the swap, the live one included. */
  keepCollections: number;
  logger: Logger;
  onPhase?: (phase: 'imported' | 'swapped') => void | Promise<void>;
}

interface TypesenseIndexResult {
  indexed: number;
  collection: string;
  /** The collection the alias pointed to before, if any. */
  previous: string | undefined;
  deleted: string[];
}

/** At most this many rejected documents are quoted in the error message. */
const QUOTED_FAILURES = 3;

/**
 * Zero-downtime reindex: a new collection `<alias>-<runId>`, documents imported in JSONL batches with every
 * per-document result checked, the document count verified, then the alias swapped to it in one call. Readers query
 * the alias, so they see the old collection until the swap and the new one after. Any failure before the swap
 * deletes the new collection and leaves the alias where it was. Old collections beyond `keepCollections` go last;
 * failing to delete one is logged, not fatal (the next run retries).
 */
export const replaceTypesenseIndex = async (
  options: TypesenseIndexOptions,
): Promise<TypesenseIndexResult> => {
  const { client, alias, target } = options;
  const name = collectionName(alias, options.runId);
  const ctx = (what: string) => ({ what, target, fallback: 'SEARCH_INDEX' as const });
  const previous = await client
    .aliases(alias)
    .retrieve()
    .then((a) => a.collection_name)
    .catch((error: unknown) => {
      if ((error as { httpStatus?: number }).httpStatus === 404) return undefined;
      throw typesenseError(error, ctx(`reading alias ${alias}`));
    });
  try {
    await client.collections().create(collectionSchema(name));
  } catch (error) {
    throw typesenseError(error, ctx(`creating collection ${name}`));
  }
  try {
    const importer = (options.importClient ?? client).collections(name).documents();
    for (let i = 0; i < options.documents.length; i += options.batchSize) {
      const batch = options.documents.slice(i, i + options.batchSize).map(toTypesense);
      let results: { success: boolean; error?: string }[];
      try {
        results = (await importer.import(batch, { action: 'create', throwOnFail: false })) as typeof results;
      } catch (error) {
        throw typesenseError(error, ctx(`importing documents ${i + 1}-${i + batch.length} into ${name}`));
      }
      const failed = results.map((r, k) => ({ ...r, id: batch[k]?.id })).filter((r) => !r.success);
      if (failed.length > 0 || results.length !== batch.length) {
        const quoted = failed
          .slice(0, QUOTED_FAILURES)
          .map((f) => `${f.id}: ${f.error ?? 'rejected'}`)
          .join('; ');
        throw new SearchError(
          'SEARCH_IMPORT',
          failed.length > 0
            ? `Typesense rejected ${failed.length} of ${batch.length} documents (${quoted}); nothing was published`
            : `Typesense answered ${results.length} import results for ${batch.length} documents; nothing was published`,
        );
      }
    }
    const created = await client
      .collections(name)
      .retrieve()
      .catch((error: unknown) => {
        throw typesenseError(error, ctx(`reading collection ${name}`));
      });
    if (created.num_documents !== options.documents.length)
      throw new SearchError(
        'SEARCH_INDEX',
        `collection ${name} holds ${created.num_documents} documents instead of ${options.documents.length}`,
      );
    await options.onPhase?.('imported');
    try {
      await client.aliases().upsert(alias, { collection_name: name });
    } catch (error) {
      throw typesenseError(error, ctx(`pointing alias ${alias} to ${name}`));
    }
  } catch (error) {
    await client
      .collections(name)
      .delete()
      .catch((cleanup: unknown) =>
        options.logger.warn(
          { err: cleanup, collection: name },
          'could not delete the unpublished collection',
        ),
      );
    throw error;
  }
  await options.onPhase?.('swapped');
  const deleted = await deleteOldCollections(options, name);
  options.logger.info(
    { alias, collection: name, previous, deleted, documents: options.documents.length },
    'product search alias swapped',
  );
  return { indexed: options.documents.length, collection: name, previous, deleted };
};

const deleteOldCollections = async (options: TypesenseIndexOptions, live: string): Promise<string[]> => {
  const prefix = `${options.alias}-`;
  let names: string[];
  try {
    names = (await options.client.collections().retrieve()).map((c) => c.name);
  } catch (error) {
    options.logger.warn({ err: error }, 'could not list collections to delete old ones');
    return [];
  }
  // Only <alias>-<runId> names (a run id starts with its UTC date): alias `products` never touches `products-eu-…`.
  const ours = names
    .filter((n) => n.startsWith(prefix) && /^\d{8}t/.test(n.slice(prefix.length)) && n !== live)
    .sort()
    .reverse();
  const deleted: string[] = [];
  for (const name of ours.slice(Math.max(0, options.keepCollections - 1))) {
    try {
      await options.client.collections(name).delete();
      deleted.push(name);
    } catch (error) {
      options.logger.warn({ err: error, collection: name }, 'could not delete an old collection');
    }
  }
  return deleted;
};
