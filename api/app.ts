import fastifyRateLimit from '@fastify/rate-limit';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyError } from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  isResponseSerializationError,
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import type pg from 'pg';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { isMedallionError } from '../runner/errors.js';
import type { ProductSearch } from '../runner/search/product-search-types.js';
import type { ObjectStoreEnv } from '../runner/config.js';
import type { ApiKeyStore } from './auth/api-keys.js';
import { createAuthenticator } from './auth/authenticate.js';
import type { JwtVerifier } from './auth/jwt.js';
import { createKpiRepository } from './data/kpi-repository.js';
import { createLoadCache } from './data/load-cache.js';
import { createProductRepository } from './data/product-repository.js';
import { createCheckRepository } from './data/check-repository.js';
import { createRunRepository } from './data/run-repository.js';
import { createSalesRepository } from './data/sales-repository.js';
import { API_VERSION, failure } from './envelope.js';
import { apiErrorMapping } from './error-table.js';
import { ApiError } from './errors.js';
import { createApiMetrics } from './metrics.js';
import { createSilverReportReader } from './console/silver-report-reader.js';
import { registerConsole } from './console/serve-console.js';
import { createInsightRepository } from './data/insight-repository.js';
import { registerAdminRoutes } from './routes/admin.js';
import { registerConsoleKpiRoutes } from './routes/console-kpis.js';
import { registerConsoleRunRoutes } from './routes/console-runs.js';
import { registerExternalApiRoutes } from './routes/external-apis.js';
import { registerKpiRoutes } from './routes/kpis.js';
import { registerProductRoutes } from './routes/products.js';
import { registerCheckRoutes } from './routes/checks.js';
import { registerRunRoutes } from './routes/runs.js';
import { registerSalesRoutes } from './routes/sales.js';
import { registerSystemRoutes } from './routes/system.js';
import type { RunsService } from './runs/runs-service.js';
import type { TypedApp } from './routes/typed-app.js';

interface AppDeps {
  logger: Logger;
  registry: Registry;
  pool: pg.Pool;
  schema: string;
  runs: RunsService;
  productSearch: ProductSearch;
  jwt: JwtVerifier | undefined;
  apiKeys: ApiKeyStore | undefined;
  rateLimitPerMinute: number;
  cacheTtlMs: number;
  /** Extra readiness checks (the cluster connection); the warehouse is always checked. */
  readiness?: () => Promise<Record<string, boolean>>;
  /** Where the built console is (default: dist/console beside the API). */
  consoleDir?: string;
  /** The object store of s3:// lakes (the console's silver report reads quarantine samples from them). */
  objectStore?: ObjectStoreEnv;
}

/** PostgreSQL "undefined table": the warehouse exists but nothing was loaded into this schema yet. */
const isMissingTable = (e: unknown): boolean => (e as { code?: unknown } | undefined)?.code === '42P01';

