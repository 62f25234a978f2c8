import { Counter, Gauge, type Registry } from 'prom-client';

interface SearchMetrics {
  runs: Counter<'engine' | 'status' | 'code'>;
  documents: Gauge<'engine'>;
  lastSuccess: Gauge<'engine'>;
}

const reuse = <T>(registry: Registry, name: string, create: () => T): T =>
  (registry.getSingleMetric(name) as T | undefined) ?? create();

/** Search step metrics, registered once per registry. Labels are bounded: engine (2), status (2), code (~10). */
export const createSearchMetrics = (registry: Registry): SearchMetrics => ({
  runs: reuse(
    registry,
    'medallion_search_index_runs_total',
    () =>
      new Counter({
        name: 'medallion_search_index_runs_total',
        help: 'Search step runs by engine, outcome and error code.',
        labelNames: ['engine', 'status', 'code'],
        registers: [registry],
      }),
  ),
  documents: reuse(
    registry,
    'medallion_search_documents',
    () =>
      new Gauge({
        name: 'medallion_search_documents',
        help: 'Product documents in the live search index after the last successful search step.',
        labelNames: ['engine'],
        registers: [registry],
      }),
  ),
  lastSuccess: reuse(
    registry,
    'medallion_search_last_success_timestamp_seconds',
    () =>
      new Gauge({
        name: 'medallion_search_last_success_timestamp_seconds',
        help: 'Unix time of the last successful search index swap.',
        labelNames: ['engine'],
        registers: [registry],
      }),
  ),
});
