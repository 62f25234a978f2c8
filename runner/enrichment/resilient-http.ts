import CircuitBreaker from 'opossum';
import type { ProviderSpec } from '../spec/enrichment-spec.js';
import { decideRetry } from './backoff.js';
import type { EnrichmentMetrics } from './enrichment-metrics.js';
import { isFresh, type FileCache } from './file-cache.js';
import { AttemptError, isOpenBreakerError, networkError } from './http-errors.js';
import { timedJsonAttempt, type FetchLike } from './http-attempt.js';
import { createTokenBucket } from './token-bucket.js';
import type { BreakerState, Clock, EnrichmentLogger, HttpProviderName, ProviderSummary } from './types.js';

/**
 * The one resilience layer every provider goes through. Order per request: fresh cache → (rate limit → breaker →
 * timed attempt → validate) with retries → stale cache → failure. A failure is returned, never thrown: the caller
 * decides on its bundled fallback.
 */

export type { FetchLike };

type HttpResult<T> =
  { ok: true; value: T; source: 'api' | 'cache'; stale: boolean } | { ok: false; error: string };

export interface ProviderHttp {
  /** GET a JSON document; `parse` validates it against the provider's contract and throws when it is off. */
  getJson<T>(url: string, parse: (body: unknown) => T): Promise<HttpResult<T>>;
  summary(source: ProviderSummary['source']): ProviderSummary;
  breakerState(): BreakerState;
  /** Stops the breaker's timers. */
  close(): void;
}

interface ProviderHttpOptions {
  provider: HttpProviderName;
  spec: Pick<ProviderSpec, 'timeoutMs' | 'cacheTtlSeconds' | 'retry' | 'breaker' | 'rateLimit'>;
  cache: FileCache;
  fetch: FetchLike;
  logger: EnrichmentLogger;
  metrics: EnrichmentMetrics;
  clock: Clock;
}

export function createProviderHttp(options: ProviderHttpOptions): ProviderHttp {
  const { provider, spec, cache, fetch, logger, metrics, clock } = options;
  const stats = {
    calls: 0,
    failures: 0,
    shortCircuits: 0,
    retries: 0,
    cacheHits: 0,
    lastError: undefined as string | undefined,
  };
  const bucket = createTokenBucket({
    capacity: spec.rateLimit.burst,
    refillPerSecond: spec.rateLimit.requestsPerSecond,
    now: clock.now,
    sleep: clock.sleep,
  });

  const attempt = async (url: string, parse: (body: unknown) => unknown) => {
    const started = performance.now();
    stats.calls += 1;
    try {
      const result = await timedJsonAttempt({ fetch, url, parse, timeoutMs: spec.timeoutMs, now: clock.now });
      metrics.request(provider, 'success', (performance.now() - started) / 1000);
      return result;
    } catch (err) {
      const failure = err as AttemptError;
      stats.failures += 1;
      stats.lastError = failure.message;
      metrics.request(provider, failure.outcome, (performance.now() - started) / 1000);
      throw failure;
    }
  };

  const breaker = new CircuitBreaker(attempt, {
    name: `medallion-enrichment-${provider}`,
    timeout: false, // our AbortController enforces the timeout and actually cancels the socket
    errorThresholdPercentage: spec.breaker.errorThresholdPercentage,
    volumeThreshold: spec.breaker.volumeThreshold,
    resetTimeout: spec.breaker.resetTimeoutMs,
    rollingCountTimeout: spec.breaker.rollingWindowMs,
    rollingCountBuckets: 10,
  });
  const state = (): BreakerState => (breaker.opened ? 'open' : breaker.halfOpen ? 'halfOpen' : 'closed');
  const report = (event: string) => () => {
    metrics.breaker(provider, state());
    logger.warn({ provider, breaker: event }, `enrichment ${provider}: circuit ${event}`);
  };
  breaker.on('open', report('open'));
  breaker.on('halfOpen', report('halfOpen'));
  breaker.on('close', report('close'));
  metrics.breaker(provider, 'closed');

  const fire = async (url: string, parse: (body: unknown) => unknown) => {
    for (let n = 0; ; n += 1) {
      await bucket.acquire();
      try {
        return await breaker.fire(url, parse);
      } catch (err) {
        if (isOpenBreakerError(err)) {
          stats.shortCircuits += 1;
          metrics.request(provider, 'short_circuit');
          // Name the failure that opened the circuit: "circuit open" alone tells an operator nothing.
          const cause = stats.lastError ? ` after: ${stats.lastError}` : '';
          throw new AttemptError('short_circuit', `circuit open${cause}`, false);
        }
        const failure = err instanceof AttemptError ? err : networkError(err, false, spec.timeoutMs);
        const decision = decideRetry({
          attempt: n,
          maxRetries: spec.retry.maxRetries,
          retryable: failure.retryable,
          retryAfterMs: failure.retryAfterMs,
          policy: spec.retry,
          random: clock.random,
        });
        if (!decision.retry) throw failure;
        stats.retries += 1;
        metrics.retry(provider);
        logger.debug(
          { provider, attempt: n + 1, delayMs: decision.delayMs, error: failure.message },
          'retrying',
        );
        await clock.sleep(decision.delayMs);
      }
    }
  };

  return {
    async getJson<T>(url: string, parse: (body: unknown) => T): Promise<HttpResult<T>> {
      const key = `${provider} GET ${url}`;
      const cached = await cache.read(key);
      const fromCache = (stale: boolean): HttpResult<T> | undefined => {
        if (!cached) return undefined;
        try {
          return { ok: true, value: parse(cached.value), source: 'cache', stale };
        } catch {
          return undefined; // an entry written by an older, different contract is simply not used
        }
      };
      if (cached && isFresh(cached, spec.cacheTtlSeconds * 1000, clock.now())) {
        const hit = fromCache(false);
        if (hit) {
          stats.cacheHits += 1;
          metrics.cache(provider, 'hit');
          return hit;
        }
      }
      metrics.cache(provider, 'miss');
      if (!URL.canParse(url)) {
        // A misconfigured base URL is an outage of that provider, not a crash of the run.
        stats.failures += 1;
        stats.lastError = `invalid URL: ${url}`;
        metrics.request(provider, 'invalid_url');
        return fromCache(true) ?? { ok: false, error: stats.lastError };
      }
      try {
        const { raw, value } = await fire(url, parse);
        await cache.write(key, raw).catch((err: unknown) => {
          logger.warn({ provider, err: (err as Error).message }, 'enrichment cache not written');
        });
        return { ok: true, value: value as T, source: 'api', stale: false };
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        stats.lastError ??= message;
        const stale = fromCache(true);
        if (stale) {
          metrics.cache(provider, 'stale');
          logger.warn(
            { provider, error: message },
            `enrichment ${provider}: API failed, using an expired cache entry`,
          );
          return stale;
        }
        logger.warn({ provider, error: message }, `enrichment ${provider}: API failed`);
        return { ok: false, error: message };
      }
    },
    summary: (source) => ({ source, breakerState: state(), ...stats }),
    breakerState: state,
    close: () => breaker.shutdown(),
  };
}
