import { createServer } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createHarness, testSpec, virtualClock, type Harness } from './support/harness.js';
import { readEcbCsv } from './support/reference-data.js';
import { startFrankfurter, startRestCountries, type StandIn } from './support/stand-in-servers.js';

/** Real loopback servers that follow the providers' contracts, with faults injected per request. */

const input = {
  // 4 and 5 December 2010 are a weekend: they take Friday 3 December's rate.
  dates: ['2010-12-01', '2010-12-04', '2010-12-05', '2010-12-03'],
  countries: ['EIRE', 'United Kingdom', 'Unspecified', 'United Kingdom'],
  descriptions: ['PARTY BUNTING', null, 'Next Day Carriage'],
};
const expectedRates = [
  { businessDate: '2010-12-01', ecbDate: '2010-12-01', gbp: '0.8393', usd: '1.3115' },
  { businessDate: '2010-12-03', ecbDate: '2010-12-03', gbp: '0.848', usd: '1.3246' },
  { businessDate: '2010-12-04', ecbDate: '2010-12-03', gbp: '0.848', usd: '1.3246' },
  { businessDate: '2010-12-05', ecbDate: '2010-12-03', gbp: '0.848', usd: '1.3246' },
];

let h: Harness;
let fx: StandIn;
let countries: StandIn;
beforeEach(async () => {
  h = await createHarness();
  fx = await startFrankfurter(readEcbCsv());
  countries = await startRestCountries();
});
afterEach(async () => {
  await h.cleanup();
  await fx.close();
  await countries.close();
});

const make = (opts: Partial<Parameters<Harness['make']>[0]> = {}) =>
  h.make({ fxUrl: fx.baseUrl, countriesUrl: countries.baseUrl, ...opts });

