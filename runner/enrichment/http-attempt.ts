import { parseRetryAfterMs } from './backoff.js';
import { AttemptError, networkError, statusError } from './http-errors.js';

/** One HTTP attempt: GET with a hard timeout, JSON decoding and contract validation; every failure an AttemptError. */

export type FetchLike = (
  input: string,
  init?: { signal?: AbortSignal; headers?: Record<string, string> },
) => Promise<Response>;

export async function timedJsonAttempt(input: {
  fetch: FetchLike;
  url: string;
  parse: (body: unknown) => unknown;
  timeoutMs: number;
  now: () => number;
}): Promise<{ raw: unknown; value: unknown }> {
  const { fetch, url, parse, timeoutMs, now } = input;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  try {
    const res = await fetch(url, { signal: controller.signal, headers: { accept: 'application/json' } });
    // Reading the body is inside the timeout: a server that sends headers and then stalls is still too slow.
    const text = await res.text();
    if (!res.ok) throw statusError(res.status, parseRetryAfterMs(res.headers.get('retry-after'), now()));
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw new AttemptError('invalid_response', 'malformed JSON', false);
    }
    try {
      return { raw, value: parse(raw) };
    } catch (err) {
      throw new AttemptError('invalid_response', `off-contract response: ${(err as Error).message}`, false);
    }
  } catch (err) {
    throw networkError(err, timedOut, timeoutMs);
  } finally {
    clearTimeout(timer);
  }
}