/** Builds the API (routes, auth, rate limit, metrics, OpenAPI); `listen` is the caller's business. */
export async function buildApp(deps: AppDeps): Promise<TypedApp> {
  const app = Fastify({
    loggerInstance: deps.logger.child({ component: 'api' }),
    // Request lines are ours: metrics for every request, an audit line for every mutating one.
    logController: new LogController({ disableRequestLogging: true }),
    // Schemathesis and browsers send odd bodies; keep limits small and explicit.
    bodyLimit: 64 * 1024,
    routerOptions: { maxParamLength: 300 },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const metrics = createApiMetrics(deps.registry);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const elapsed = reply.elapsedTime;
    if (hasZodFastifySchemaValidationErrors(error)) {
      const issues = error.validation
        .map((v) => `${v.instancePath.replace(/^\//, '').replaceAll('/', '.') || 'request'}: ${v.message}`)
        .join('; ');
      return reply
        .code(400)
        .send(
          failure(
            { code: 'BAD_REQUEST', message: `${error.validationContext ?? 'request'}: ${issues}` },
            elapsed,
          ),
        );
    }
    const coded = isMedallionError(error) ? apiErrorMapping(error.code) : undefined;
    if (coded) {
      if (coded.httpStatus >= 500) request.log.error({ err: error }, 'request failed');
      // An ApiError's hint is written for this request; other coded errors get the table's (their own is for the CLI).
      const hint = error instanceof ApiError ? error.hint : coded.hint;
      return reply
        .code(coded.httpStatus)
        .send(failure({ code: coded.apiCode, message: error.message, hint }, elapsed));
    }
    if (isMissingTable(error)) {
      return reply.code(503).send(
        failure(
          {
            code: 'NOT_READY',
            message: 'the warehouse has not been loaded yet',
            hint: 'Run `medallion run -f pipeline.yaml` with the warehouse step, against this DATABASE_URL.',
          },
          elapsed,
        ),
      );
    }
    if (isResponseSerializationError(error)) {
      request.log.error({ err: error, issues: error.cause.issues }, 'response does not match its schema');
    } else if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
      // Fastify's own client errors: bad JSON, unsupported media type, body too large, ...
      return reply
        .code(error.statusCode)
        .send(
          failure(
            { code: error.statusCode === 429 ? 'RATE_LIMITED' : 'BAD_REQUEST', message: error.message },
            elapsed,
          ),
        );
    } else {
      request.log.error({ err: error }, 'request failed');
    }
    return reply
      .code(500)
      .send(failure({ code: 'INTERNAL', message: 'internal error; see the API logs' }, elapsed));
  });
  app.setNotFoundHandler((request, reply) =>
    reply.code(404).send(
      failure(
        {
          code: 'NOT_FOUND',
          message: `no route ${request.method} ${request.url.split('?')[0]}`,
          hint: 'See /docs or /openapi.json.',
        },
        reply.elapsedTime,
      ),
    ),
  );

  app.addHook(
    'onRequest',
    createAuthenticator({ jwt: deps.jwt, apiKeys: deps.apiKeys, onFailure: metrics.authFailure }),
  );
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observe(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
    if (!['GET', 'HEAD', 'OPTIONS'].includes(request.method)) {
      // The audit trail: one line per mutating call, whoever made it and however it ended.
      request.log.info(
        {
          audit: true,
          principal: request.principal?.id ?? 'anonymous',
          role: request.principal?.role ?? null,
          method: request.method,
          route,
          params: request.params,
          statusCode: reply.statusCode,
          ip: request.ip,
        },
        'audit',
      );
    }
  });

  await app.register(fastifyRateLimit, {
    global: true,
    hook: 'preValidation',
    timeWindow: 60_000,
    max: async (request) => request.principal?.rateLimitPerMinute ?? deps.rateLimitPerMinute,
    keyGenerator: (request) => request.principal?.id ?? `ip:${request.ip}`,
    errorResponseBuilder: (_request, context) => {
      metrics.rateLimited();
      return new ApiError(
        'RATE_LIMITED',
        `rate limit of ${context.max} requests per minute exceeded; retry in ${context.after}`,
        'Wait for the number of seconds in the Retry-After header.',
      );
    },
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Medallion read API',
        version: API_VERSION,
        description:
          'Runs, sales lines, KPIs and products of Medallion pipelines. Every response is the envelope ' +
          '`{ status, data, metadata }`; lists are paged with opaque cursors (`metadata.pagination.next_cursor`).',
      },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' },
          apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
        },
      },
      security: [{ bearerAuth: [] }, { apiKey: [] }],
    },
    transform: jsonSchemaTransform,
    transformObject: jsonSchemaTransformObject,
  });
  await app.register(fastifySwaggerUi, {
    routePrefix: '/docs',
    // Everything the page needs is served by this process: it works offline and sends nothing elsewhere.
    uiConfig: { validatorUrl: null, url: '/openapi.json' } as Record<string, unknown>,
    staticCSP: true,
  });

  const cache = createLoadCache({ pool: deps.pool, schema: deps.schema, ttlMs: deps.cacheTtlMs });
  const runRepo = createRunRepository({ pool: deps.pool, schema: deps.schema });
  registerSystemRoutes(app, {
    registry: deps.registry,
    pool: deps.pool,
    schema: deps.schema,
    readiness: deps.readiness,
  });
  registerRunRoutes(app, { runs: deps.runs });
  registerCheckRoutes(app, {
    runs: deps.runs,
    checks: createCheckRepository({ pool: deps.pool, schema: deps.schema }),
  });
  registerExternalApiRoutes(app, { repo: runRepo });
  registerSalesRoutes(app, { sales: createSalesRepository({ pool: deps.pool, schema: deps.schema }) });
  registerKpiRoutes(app, { kpis: createKpiRepository({ pool: deps.pool, schema: deps.schema, cache }) });
  registerProductRoutes(app, {
    products: createProductRepository({ pool: deps.pool, schema: deps.schema }),
    search: deps.productSearch,
  });
  registerAdminRoutes(app, { apiKeys: deps.apiKeys });
  // The web console (api/console): its page and assets, and the reads only it needs.
  registerConsole(app, deps.consoleDir ? { dir: deps.consoleDir } : {});
  registerConsoleRunRoutes(app, {
    runs: deps.runs,
    silver: createSilverReportReader({
      ...(deps.objectStore ? { objectStore: deps.objectStore } : {}),
      logger: deps.logger,
    }),
  });
  registerConsoleKpiRoutes(app, {
    insights: createInsightRepository({ pool: deps.pool, schema: deps.schema, cache }),
  });
  return app;
}
