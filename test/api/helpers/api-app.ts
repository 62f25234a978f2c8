import pg from 'pg';
import { pino, type Logger } from 'pino';
import { Registry } from 'prom-client';
import { buildApp } from '../../../api/app.js';
import { createApiKeyStore } from '../../../api/auth/api-keys.js';
import { createJwtVerifier, signToken } from '../../../api/auth/jwt.js';
import type { Role } from '../../../api/config.js';
import { createRunRepository } from '../../../api/data/run-repository.js';
import type { TypedApp } from '../../../api/routes/typed-app.js';
import { createLocalRunsService, type RunsService } from '../../../api/runs/runs-service.js';
import { createProductSearch } from '../../../runner/search/create-product-search.js';

export const JWT = {
  hs256Secret: 'test-secret-0123456789abcdef0123456789',
  issuer: 'medallion',
  audience: 'medallion-api',
};

export const token = (role: Role, subject = `test-${role}`, ttlSeconds = 600, now?: Date) =>
  signToken({
    role,
    subject,
    ttlSeconds,
    issuer: JWT.issuer,
    audience: JWT.audience,
    hs256Secret: JWT.hs256Secret,
    ...(now ? { now } : {}),
  });

export interface TestApp {
  app: TypedApp;
  pool: pg.Pool;
  registry: Registry;
  logLines: string[];
  close(): Promise<void>;
}

/** The real app over a real PostgreSQL, with a logger whose lines the test can read (audit, redaction). */
export async function buildTestApp(options: {
  url: string;
  schema: string;
  rateLimitPerMinute?: number;
  runs?: (pool: pg.Pool) => RunsService;
  cacheTtlMs?: number;
  /** Product search on Typesense instead of the warehouse's PostgreSQL full-text search. */
  typesense?: { url: string; apiKey: string; timeoutSeconds?: number };
  consoleDir?: string;
  /** The object store of s3:// lakes (AWS_ENDPOINT_URL_S3 / AWS_REGION in the real API). */
  objectStore?: { endpoint: string | undefined; region: string | undefined };
}): Promise<TestApp> {
  const pool = new pg.Pool({ connectionString: options.url, max: 8 });
  // An idle client cut by the server (a test stopping its PostgreSQL while the pool drains) is re-emitted on the pool;
  // unhandled, it would crash the test process. Queries still see their own errors.
  pool.on('error', (error) =>
    logLines.push(JSON.stringify({ level: 50, msg: 'idle client error', err: error.message })),
  );
  const logLines: string[] = [];
  const logger: Logger = pino(
    {
      level: 'info',
      redact: { paths: ['headers.authorization', '*.headers.authorization'], censor: '[redacted]' },
    },
    { write: (line: string) => void logLines.push(line) },
  );
  const registry = new Registry();
  const repo = createRunRepository({ pool, schema: options.schema });
  const app = await buildApp({
    logger,
    registry,
    pool,
    schema: options.schema,
    runs: options.runs ? options.runs(pool) : createLocalRunsService(repo),
    productSearch: createProductSearch({
      pool,
      schema: options.schema,
      logger,
      ...(options.typesense ? { typesense: options.typesense } : {}),
    }),
    jwt: await createJwtVerifier({
      hs256Secret: JWT.hs256Secret,
      rs256PublicKeyPem: undefined,
      issuer: JWT.issuer,
      audience: JWT.audience,
    }),
    apiKeys: createApiKeyStore({ pool, schema: options.schema, cacheMs: 0 }),
    rateLimitPerMinute: options.rateLimitPerMinute ?? 100_000,
    cacheTtlMs: options.cacheTtlMs ?? 5_000,
    ...(options.consoleDir ? { consoleDir: options.consoleDir } : {}),
    ...(options.objectStore ? { objectStore: options.objectStore } : {}),
  });
  await app.ready();
  return {
    app,
    pool,
    registry,
    logLines,
    close: async () => {
      await app.close();
      await pool.end();
    },
  };
}
