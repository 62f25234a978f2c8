import { hostname } from 'node:os';
import { parseArgs } from 'node:util';

/** The operator's settings, from flags first and MEDALLION_* environment variables second (the Helm chart sets env). */
export interface OperatorConfig {
  kubeconfig?: string;
  /** KUBERNETES_SERVICE_HOST is set: without a kubeconfig, use the pod's service account. */
  inCluster: boolean;
  /** Watch only this namespace; all namespaces when unset. */
  namespace?: string;
  stepImage: string;
  leaseNamespace: string;
  leaseName: string;
  identity: string;
  /** One port serves /metrics, /healthz and /readyz. */
  port: number;
  concurrency: number;
  logLevel: string;
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
`;

export function parseOperatorConfig(argv: string[], env: NodeJS.ProcessEnv): OperatorConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      kubeconfig: { type: 'string' },
      namespace: { type: 'string' },
      'step-image': { type: 'string' },
      'lease-namespace': { type: 'string' },
      port: { type: 'string' },
      concurrency: { type: 'string' },
    },
    strict: true,
  });
  const kubeconfig = values.kubeconfig ?? env.KUBECONFIG;
  const namespace = values.namespace ?? env.MEDALLION_WATCH_NAMESPACE;
  const port = Number(values.port ?? env.MEDALLION_OPERATOR_PORT ?? 8080);
  const concurrency = Number(values.concurrency ?? 4);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`--port: ${values.port} is not a port`);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new Error('--concurrency must be a positive integer');
  return {
    ...(kubeconfig ? { kubeconfig } : {}),
    inCluster: Boolean(env.KUBERNETES_SERVICE_HOST),
    ...(namespace ? { namespace } : {}),
    stepImage: values['step-image'] ?? env.MEDALLION_STEP_IMAGE ?? 'medallion:latest',
    leaseNamespace: values['lease-namespace'] ?? env.MEDALLION_LEASE_NAMESPACE ?? 'default',
    leaseName: 'medallion-operator',
    identity: env.POD_NAME ?? `${hostname()}-${process.pid}`,
    port,
    concurrency,
    logLevel: env.MEDALLION_LOG_LEVEL ?? 'info',
  };
}
