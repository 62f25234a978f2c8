import { z } from 'zod';

/**
 * The `enrichment` section of the Pipeline spec: where the currency and country providers live and how hard the
 * runner may push them. Every field is described because the CRD schema and docs are generated from the zod schema.
 * Environment overrides (MEDALLION_FX_URL, MEDALLION_COUNTRIES_URL) are applied by the config module, not here.
 */

export const DEFAULT_FX_URL = 'https://api.frankfurter.dev/v1';
export const DEFAULT_COUNTRIES_URL = 'https://restcountries.com/v3.1';

const httpUrl = z
  .string()
  .min(1)
  .refine(
    (s) => {
      try {
        const u = new URL(s);
        return u.protocol === 'http:' || u.protocol === 'https:';
      } catch {
        return false;
      }
    },
    { message: 'must be an http(s) URL' },
  );

export const RetrySpecSchema = z
  .object({
    maxRetries: z
      .number()
      .int()
      .min(0)
      .max(10)
      .default(3)
      .describe(
        'Retries after the first attempt for retryable failures (network errors, timeouts, 5xx, 429).',
      ),
    baseDelayMs: z
      .number()
      .int()
      .min(0)
      .max(60_000)
      .default(200)
      .describe(
        'Base of the exponential backoff: retry n waits a random time in [0, baseDelayMs × 2^n) (full jitter).',
      ),
    maxDelayMs: z
      .number()
      .int()
      .min(0)
      .max(300_000)
      .default(5_000)
      .describe('Upper bound of one backoff delay before jitter.'),
    maxRetryAfterMs: z
      .number()
      .int()
      .min(0)
      .max(600_000)
      .default(30_000)
      .describe('Longest Retry-After (429/503) the client will wait; a longer one ends the retries at once.'),
  })
  .strict()
  .prefault({})
  .describe('Retries with exponential backoff and full jitter, honouring Retry-After.');

export const BreakerSpecSchema = z
  .object({
    errorThresholdPercentage: z
      .number()
      .min(1)
      .max(100)
      .default(50)
      .describe('Share of failed calls (percent) within the rolling window that opens the circuit.'),
    volumeThreshold: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .default(3)
      .describe('Fewest calls within the rolling window before the circuit may open.'),
    resetTimeoutMs: z
      .number()
      .int()
      .min(10)
      .max(3_600_000)
      .default(30_000)
      .describe(
        'How long an open circuit rejects calls before it half-opens and lets one trial call through.',
      ),
    rollingWindowMs: z
      .number()
      .int()
      .min(100)
      .max(3_600_000)
      .default(60_000)
      .describe('Length of the rolling statistics window of the breaker.'),
  })
  .strict()
  .prefault({})
  .describe('Circuit breaker (opossum) of one provider.');

export const RateLimitSpecSchema = z
  .object({
    requestsPerSecond: z
      .number()
      .positive()
      .max(1000)
      .default(2)
      .describe('Sustained request rate allowed to the provider (token bucket refill rate).'),
    burst: z
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(2)
      .describe('Token bucket size: requests allowed back to back.'),
  })
  .strict()
  .prefault({})
  .describe('Client-side rate limit of one provider.');

const providerShape = (defaultUrl: string, what: string) =>
  z
    .object({
      baseUrl: httpUrl.default(defaultUrl).describe(`Base URL of the ${what} API (no trailing path).`),
      timeoutMs: z
        .number()
        .int()
        .min(1)
        .max(300_000)
        .default(10_000)
        .describe(
          'Timeout of one HTTP attempt, headers and body included; the request is aborted when it passes.',
        ),
      cacheTtlSeconds: z
        .number()
        .int()
        .min(0)
        .max(10 * 365 * 86_400)
        .default(30 * 86_400)
        .describe('How long a cached response is used without asking the API; 0 disables reading the cache.'),
      retry: RetrySpecSchema,
      breaker: BreakerSpecSchema,
      rateLimit: RateLimitSpecSchema,
    })
    .strict()
    .prefault({});

export const EnrichmentSpecSchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe('Whether silver/gold add currency, country and product enrichment.'),
    cacheDir: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Directory of the response cache kept between runs, relative to the spec file; by default <lake>/_cache/enrichment.',
      ),
    currency: providerShape(DEFAULT_FX_URL, 'Frankfurter (ECB reference rates) v1').describe(
      'Currency provider: Frankfurter, with the bundled ECB table as fallback.',
    ),
    country: providerShape(DEFAULT_COUNTRIES_URL, 'REST Countries v3.1').describe(
      'Country provider: REST Countries, with the world-countries package as fallback.',
    ),
  })
  .strict()
  .prefault({})
  .describe('External enrichment providers and their resilience settings (see docs/enrichment.md).');

export type EnrichmentSpec = z.infer<typeof EnrichmentSpecSchema>;
export type ProviderSpec = EnrichmentSpec['currency'];
export type EnrichmentSpecInput = z.input<typeof EnrichmentSpecSchema>;