async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/v1`;
}

describe('healthy providers', () => {
  it('answers from the API once, then from the persisted cache with zero requests', async () => {
    const first = await make().enrich(input);
    expect(first.rates).toEqual(expectedRates);
    expect(first.summary.currency).toMatchObject({
      source: 'api',
      calls: 1,
      failures: 0,
      breakerState: 'closed',
    });
    expect(first.summary.country).toMatchObject({ source: 'api', calls: 1, notACountry: 1 });
    expect(first.degraded).toBe(false);
    expect(fx.requests).toEqual(['/v1/2010-11-21..2010-12-05?base=EUR&symbols=GBP,USD']);
    expect(countries.requests).toEqual([
      '/v3.1/all?fields=name,cca2,cca3,region,subregion,currencies,altSpellings',
    ]);
    expect(first.countries.map((c) => [c.name, c.kind === 'country' ? c.cca3 : c.kind])).toEqual([
      ['EIRE', 'IRL'],
      ['United Kingdom', 'GBR'],
      ['Unspecified', 'notACountry'],
    ]);
    expect(first.categories).toEqual([
      { description: 'Next Day Carriage', category: null },
      { description: 'PARTY BUNTING', category: 'Party & Gift Wrap' },
    ]);

    // A second run (new instance, same cache directory) asks nobody.
    const second = await make().enrich(input);
    expect(fx.requests).toHaveLength(1);
    expect(countries.requests).toHaveLength(1);
    expect(second.summary.currency).toMatchObject({ source: 'cache', calls: 0, cacheHits: 1 });
    expect(second.summary.country).toMatchObject({ source: 'cache', calls: 0, cacheHits: 1 });
    expect(second.rates).toEqual(first.rates);
    expect(second.countries).toEqual(first.countries);
    expect(second.degraded).toBe(false);
  });
});

describe('faults', () => {
  it('HTTP 500: retries, opens the breaker after 3 failures (no storm) and completes with the fallback', async () => {
    fx.setFault(() => ({ kind: 'status', status: 500 }));
    countries.setFault(() => ({ kind: 'status', status: 500 }));
    const result = await make().enrich(input);
    // 1 attempt + 3 retries allowed, but the 4th is refused by the open breaker without touching the network.
    expect(fx.requests).toHaveLength(3);
    expect(countries.requests).toHaveLength(3);
    expect(result.summary.currency).toMatchObject({
      source: 'fallback',
      calls: 3,
      failures: 3,
      shortCircuits: 1,
      breakerState: 'open',
    });
    expect(result.summary.country).toMatchObject({ source: 'fallback', breakerState: 'open' });
    expect(result.rates).toEqual(expectedRates); // the bundled ECB table gives the same rates
    expect(result.countries.find((c) => c.name === 'EIRE')).toMatchObject({ kind: 'country', cca2: 'IE' });
    expect(result.degraded).toBe(true);
    expect(result.degradedReasons.join(' ')).toMatch(/bundled ECB table.*world-countries/);

    const metrics = await h.registry.getSingleMetricAsString('medallion_enrichment_requests_total');
    expect(metrics).toMatch(/provider="currency",outcome="http_error"} 3/);
    expect(metrics).toMatch(/provider="currency",outcome="short_circuit"} 1/);
    expect(await h.registry.getSingleMetricAsString('medallion_enrichment_breaker_state')).toMatch(
      /provider="currency"} 2/,
    );
  });

  it('429 with Retry-After: waits as told, then succeeds', async () => {
    const clock = virtualClock();
    fx.setFault((n) => (n === 0 ? { kind: 'status', status: 429, retryAfter: '2' } : undefined));
    const result = await make({ clock }).enrich(input);
    expect(fx.requests).toHaveLength(2);
    expect(clock.sleeps).toContain(2000);
    expect(result.summary.currency).toMatchObject({ source: 'api', calls: 2, failures: 1, retries: 1 });
    expect(result.degraded).toBe(false);
  });

  it('503 with an HTTP-date Retry-After is honoured too', async () => {
    const clock = virtualClock();
    const at = new Date(clock.now() + 3_000).toUTCString();
    fx.setFault((n) => (n === 0 ? { kind: 'status', status: 503, retryAfter: at } : undefined));
    const result = await make({ clock }).enrich(input);
    expect(fx.requests).toHaveLength(2);
    expect(Math.max(...clock.sleeps)).toBeGreaterThanOrEqual(1_000);
    expect(result.summary.currency.source).toBe('api');
  });

  it('a Retry-After longer than the cap ends the retries at once', async () => {
    fx.setFault(() => ({ kind: 'status', status: 429, retryAfter: '3600' }));
    const result = await make().enrich(input);
    expect(fx.requests).toHaveLength(1);
    expect(result.summary.currency).toMatchObject({ source: 'fallback', calls: 1, retries: 0 });
  });

  it('slow responses past the timeout are aborted and count as failures', async () => {
    fx.setFault(() => ({ kind: 'slow', delayMs: 5_000 }));
    const started = Date.now();
    const result = await make({ spec: testSpec({ timeoutMs: 150 }) }).enrich(input);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(fx.requests).toHaveLength(3);
    expect(result.summary.currency).toMatchObject({ source: 'fallback', breakerState: 'open' });
    expect(result.summary.currency.lastError).toMatch(/no complete response within 150 ms/);
    expect(result.rates).toEqual(expectedRates);
  });

  it('malformed JSON is off-contract: not retried, fallback used', async () => {
    fx.setFault(() => ({ kind: 'malformed' }));
    const result = await make().enrich(input);
    expect(fx.requests).toHaveLength(1);
    expect(result.summary.currency).toMatchObject({ source: 'fallback', calls: 1, failures: 1, retries: 0 });
    expect(result.summary.currency.lastError).toBe('malformed JSON');
  });

  it('a 200 with an off-contract body is refused the same way', async () => {
    countries.setFault(() => ({ kind: 'status', status: 200, body: JSON.stringify([{ name: 'France' }]) }));
    const result = await make().enrich(input);
    expect(countries.requests).toHaveLength(1);
    expect(result.summary.country.source).toBe('fallback');
    expect(result.countries).toHaveLength(3);
  });

  it('connection resets are retried; the call succeeds once the server behaves', async () => {
    fx.setFault((n) => (n < 2 ? { kind: 'reset' } : undefined));
    const result = await make().enrich(input);
    expect(fx.requests).toHaveLength(3);
    expect(result.summary.currency).toMatchObject({ source: 'api', failures: 2, breakerState: 'closed' });
    expect(result.summary.currency.lastError).toMatch(/network error/);
    expect(result.rates).toEqual(expectedRates);
  });

  it('an unreachable or invalid provider URL behaves like an outage, not a crash', async () => {
    const result = await make({ fxUrl: await closedPortUrl(), countriesUrl: 'not a url' }).enrich(input);
    expect(result.summary.currency.source).toBe('fallback');
    expect(result.summary.currency.lastError).toMatch(/network error/);
    expect(result.summary.country).toMatchObject({ source: 'fallback', calls: 0, failures: 1 });
    expect(result.rates).toEqual(expectedRates);
    expect(result.degraded).toBe(true);
  });
});

describe('circuit breaker', () => {
  it('opens, refuses calls while open, half-opens after resetTimeoutMs and closes on a good trial call', async () => {
    fx.setFault(() => ({ kind: 'status', status: 500 }));
    const enrichment = make({ spec: testSpec({ resetTimeoutMs: 300 }) });
    const first = await enrichment.enrich(input);
    expect(first.summary.currency.breakerState).toBe('open');
    expect(fx.requests).toHaveLength(3);

    const whileOpen = await enrichment.enrich(input);
    expect(fx.requests).toHaveLength(3); // refused locally: no new request
    expect(whileOpen.summary.currency.source).toBe('fallback');

    await new Promise((resolve) => setTimeout(resolve, 400));
    fx.setFault(undefined);
    const recovered = await enrichment.enrich(input);
    expect(fx.requests).toHaveLength(4); // exactly one trial call
    expect(recovered.summary.currency).toMatchObject({ source: 'api', breakerState: 'closed' });
    expect(recovered.degraded).toBe(false);
  });

  it('re-opens at once when the half-open trial call fails', async () => {
    fx.setFault(() => ({ kind: 'status', status: 500 }));
    const enrichment = make({ spec: testSpec({ resetTimeoutMs: 300 }) });
    await enrichment.enrich(input);
    await new Promise((resolve) => setTimeout(resolve, 400));
    const again = await enrichment.enrich(input);
    expect(fx.requests).toHaveLength(4);
    expect(again.summary.currency).toMatchObject({ source: 'fallback', breakerState: 'open' });
  });
});

describe('cache', () => {
  it('uses an expired entry when the API fails, and says the result is degraded', async () => {
    await make().enrich(input);
    const later = virtualClock(2 * 3_600_000); // past the 1-hour TTL of the test spec
    fx.setFault(() => ({ kind: 'status', status: 500 }));
    const result = await make({ clock: later }).enrich(input);
    expect(fx.requests).toHaveLength(4);
    expect(result.summary.currency).toMatchObject({ source: 'cache', stale: true });
    expect(result.rates).toEqual(expectedRates);
    expect(result.degraded).toBe(true);
  });
});
