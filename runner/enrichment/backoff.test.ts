import { describe, expect, it } from 'vitest';
import { backoffDelayMs, decideRetry, parseRetryAfterMs } from './backoff.js';

const policy = { baseDelayMs: 100, maxDelayMs: 1000, maxRetryAfterMs: 5000 };

describe('backoffDelayMs', () => {
  it('draws uniformly below base × 2^attempt (full jitter)', () => {
    expect(backoffDelayMs(0, policy, () => 0)).toBe(0);
    expect(backoffDelayMs(0, policy, () => 0.999)).toBe(99);
    expect(backoffDelayMs(1, policy, () => 0.5)).toBe(100);
    expect(backoffDelayMs(2, policy, () => 0.5)).toBe(200);
    expect(backoffDelayMs(3, policy, () => 0.999)).toBe(799);
  });

  it('caps the ceiling at maxDelayMs, even for huge attempts', () => {
    expect(backoffDelayMs(4, policy, () => 0.999)).toBe(999);
    expect(backoffDelayMs(500, policy, () => 0.5)).toBe(500);
  });

  it('rejects a negative or fractional attempt', () => {
    expect(() => backoffDelayMs(-1, policy, () => 0)).toThrow(RangeError);
    expect(() => backoffDelayMs(1.5, policy, () => 0)).toThrow(RangeError);
  });
});

describe('parseRetryAfterMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it('reads delta-seconds', () => {
    expect(parseRetryAfterMs('3', now)).toBe(3000);
    expect(parseRetryAfterMs(' 0 ', now)).toBe(0);
  });
  it('reads an HTTP-date relative to now and never goes negative', () => {
    expect(parseRetryAfterMs('Thu, 01 Jan 2026 00:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfterMs('Wed, 31 Dec 2025 23:59:00 GMT', now)).toBe(0);
  });
  it('ignores absent or unreadable values', () => {
    expect(parseRetryAfterMs(null, now)).toBeUndefined();
    expect(parseRetryAfterMs('', now)).toBeUndefined();
    expect(parseRetryAfterMs('soon', now)).toBeUndefined();
    expect(parseRetryAfterMs('-5', now)).toBeUndefined();
  });
});

describe('decideRetry', () => {
  const base = { maxRetries: 2, policy, random: () => 0.5 };
  it('retries a retryable failure with the jittered backoff', () => {
    expect(decideRetry({ ...base, attempt: 0, retryable: true, retryAfterMs: undefined })).toEqual({
      retry: true,
      delayMs: 50,
    });
  });
  it('stops when not retryable or when retries are exhausted', () => {
    expect(decideRetry({ ...base, attempt: 0, retryable: false, retryAfterMs: undefined }).retry).toBe(false);
    expect(decideRetry({ ...base, attempt: 2, retryable: true, retryAfterMs: undefined })).toEqual({
      retry: false,
      reason: 'retries exhausted',
    });
  });
  it('waits at least Retry-After, and longer when the backoff is longer', () => {
    expect(decideRetry({ ...base, attempt: 0, retryable: true, retryAfterMs: 2000 })).toEqual({
      retry: true,
      delayMs: 2000,
    });
    expect(decideRetry({ ...base, attempt: 1, retryable: true, retryAfterMs: 10 })).toEqual({
      retry: true,
      delayMs: 100,
    });
  });
  it('gives up on a Retry-After longer than the cap', () => {
    expect(decideRetry({ ...base, attempt: 0, retryable: true, retryAfterMs: 5001 })).toEqual({
      retry: false,
      reason: 'Retry-After too long',
    });
  });
});
