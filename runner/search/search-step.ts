import type { Registry } from 'prom-client';
import type { GoldMeta } from '../gold/gold-step.js';
import type { SearchDetails, StepContext, StepResult } from '../run/step-types.js';
import { SearchSpecSchema, type SearchSpecInput } from '../spec/search-spec.js';
import { WarehouseSpecSchema, type WarehouseSpecInput } from '../spec/warehouse-spec.js';
import { runMigrations } from '../warehouse/run-migrations.js';
import { openWarehouseConnection, type WarehouseConnection } from '../warehouse/warehouse-connection.js';
import { buildProductDocuments } from './build-product-documents.js';
import { describeCause, isSearchError, SearchError } from './errors.js';
import { replacePgProductIndex } from './pg-product-index.js';
import { createSearchMetrics } from './search-metrics.js';
import { resolveSearchTarget, type SearchTarget } from './search-target.js';
import { createTypesenseClient } from './typesense-client.js';
import { replaceTypesenseIndex } from './typesense-product-index.js';

export interface SearchStepRunnerOptions {
  /** Environment values (process.env from the CLI's config module): TYPESENSE_URL, TYPESENSE_API_KEY, DATABASE_URL. */
  env: Readonly<Record<string, string | undefined>>;
  registry?: Registry;
  /** Override the spec's `search` / `warehouse` sections (tests and programs embedding the runner). */
  search?: SearchSpecInput;
  warehouse?: WarehouseSpecInput;
  /** Opens the warehouse for the PostgreSQL engine (default: openWarehouseConnection, as the warehouse step). */
  connect?: () => Promise<WarehouseConnection>;
}

interface Indexed {
  indexed: number;
  where: string;
  details: SearchDetails;
}

/**
 * The search step (last of bronze → silver → gold → warehouse → search): one product document per merchandise
 * stock code from the published gold version (and the silver it was built from), indexed into Typesense (new
 * collection, alias swap) or PostgreSQL (new table, rename swap). Index problems make the step Failed with a coded
 * error in its details; the live index stays as it was.
 */
export const createSearchStepRunner =
  (options: SearchStepRunnerOptions) =>
  async (ctx: StepContext): Promise<StepResult<SearchDetails>> => {
    const started = performance.now();
    const fromSpec = ctx.spec as { search?: SearchSpecInput; warehouse?: WarehouseSpecInput };
    const spec = SearchSpecSchema.parse(options.search ?? fromSpec.search ?? {});
    const lakeNs = ctx.lake.namespace;
    const inputs = [
      { namespace: lakeNs, name: `gold/${ctx.lake.dataset}/top_products` },
      { namespace: lakeNs, name: `silver/${ctx.lake.dataset}/sales_lines` },
    ];
    const metrics = options.registry ? createSearchMetrics(options.registry) : undefined;
    let target: SearchTarget | undefined;
    let documents = 0;
    const result = (status: 'Succeeded' | 'Failed', note: string, details: SearchDetails) => {
      const engine = target?.engine ?? 'unknown';
      const code = details.error?.code ?? '';
      metrics?.runs.inc({ engine, status, code });
      return {
        status,
        rowsIn: documents,
        rowsOut: status === 'Succeeded' ? documents : 0,
        durationMs: Math.round(performance.now() - started),
        note,
        inputs,
        outputs: [],
        details: { engine, documents, ...details },
      } satisfies StepResult<SearchDetails>;
    };
    try {
      target = resolveSearchTarget(spec, options.env);
      const [silver, gold] = await Promise.all([
        ctx.lake.current('silver'),
        ctx.lake.current<GoldMeta>('gold'),
      ]);
      if (!silver || !gold || gold.meta.silverVersion !== silver.version)
        throw new SearchError(
          'SEARCH_INPUT',
          !silver || !gold
            ? 'no published silver and gold versions to index; run the silver and gold steps first'
            : `gold ${gold.version} was built from an older silver than ${silver.version}; run the gold step first`,
        );
      const docs = await buildProductDocuments(ctx.engine, {
        salesLines: await ctx.lake.tableFiles('silver', silver, 'sales_lines'),
        topProducts: await ctx.lake.tableFiles('gold', gold, 'top_products'),
      });
      documents = docs.length;
      ctx.progress.step(
        'search',
        `${docs.length.toLocaleString('en-GB')} product documents from gold ${gold.version}, indexing into ${target.engine}`,
      );
      const indexed =
        target.engine === 'typesense'
          ? await indexTypesense(target, spec, ctx, docs)
          : await indexPostgres(options, fromSpec.warehouse, ctx, docs, spec.batchSize);
      metrics?.documents.set({ engine: target.engine }, indexed.indexed);
      metrics?.lastSuccess.set({ engine: target.engine }, Date.now() / 1000);
      const note = `${indexed.indexed.toLocaleString('en-GB')} documents indexed into ${target.engine} (${indexed.where})`;
      ctx.progress.step('search', note);
      return result('Succeeded', note, {
        ...indexed.details,
        indexed: indexed.indexed,
        where: indexed.where,
      });
    } catch (error) {
      if (!isSearchError(error)) throw error;
      const cause = describeCause(error);
      ctx.logger.error({ err: error, code: error.code }, 'search step failed; the live index is unchanged');
      return result('Failed', `${error.message}${cause ? `: ${cause}` : ''}`, {
        error: { code: error.code, message: error.message, ...(cause ? { cause } : {}) },
      });
    }
  };

