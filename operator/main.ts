import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import type { OperatorConfig } from './config.js';
import { startLeaderElection } from './controller/leader-election.js';
import { startOperator, type RunningOperator } from './controller/start-operator.js';
import type { KubeConfig } from '@kubernetes/client-node';
import { createKubeClient, loadKubeConfig } from './kube/client-node-adapter.js';
import { createHealthHandler } from './health-server.js';
import { createOperatorMetrics } from './metrics.js';
import { createOperatorLogger } from './operator-logger.js';

/**
 * The operator process: campaigns for the leader Lease, reconciles only while leading, serves /metrics, /healthz and
 * /readyz on one port, and shuts down gracefully. Losing the lease stops the process (the Deployment restarts it),
 * which is simpler and safer than trying to wind controllers down and up again in place.
 */

export interface OperatorProcess {
  port: number;
  /** Resolves with the exit code when the operator stops on its own (lost leadership) or through `stop`. */
  done: Promise<number>;
  stop(): Promise<void>;
}

export interface OperatorDeps {
  logger?: Logger;
  /**
   * Connection override (tests); otherwise --kubeconfig/$KUBECONFIG, then the in-cluster service account
   * (KUBERNETES_SERVICE_HOST/PORT and /var/run/secrets/kubernetes.io/serviceaccount).
   */
  kubeConfig?: KubeConfig;
}

export async function runOperator(config: OperatorConfig, deps: OperatorDeps = {}): Promise<OperatorProcess> {
  const logger = deps.logger ?? createOperatorLogger(config);
  const kc = deps.kubeConfig ?? loadKubeConfig(config.kubeconfig ? { kubeconfig: config.kubeconfig } : {});
  const client = createKubeClient(kc);
  const metrics = createOperatorMetrics();
  let operator: RunningOperator | undefined;
  let synced = false;
  let finish: (code: number) => void = () => {};
  const done = new Promise<number>((r) => (finish = r));

  const server: Server = createServer(
    createHealthHandler({
      registry: metrics.registry,
      logger,
      state: () => ({ leading: operator !== undefined, synced }),
    }),
  );
  await new Promise<void>((r) => server.listen(config.port, r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;

  const elector = startLeaderElection({
    client,
    logger,
    namespace: config.leaseNamespace,
    name: config.leaseName,
    identity: config.identity,
    onStartedLeading: () => {
      metrics.leader.set(1);
      operator = startOperator({
        client,
        logger,
        metrics,
        defaultImage: config.stepImage,
        s3Defaults: config.stepS3,
        concurrency: config.concurrency,
        ...(config.maxConcurrentRuns !== undefined ? { maxConcurrentRuns: config.maxConcurrentRuns } : {}),
        ...(config.namespace ? { namespace: config.namespace } : {}),
      });
      void operator.synced.then(() => (synced = true));
    },
    onStoppedLeading: () => {
      metrics.leader.set(0);
      void shutdown(1);
    },
  });

  let stopping: Promise<void> | undefined;
  function shutdown(code: number): Promise<void> {
    stopping ??= (async () => {
      logger.info({ code }, 'shutting down');
      // Stop reconciling before releasing the lease, so the next leader never overlaps with us.
      await operator?.stop();
      await elector.stop();
      await new Promise<void>((r) => server.close(() => r()));
      finish(code);
    })();
    return stopping;
  }
  return { port, done, stop: () => shutdown(0) };
}
