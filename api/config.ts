import { z } from 'zod';
import type { ObjectStoreEnv } from '../runner/config.js';
import { ConfigError } from '../runner/errors.js';

/**
 * The API process's only reader of the environment: parsed once, frozen, passed down. Command-line flags
 * (`medallion api --port`) override the environment.
 */
const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).optional(),
  MEDALLION_API_HOST: z.string().min(1).default('127.0.0.1'),
  MEDALLION_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MEDALLION_JWT_SECRET: z.string().min(32, 'use at least 32 characters (openssl rand -hex 32)').optional(),
  MEDALLION_JWT_PUBLIC_KEY: z.string().optional(),
  MEDALLION_JWT_PUBLIC_KEY_FILE: z.string().optional(),
  MEDALLION_JWT_ISSUER: z.string().min(1).default('medallion'),
  MEDALLION_JWT_AUDIENCE: z.string().min(1).default('medallion-api'),
  MEDALLION_API_RATE_LIMIT: z.coerce.number().int().min(1).default(600),
  MEDALLION_API_CACHE_TTL_MS: z.coerce.number().int().min(0).default(5_000),
  TYPESENSE_URL: z.url().optional(),
  TYPESENSE_API_KEY: z.string().min(1).optional(),
  MEDALLION_WAREHOUSE_SCHEMA: z
    .string()
    .regex(/^[a-z_][a-z0-9_]{0,62}$/)
    .optional(),
  KUBECONFIG: z.string().optional(),
  KUBERNETES_SERVICE_HOST: z.string().optional(),
  MEDALLION_API_NAMESPACE: z.string().optional(),
  AWS_ENDPOINT_URL_S3: z.string().min(1).optional(),
  AWS_ENDPOINT_URL: z.string().min(1).optional(),
  AWS_REGION: z.string().min(1).optional(),
  AWS_DEFAULT_REGION: z.string().min(1).optional(),
});

export type Role = 'viewer' | 'operator' | 'admin';

export interface ApiConfig {
  port: number;
  host: string;
  logLevel: z.infer<typeof EnvSchema>['MEDALLION_LOG_LEVEL'];
  jwt: {
    /** HS256 shared secret, or an RS256 public key (PEM, SPKI); neither: only API keys authenticate. */
    hs256Secret: string | undefined;
    rs256PublicKeyPem: string | undefined;
    issuer: string;
    audience: string;
  };
  /** Requests per minute per principal (an API key may set its own). */
  rateLimitPerMinute: number;
  /** How long KPI answers are reused before the API looks for a newer warehouse load. */
  cacheTtlMs: number;
  typesense: { url: string; apiKey: string } | undefined;
  /** Schema override; otherwise the spec's warehouse.schema (default medallion). */
  warehouseSchema: string | undefined;
  /** The cluster: a kubeconfig path, in-cluster service account, or none (local mode). */
  kube: { kubeconfig: string } | { inCluster: true } | undefined;
  /** Namespace to list runs in (all namespaces when unset). */
  namespace: string | undefined;
  /** Where an s3:// lake is (AWS_ENDPOINT_URL(_S3), AWS_REGION), to read runs' silver versions from it. */
  objectStore: ObjectStoreEnv;
  /** The raw environment for the warehouse resolution (DATABASE_URL or the spec's urlFromEnv). */
  env: Readonly<Record<string, string | undefined>>;
}

interface ApiFlags {
  port?: number | undefined;
  host?: string | undefined;
  kubeconfig?: string | undefined;
  namespace?: string | undefined;
}

export function loadApiConfig(
  flags: ApiFlags = {},
  env: Readonly<Record<string, string | undefined>> = process.env,
  readFile: (file: string) => string = () => {
    throw new Error('readFile not provided');
  },
): ApiConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new ConfigError(`Invalid environment:\n${lines}`);
  }
  const e = parsed.data;
  if ((e.TYPESENSE_URL === undefined) !== (e.TYPESENSE_API_KEY === undefined)) {
    throw new ConfigError('Set both TYPESENSE_URL and TYPESENSE_API_KEY, or neither.');
  }
  const publicKey =
    e.MEDALLION_JWT_PUBLIC_KEY ??
    (e.MEDALLION_JWT_PUBLIC_KEY_FILE ? readFile(e.MEDALLION_JWT_PUBLIC_KEY_FILE) : undefined);
  if (publicKey !== undefined && e.MEDALLION_JWT_SECRET !== undefined) {
    throw new ConfigError('Set MEDALLION_JWT_SECRET (HS256) or an RS256 public key, not both.');
  }
  const kubeconfig = flags.kubeconfig ?? e.KUBECONFIG;
  return Object.freeze({
    port: flags.port ?? e.PORT ?? 8080,
    host: flags.host ?? e.MEDALLION_API_HOST,
    logLevel: e.MEDALLION_LOG_LEVEL,
    jwt: Object.freeze({
      hs256Secret: e.MEDALLION_JWT_SECRET,
      rs256PublicKeyPem: publicKey,
      issuer: e.MEDALLION_JWT_ISSUER,
      audience: e.MEDALLION_JWT_AUDIENCE,
    }),
    rateLimitPerMinute: e.MEDALLION_API_RATE_LIMIT,
    cacheTtlMs: e.MEDALLION_API_CACHE_TTL_MS,
    typesense:
      e.TYPESENSE_URL && e.TYPESENSE_API_KEY
        ? { url: e.TYPESENSE_URL, apiKey: e.TYPESENSE_API_KEY }
        : undefined,
    warehouseSchema: e.MEDALLION_WAREHOUSE_SCHEMA,
    kube: kubeconfig
      ? { kubeconfig }
      : e.KUBERNETES_SERVICE_HOST
        ? ({ inCluster: true } as const)
        : undefined,
    namespace: flags.namespace ?? e.MEDALLION_API_NAMESPACE,
    objectStore: Object.freeze({
      endpoint: e.AWS_ENDPOINT_URL_S3 ?? e.AWS_ENDPOINT_URL,
      region: e.AWS_REGION ?? e.AWS_DEFAULT_REGION,
    }),
    env,
  });
}
