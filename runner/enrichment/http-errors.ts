import { MedallionError } from '../errors.js';
import type { RequestOutcome } from './enrichment-metrics.js';

/**
 * Failures of one HTTP attempt, classified once so retry, breaker and metrics agree on what happened.
 * These are expected conditions (the provider is down or off-contract): they become data, never escape enrich().
 */
export class AttemptError extends MedallionError {
  constructor(
    readonly outcome: Exclude<RequestOutcome, 'success'>,
    message: string,
    readonly retryable: boolean,
    readonly retryAfterMs?: number,
  ) {
    super('ENRICHMENT_HTTP', message);
  }
}

const RETRYABLE_STATUS = new Set([408, 425, 429, 500, 502, 503, 504]);

export function statusError(status: number, retryAfterMs: number | undefined): AttemptError {
  // Retry-After is honoured on 429 and 503 only, as RFC 9110 defines it for those.
  const honoured = status === 429 || status === 503 ? retryAfterMs : undefined;
  return new AttemptError(
    status === 429 ? 'rate_limited' : 'http_error',
    `HTTP ${status}`,
    RETRYABLE_STATUS.has(status),
    honoured,
  );
}

/** Maps whatever fetch threw (abort, refused, reset, DNS) to an AttemptError. */
export function networkError(err: unknown, timedOut: boolean, timeoutMs: number): AttemptError {
  if (err instanceof AttemptError) return err;
  if (timedOut) return new AttemptError('timeout', `no complete response within ${timeoutMs} ms`, true);
  const cause = (err as { cause?: { code?: string; message?: string } } | undefined)?.cause;
  const detail = cause?.code ?? cause?.message ?? (err instanceof Error ? err.message : String(err));
  return new AttemptError('network_error', `network error: ${detail}`, true);
}

export function isOpenBreakerError(err: unknown): boolean {
  return (err as { code?: string } | undefined)?.code === 'EOPENBREAKER';
}
