import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { BreakerState } from './types.js';

/**
 * Prometheus metrics of the enrichment providers. Labels stay bounded: `provider` (currency, country) and `outcome`
 * (a fixed vocabulary per metric). Metrics are looked up before they are created, so several enrichment instances
 * (one per run in a long-lived operator) can share one registry.
 */

export type RequestOutcome =
  | 'success'
  | 'http_error'
  | 'rate_limited'
  | 'timeout'
  | 'network_error'
  | 'invalid_response'
  | 'invalid_url'
  | 'short_circuit';

export interface EnrichmentMetrics {
  request(provider: string, outcome: RequestOutcome, seconds?: number): void;
  retry(provider: string): void;
  cache(provider: string, outcome: 'hit' | 'miss' | 'stale'): void;
  resolved(provider: string, outcome: 'api' | 'cache' | 'fallback'): void;
  breaker(provider: string, state: BreakerState): void;
}

const BREAKER_VALUE: Record<BreakerState, number> = { closed: 0, halfOpen: 1, open: 2 };

function getOrCreate<T>(registry: Registry, name: string, create: () => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create();
}

export function createEnrichmentMetrics(registry: Registry): EnrichmentMetrics {
  const registers = [registry];
  const requests = getOrCreate(
    registry,
    'medallion_enrichment_requests_total',
    () =>
      new Counter({
        name: 'medallion_enrichment_requests_total',
        help: 'HTTP attempts to enrichment providers, by outcome (short_circuit: refused by the open breaker).',
        labelNames: ['provider', 'outcome'] as const,
        registers,
      }),
  );
  const duration = getOrCreate(
    registry,
    'medallion_enrichment_request_duration_seconds',
    () =>
      new Histogram({
        name: 'medallion_enrichment_request_duration_seconds',
        help: 'Duration of HTTP attempts to enrichment providers, body included.',
        labelNames: ['provider', 'outcome'] as const,
        buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
        registers,
      }),
  );
  const retries = getOrCreate(
    registry,
    'medallion_enrichment_retries_total',
    () =>
      new Counter({
        name: 'medallion_enrichment_retries_total',
        help: 'Retries scheduled after a failed attempt.',
        labelNames: ['provider'] as const,
        registers,
      }),
  );
  const cache = getOrCreate(
    registry,
    'medallion_enrichment_cache_lookups_total',
    () =>
      new Counter({
        name: 'medallion_enrichment_cache_lookups_total',
        help: 'Response cache lookups: hit (fresh), miss, stale (expired entry used because the API failed).',
        labelNames: ['provider', 'outcome'] as const,
        registers,
      }),
  );
  const resolved = getOrCreate(
    registry,
    'medallion_enrichment_resolutions_total',
    () =>
      new Counter({
        name: 'medallion_enrichment_resolutions_total',
        help: 'Enrichment lookups by the source that answered: api, cache or fallback.',
        labelNames: ['provider', 'outcome'] as const,
        registers,
      }),
  );
  const breaker = getOrCreate(
    registry,
    'medallion_enrichment_breaker_state',
    () =>
      new Gauge({
        name: 'medallion_enrichment_breaker_state',
        help: 'Circuit breaker state per provider: 0 closed, 1 half-open, 2 open.',
        labelNames: ['provider'] as const,
        registers,
      }),
  );

  return {
    request(provider, outcome, seconds) {
      requests.inc({ provider, outcome });
      if (seconds !== undefined) duration.observe({ provider, outcome }, seconds);
    },
    retry: (provider) => retries.inc({ provider }),
    cache: (provider, outcome) => cache.inc({ provider, outcome }),
    resolved: (provider, outcome) => resolved.inc({ provider, outcome }),
    breaker: (provider, state) => breaker.set({ provider }, BREAKER_VALUE[state]),
  };
}
