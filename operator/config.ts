import { hostname } from 'node:os';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { UsageError } from '../runner/errors.js';
import { LOG_LEVELS } from '../runner/logger.js';
import type { StepS3Defaults } from './run/step-job.js';

/** The operator's settings, from flags first and MEDALLION_* environment variables second (the Helm chart sets env). */
export interface OperatorConfig {
  kubeconfig?: string;
  /** KUBERNETES_SERVICE_HOST is set: without a kubeconfig, use the pod's service account. */
  inCluster: boolean;
  /** Watch only this namespace; all namespaces when unset. */
  namespace?: string;
  stepImage: string;
  /** Endpoint, region and credentials Secret given to step Jobs of s3:// Pipelines that name none. */
  stepS3: StepS3Defaults;
  leaseNamespace: string;
  leaseName: string;
  identity: string;
  /** One port serves /metrics, /healthz and /readyz. */
  port: number;
  concurrency: number;
  /** Cluster-wide cap on PipelineRuns running at once; unlimited when unset. */
  maxConcurrentRuns?: number;
  logLevel: (typeof LOG_LEVELS)[number];
}

export const OPERATOR_HELP = `Usage: medallion operator [options]

Runs the Medallion operator: reconciles Pipelines, PipelineSchedules and PipelineRuns into Jobs.

Options:
  --kubeconfig PATH       kubeconfig to use (default: $KUBECONFIG, then the pod's service account)
  --namespace NS          watch one namespace (default: all)
  --step-image IMAGE      image of step Jobs when a Pipeline names none (MEDALLION_STEP_IMAGE)
  --lease-namespace NS    namespace of the leader-election Lease (MEDALLION_LEASE_NAMESPACE, default: default)
  --port N                port of /metrics, /healthz and /readyz (MEDALLION_OPERATOR_PORT, default 8080)
  --concurrency N         reconciles at once per controller (default 4)
  --max-concurrent-runs N PipelineRuns running at once cluster-wide; more wait Pending (WaitingForSlot)
                          in creation order (MEDALLION_MAX_CONCURRENT_RUNS, default: unlimited)

Step Jobs of Pipelines with s3:// URIs (the spec's own settings win):
  MEDALLION_STEP_S3_ENDPOINT            S3 endpoint, passed as AWS_ENDPOINT_URL_S3
  MEDALLION_STEP_S3_REGION              region, passed as AWS_REGION
  MEDALLION_STEP_S3_CREDENTIALS_SECRET  Secret with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY
                                        (unset: no keys, for IRSA or workload identity)

Environment: MEDALLION_LOG_LEVEL (${LOG_LEVELS.join(', ')}; default info).
`;

const nonEmpty = z.string().trim().min(1, 'must not be empty');
const integer = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

/** Each field with the flag and the environment variable it comes from, so an error names what to fix. */
const ConfigSchema = z.object({
  kubeconfig: nonEmpty.optional(),
  namespace: nonEmpty.optional(),
  stepImage: nonEmpty.default('medallion:latest'),
  leaseNamespace: nonEmpty.default('default'),
  port: integer(0, 65535).default(8080),
  concurrency: integer(1, 1000).default(4),
  maxConcurrentRuns: integer(1, 100000).optional(),
  logLevel: z.enum(LOG_LEVELS).default('info'),
  identity: nonEmpty.optional(),
  s3Endpoint: z
    .string()
    .trim()
    .regex(/^https?:\/\/[^/]+/, 'must be an http:// or https:// URL')
    .optional(),
  s3Region: nonEmpty.optional(),
  s3CredentialsSecret: nonEmpty.optional(),
});

