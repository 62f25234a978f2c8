/**
 * Retry timing, kept pure so the arithmetic can be tested without clocks: exponential backoff with full jitter
 * (AWS architecture blog's "full jitter": a uniform draw in [0, min(cap, base × 2^attempt))) and Retry-After parsing.
 */

interface BackoffPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
  maxRetryAfterMs: number;
}

/** Delay before retry number `attempt` (0 = first retry). `random` returns a number in [0, 1). */
export function backoffDelayMs(attempt: number, policy: BackoffPolicy, random: () => number): number {
  if (!Number.isInteger(attempt) || attempt < 0)
    throw new RangeError(`attempt must be a natural number: ${attempt}`);
  // 2^attempt grows fast; clamp the exponent so the product never becomes Infinity.
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/**
 * Retry-After is either delta-seconds or an HTTP-date (RFC 9110 §10.2.3). Returns milliseconds from `nowMs`,
 * never negative, or undefined when the header is absent or unreadable.
 */
export function parseRetryAfterMs(header: string | null | undefined, nowMs: number): number | undefined {
  if (header === null || header === undefined) return undefined;
  const value = header.trim();
  if (value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value) * 1000;
  // An HTTP-date always names the weekday and month; without letters Date.parse would accept "-5" as a year.
  if (!/^[A-Za-z]{3}, /.test(value)) return undefined;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: string };

/**
 * Whether to retry after a failed attempt. A server's Retry-After wins over our own backoff when it is longer
 * (waiting less than asked only earns another 429); one longer than maxRetryAfterMs stops retrying, because
 * stalling the pipeline for minutes costs more than using the fallback.
 */
export function decideRetry(input: {
  attempt: number;
  maxRetries: number;
  retryable: boolean;
  retryAfterMs: number | undefined;
  policy: BackoffPolicy;
  random: () => number;
}): RetryDecision {
  const { attempt, maxRetries, retryable, retryAfterMs, policy, random } = input;
  if (!retryable) return { retry: false, reason: 'not retryable' };
  if (attempt >= maxRetries) return { retry: false, reason: 'retries exhausted' };
  const jittered = backoffDelayMs(attempt, policy, random);
  if (retryAfterMs === undefined) return { retry: true, delayMs: jittered };
  if (retryAfterMs > policy.maxRetryAfterMs) return { retry: false, reason: 'Retry-After too long' };
  return { retry: true, delayMs: Math.max(retryAfterMs, jittered) };
}
