import type { Logger } from 'pino';

/** Where a provider's answer came from: the live API, the persisted response cache, or the bundled fallback. */
export type DataSource = 'api' | 'cache' | 'fallback';
export type BreakerState = 'closed' | 'open' | 'halfOpen';
export type HttpProviderName = 'currency' | 'country';

/** Injected time and randomness, so backoff, rate limits and cache ages are testable without real waits. */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
  random(): number;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  random: () => Math.random(),
};

/** Health of one provider after a run, as it goes into the run summary. */
export interface ProviderSummary {
  source: DataSource;
  /** HTTP attempts that went out (retries included, cache hits and short-circuits excluded). */
  calls: number;
  /** Attempts that failed (HTTP error, timeout, network error, malformed or off-contract response). */
  failures: number;
  breakerState: BreakerState;
  /** Calls refused by the open breaker without touching the network. */
  shortCircuits: number;
  retries: number;
  cacheHits: number;
  /** Last failure, for the log and the summary; undefined when none. */
  lastError?: string | undefined;
}

export type EnrichmentLogger = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;
