import os from 'node:os';
import { z } from 'zod';
import { ConfigError } from './errors.js';
import { parseDateSet } from './lake/date-set.js';

/**
 * The only module that reads the environment. Parsed once, frozen, passed down.
 */
const EnvSchema = z.object({
  MEDALLION_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  MEDALLION_LOG_FORMAT: z.enum(['pretty', 'json']).optional(),
  MEDALLION_STATE_DIR: z.string().optional(),
  MEDALLION_FX_URL: z.string().url().optional(),
  MEDALLION_COUNTRIES_URL: z.string().url().optional(),
  DATABASE_URL: z.string().optional(),
  NO_COLOR: z.string().optional(),
  // The standard AWS variables for a custom endpoint and region; credentials stay with the SDK's own chain
  // (env, web identity / IRSA, shared config and profiles) and are never parsed, held or logged here.
  AWS_ENDPOINT_URL_S3: z.string().url().optional(),
  AWS_ENDPOINT_URL: z.string().url().optional(),
  AWS_REGION: z.string().min(1).optional(),
  AWS_DEFAULT_REGION: z.string().min(1).optional(),
  MEDALLION_WORK_DIR: z.string().optional(),
  // Spark installation for spec.engine.type spark (docs/spark.md): Medallion's own variable first, then Spark's.
  MEDALLION_SPARK_HOME: z.string().min(1).optional(),
  SPARK_HOME: z.string().min(1).optional(),
  // Set by medallion-spark-driver.py --exec (a SparkApplication's driver): the runner connects instead of starting one.
  MEDALLION_SPARK_ENDPOINT: z.string().min(1).optional(),
  CI: z.string().optional(),
  // TEST ONLY (docs/backfills.md, "Fault injection"): the silver step fails these business-date partitions on purpose.
  MEDALLION_TEST_FAIL_PARTITIONS: z
    .string()
    .optional()
    .transform((v, ctx) => {
      if (v === undefined || v.trim() === '') return [];
      try {
        return parseDateSet(v, 'MEDALLION_TEST_FAIL_PARTITIONS');
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
        return z.NEVER;
      }
    }),
});

export interface RunnerConfig {
  logLevel: z.infer<typeof EnvSchema>['MEDALLION_LOG_LEVEL'];
  /** Human-readable progress on a terminal; JSON lines elsewhere (Kubernetes). */
  logFormat: 'pretty' | 'json';
  stateDir: string | undefined;
  fxUrl: string | undefined;
  countriesUrl: string | undefined;
  databaseUrl: string | undefined;
  color: boolean;
  cpus: number;
  objectStore: ObjectStoreEnv;
  /** Local scratch directory of a run whose lake is in object storage; a per-lake temp dir when absent. */
  workDir: string | undefined;
  /** TEST ONLY: partitions the silver step fails on purpose (MEDALLION_TEST_FAIL_PARTITIONS); empty in production. */
  testFailPartitions: readonly string[];
  /** The Spark home holding bin/spark-submit (MEDALLION_SPARK_HOME, else SPARK_HOME), for engine.type spark. */
  sparkHome: string | undefined;
  /** host:port of the running Spark driver that started this process (MEDALLION_SPARK_ENDPOINT). */
  sparkEndpoint: string | undefined;
}

export interface ObjectStoreEnv {
  endpoint: string | undefined;
  region: string | undefined;
}

export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  isTty = Boolean(process.stderr.isTTY),
): RunnerConfig {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new ConfigError(`invalid environment:\n${lines}`);
  }
  const e = parsed.data;
  return Object.freeze({
    logLevel: e.MEDALLION_LOG_LEVEL,
    logFormat: e.MEDALLION_LOG_FORMAT ?? (isTty ? 'pretty' : 'json'),
    stateDir: e.MEDALLION_STATE_DIR,
    fxUrl: e.MEDALLION_FX_URL,
    countriesUrl: e.MEDALLION_COUNTRIES_URL,
    databaseUrl: e.DATABASE_URL,
    color: isTty && e.NO_COLOR === undefined,
    cpus: os.availableParallelism(),
    objectStore: Object.freeze({
      endpoint: e.AWS_ENDPOINT_URL_S3 ?? e.AWS_ENDPOINT_URL,
      region: e.AWS_REGION ?? e.AWS_DEFAULT_REGION,
    }),
    workDir: e.MEDALLION_WORK_DIR,
    testFailPartitions: Object.freeze(e.MEDALLION_TEST_FAIL_PARTITIONS),
    sparkHome: e.MEDALLION_SPARK_HOME ?? e.SPARK_HOME,
    sparkEndpoint: e.MEDALLION_SPARK_ENDPOINT,
  });
}