const SOURCES: Record<string, string> = {
  kubeconfig: '--kubeconfig (or KUBECONFIG)',
  namespace: '--namespace (or MEDALLION_WATCH_NAMESPACE)',
  stepImage: '--step-image (or MEDALLION_STEP_IMAGE)',
  leaseNamespace: '--lease-namespace (or MEDALLION_LEASE_NAMESPACE)',
  port: '--port (or MEDALLION_OPERATOR_PORT)',
  concurrency: '--concurrency',
  maxConcurrentRuns: '--max-concurrent-runs (or MEDALLION_MAX_CONCURRENT_RUNS)',
  logLevel: 'MEDALLION_LOG_LEVEL',
  identity: 'POD_NAME',
  s3Endpoint: 'MEDALLION_STEP_S3_ENDPOINT',
  s3Region: 'MEDALLION_STEP_S3_REGION',
  s3CredentialsSecret: 'MEDALLION_STEP_S3_CREDENTIALS_SECRET',
};

/** Parsed and validated once at start-up; a bad flag or variable is a usage error (exit 2), never a default. */
export function parseOperatorConfig(argv: string[], env: NodeJS.ProcessEnv): OperatorConfig {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        kubeconfig: { type: 'string' },
        namespace: { type: 'string' },
        'step-image': { type: 'string' },
        'lease-namespace': { type: 'string' },
        port: { type: 'string' },
        concurrency: { type: 'string' },
        'max-concurrent-runs': { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new UsageError((e as Error).message, 'Run medallion operator --help to see the options.');
  }
  // An empty variable is an unset one (a chart may render MEDALLION_WATCH_NAMESPACE: "" to mean all namespaces).
  const fromEnv = (name: string): string | undefined => (env[name]?.trim() ? env[name] : undefined);
  const parsed = ConfigSchema.safeParse({
    kubeconfig: values.kubeconfig ?? fromEnv('KUBECONFIG'),
    namespace: values.namespace ?? fromEnv('MEDALLION_WATCH_NAMESPACE'),
    stepImage: values['step-image'] ?? fromEnv('MEDALLION_STEP_IMAGE'),
    leaseNamespace: values['lease-namespace'] ?? fromEnv('MEDALLION_LEASE_NAMESPACE'),
    port: values.port ?? fromEnv('MEDALLION_OPERATOR_PORT'),
    concurrency: values.concurrency,
    maxConcurrentRuns: values['max-concurrent-runs'] ?? fromEnv('MEDALLION_MAX_CONCURRENT_RUNS'),
    logLevel: fromEnv('MEDALLION_LOG_LEVEL'),
    identity: fromEnv('POD_NAME'),
    s3Endpoint: fromEnv('MEDALLION_STEP_S3_ENDPOINT'),
    s3Region: fromEnv('MEDALLION_STEP_S3_REGION'),
    s3CredentialsSecret: fromEnv('MEDALLION_STEP_S3_CREDENTIALS_SECRET'),
  });
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => {
      const field = String(i.path[0]);
      return `${SOURCES[field] ?? field}: ${i.message}`;
    });
    throw new UsageError(
      `invalid operator configuration: ${problems.join('; ')}`,
      'Fix the flags or environment variables named above; medallion operator --help lists them.',
    );
  }
  const c = parsed.data;
  return Object.freeze({
    ...(c.kubeconfig ? { kubeconfig: c.kubeconfig } : {}),
    inCluster: Boolean(env.KUBERNETES_SERVICE_HOST),
    ...(c.namespace ? { namespace: c.namespace } : {}),
    stepImage: c.stepImage,
    stepS3: Object.freeze({
      ...(c.s3Endpoint ? { endpoint: c.s3Endpoint } : {}),
      ...(c.s3Region ? { region: c.s3Region } : {}),
      ...(c.s3CredentialsSecret ? { credentialsSecret: c.s3CredentialsSecret } : {}),
    }),
    leaseNamespace: c.leaseNamespace,
    leaseName: 'medallion-operator',
    identity: c.identity ?? `${hostname()}-${process.pid}`,
    port: c.port,
    concurrency: c.concurrency,
    ...(c.maxConcurrentRuns !== undefined ? { maxConcurrentRuns: c.maxConcurrentRuns } : {}),
    logLevel: c.logLevel,
  });
}
