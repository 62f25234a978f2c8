import { describe, expect, it } from 'vitest';
import { timedJsonAttempt, type FetchLike } from './http-attempt.js';
import { AttemptError } from './http-errors.js';

const respond =
  (status: number, body: string, headers: Record<string, string> = {}): FetchLike =>
  async () =>
    new Response(body, { status, headers });
const run = (fetch: FetchLike, parse: (b: unknown) => unknown = (b) => b) =>
  timedJsonAttempt({ fetch, url: 'http://127.0.0.1/x', parse, timeoutMs: 50, now: () => 0 });
const failure = async (p: Promise<unknown>): Promise<AttemptError> => {
  try {
    await p;
  } catch (err) {
    if (err instanceof AttemptError) return err;
    throw err;
  }
  throw new Error('expected a failure');
};

describe('timedJsonAttempt', () => {
  it('returns the raw body and the parsed value', async () => {
    expect(await run(respond(200, '{"a":1}'), (b) => (b as { a: number }).a + 1)).toEqual({
      raw: { a: 1 },
      value: 2,
    });
  });

  it('classifies HTTP statuses: 429 and 503 carry Retry-After, other 4xx are final', async () => {
    expect(await failure(run(respond(429, '{}', { 'retry-after': '7' })))).toMatchObject({
      outcome: 'rate_limited',
      retryable: true,
      retryAfterMs: 7000,
    });
    expect(await failure(run(respond(503, '{}', { 'retry-after': '2' })))).toMatchObject({
      retryAfterMs: 2000,
    });
    expect(await failure(run(respond(500, '{}', { 'retry-after': '2' })))).toMatchObject({
      outcome: 'http_error',
      retryable: true,
      retryAfterMs: undefined,
    });
    expect(await failure(run(respond(404, '{"message":"not found"}')))).toMatchObject({ retryable: false });
  });

  it('refuses malformed and off-contract bodies without retry', async () => {
    expect(await failure(run(respond(200, '{"a":')))).toMatchObject({
      outcome: 'invalid_response',
      retryable: false,
    });
    const parse = () => {
      throw new Error('missing rates');
    };
    expect((await failure(run(respond(200, '{}'), parse))).message).toBe(
      'off-contract response: missing rates',
    );
  });

  it('aborts a request that outlives the timeout and reports it as retryable', async () => {
    const hang: FetchLike = (_url, init) =>
      new Promise((_resolve, reject) =>
        init?.signal?.addEventListener('abort', () => reject(new Error('aborted'))),
      );
    expect(await failure(run(hang))).toMatchObject({ outcome: 'timeout', retryable: true });
  });

  it('maps thrown network errors, keeping the cause', async () => {
    const refused: FetchLike = async () => {
      throw new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    };
    expect(await failure(run(refused))).toMatchObject({
      outcome: 'network_error',
      retryable: true,
      message: 'network error: ECONNREFUSED',
    });
  });
});