const indexTypesense = async (
  target: Extract<SearchTarget, { engine: 'typesense' }>,
  spec: ReturnType<typeof SearchSpecSchema.parse>,
  ctx: StepContext,
  docs: Awaited<ReturnType<typeof buildProductDocuments>>,
): Promise<Indexed> => {
  const timeoutSeconds = spec.typesense.timeoutSeconds;
  const r = await replaceTypesenseIndex({
    client: createTypesenseClient({ url: target.url, apiKey: target.apiKey, timeoutSeconds }),
    importClient: createTypesenseClient({
      url: target.url,
      apiKey: target.apiKey,
      timeoutSeconds: timeoutSeconds * 10,
    }),
    target: target.url,
    alias: spec.alias,
    runId: ctx.runId,
    documents: docs,
    batchSize: spec.batchSize,
    keepCollections: spec.keepCollections,
    logger: ctx.logger,
  });
  return {
    indexed: r.indexed,
    where: `alias ${spec.alias} → ${r.collection}`,
    details: {
      url: target.url,
      alias: spec.alias,
      collection: r.collection,
      previous: r.previous,
      deleted: r.deleted,
    },
  };
};

const indexPostgres = async (
  options: SearchStepRunnerOptions,
  fromSpec: WarehouseSpecInput | undefined,
  ctx: StepContext,
  docs: Awaited<ReturnType<typeof buildProductDocuments>>,
  batchSize: number,
): Promise<Indexed> => {
  const warehouse = WarehouseSpecSchema.parse(options.warehouse ?? fromSpec ?? {});
  let connection: WarehouseConnection;
  try {
    connection = await (
      options.connect ??
      (() =>
        openWarehouseConnection({
          spec: warehouse,
          env: options.env,
          baseDir: ctx.baseDir,
          logger: ctx.logger,
        }))
    )();
  } catch (cause) {
    throw new SearchError('SEARCH_UNAVAILABLE', 'cannot open the warehouse for the product search index', {
      cause,
    });
  }
  try {
    try {
      await runMigrations({ pool: connection.pool, schema: warehouse.schema, logger: ctx.logger });
    } catch (cause) {
      throw new SearchError('SEARCH_INDEX', `migrating warehouse schema ${warehouse.schema} failed`, {
        cause,
      });
    }
    const r = await replacePgProductIndex({
      pool: connection.pool,
      schema: warehouse.schema,
      runId: ctx.runId,
      documents: docs,
      batchSize,
      logger: ctx.logger,
    });
    return {
      indexed: r.indexed,
      where: `${warehouse.schema}.product_search`,
      details: { target: connection.target, schema: warehouse.schema, swapMs: Math.round(r.swapMs) },
    };
  } finally {
    await connection
      .close()
      .catch((error: unknown) => ctx.logger.warn({ err: error }, 'closing the warehouse failed'));
  }
};
