import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The operator's Prometheus metrics (medallion_ prefix), on a registry of its own so tests can create many. */
export function createOperatorMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'medallion_operator_' });
  const m = {
    registry,
    reconcileTotal: new Counter({
      name: 'medallion_reconcile_total',
      help: 'Reconciles by controller and result (ok or error).',
      labelNames: ['controller', 'result'] as const,
      registers: [registry],
    }),
    reconcileDuration: new Histogram({
      name: 'medallion_reconcile_duration_seconds',
      help: 'Time of one reconcile, by controller.',
      labelNames: ['controller'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    queueDepth: new Gauge({
      name: 'medallion_queue_depth',
      help: 'Keys waiting in the work queue, by controller.',
      labelNames: ['controller'] as const,
      registers: [registry],
    }),
    leader: new Gauge({
      name: 'medallion_leader',
      help: '1 while this replica holds the leader lease.',
      registers: [registry],
    }),
    runCompletions: new Counter({
      name: 'medallion_run_completions_total',
      help: 'PipelineRuns that reached a terminal phase, by phase.',
      labelNames: ['phase'] as const,
      registers: [registry],
    }),
  };
  return m;
}

export type OperatorMetrics = ReturnType<typeof createOperatorMetrics>;

/** Wraps a work-queue handler with reconcile counters and a duration histogram. */
export function instrument<R>(
  metrics: OperatorMetrics | undefined,
  controller: string,
  handler: (key: string) => Promise<R>,
) {
  if (!metrics) return handler;
  return async (key: string): Promise<R> => {
    const end = metrics.reconcileDuration.startTimer({ controller });
    try {
      const r = await handler(key);
      metrics.reconcileTotal.inc({ controller, result: 'ok' });
      return r;
    } catch (e) {
      metrics.reconcileTotal.inc({ controller, result: 'error' });
      throw e;
    } finally {
      end();
    }
  };
}
