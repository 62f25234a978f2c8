import path from 'node:path';
import type { Logger } from 'pino';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { createKubeClient, loadKubeConfig } from '../operator/kube/client-node-adapter.js';
import { createProductSearch } from '../runner/search/create-product-search.js';
import { loadSpec } from '../runner/spec/load-spec.js';
import { WarehouseSpecSchema, type WarehouseSpec } from '../runner/spec/warehouse-spec.js';
import { runMigrations } from '../runner/warehouse/run-migrations.js';
import {
  openWarehouseConnection,
  type WarehouseConnection,
} from '../runner/warehouse/warehouse-connection.js';
import { buildApp } from './app.js';
import { createApiKeyStore } from './auth/api-keys.js';
import { createJwtVerifier } from './auth/jwt.js';
import type { ApiConfig } from './config.js';
import { createRunRepository } from './data/run-repository.js';
import type { TypedApp } from './routes/typed-app.js';
import { createClusterRunsService, createLocalRunsService } from './runs/runs-service.js';

interface RunningApi {
  app: TypedApp;
  url: string;
  warehouse: { target: string; embedded: boolean; schema: string };
  mode: 'cluster' | 'local';
  close(): Promise<void>;
}

/**
 * The warehouse the API reads, resolved exactly as the warehouse step resolves it: the spec's warehouse section
 * (with -f) or its defaults, then DATABASE_URL (or the spec's urlFromEnv); with none, the embedded PostgreSQL under
 * the spec's folder (or the current directory), started like `medallion db start` does.
 */
export async function resolveApiWarehouse(options: {
  file?: string | undefined;
  schemaOverride?: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
}): Promise<{ spec: WarehouseSpec; baseDir: string }> {
  if (options.file) {
    const { pipeline, baseDir } = await loadSpec(options.file);
    const spec = WarehouseSpecSchema.parse(pipeline.spec.warehouse ?? {});
    return { spec: options.schemaOverride ? { ...spec, schema: options.schemaOverride } : spec, baseDir };
  }
  const spec = WarehouseSpecSchema.parse(options.schemaOverride ? { schema: options.schemaOverride } : {});
  return { spec, baseDir: path.resolve('.') };
}

/** `medallion api`: opens the warehouse (and the cluster), builds the app and listens. */
export async function startApiServer(options: {
  config: ApiConfig;
  logger: Logger;
  file?: string | undefined;
  /** Injectable for tests. */
  connect?: () => Promise<WarehouseConnection>;
}): Promise<RunningApi> {
  const { config, logger } = options;
  const { spec, baseDir } = await resolveApiWarehouse({
    file: options.file,
    schemaOverride: config.warehouseSchema,
    env: config.env,
  });
  const connection = await (
    options.connect ?? (() => openWarehouseConnection({ spec, env: config.env, baseDir, logger }))
  )();
  try {
    // Many short concurrent reads: more connections than a load needs, and no parallel workers (starting them costs
    // more than these indexed queries take). pg reads the pool's options whenever it opens a connection.
    Object.assign((connection.pool as unknown as { options: object }).options, {
      max: 10,
      options: '-c max_parallel_workers_per_gather=0',
    });
    // The API owns run_history and api_keys (migration 4): make sure they exist even before the first load.
    await runMigrations({ pool: connection.pool, schema: spec.schema, logger });
    const registry = new Registry();
    collectDefaultMetrics({ register: registry, prefix: 'medallion_api_' });
    const repo = createRunRepository({ pool: connection.pool, schema: spec.schema });
    const kube = config.kube
      ? createKubeClient(
          loadKubeConfig(
            'kubeconfig' in config.kube ? { kubeconfig: config.kube.kubeconfig } : { inCluster: true },
          ),
        )
      : undefined;
    const runs = kube
      ? createClusterRunsService({ kube, repo, namespace: config.namespace, logger })
      : createLocalRunsService(repo);
    const app = await buildApp({
      logger,
      registry,
      pool: connection.pool,
      schema: spec.schema,
      runs,
      productSearch: createProductSearch({
        pool: connection.pool,
        schema: spec.schema,
        ...(config.typesense ? { typesense: config.typesense } : {}),
        logger,
      }),
      jwt: await createJwtVerifier(config.jwt),
      apiKeys: createApiKeyStore({ pool: connection.pool, schema: spec.schema }),
      rateLimitPerMinute: config.rateLimitPerMinute,
      cacheTtlMs: config.cacheTtlMs,
      objectStore: config.objectStore,
      ...(kube
        ? {
            readiness: async () => {
              await kube.list({
                apiVersion: 'medallion.dev/v1alpha1',
                plural: 'pipelines',
                ...(config.namespace ? { namespace: config.namespace } : {}),
              });
              return { cluster: true };
            },
          }
        : {}),
    });
    const url = await app.listen({ port: config.port, host: config.host });
    return {
      app,
      url,
      warehouse: { target: connection.target, embedded: connection.embedded, schema: spec.schema },
      mode: runs.mode,
      close: async () => {
        await app.close();
        await connection.close();
      },
    };
  } catch (e) {
    await connection.close();
    throw e;
  }
}
