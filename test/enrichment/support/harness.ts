import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { createEnrichment, type Enrichment } from '../../../runner/enrichment/index.js';
import type { Clock } from '../../../runner/enrichment/types.js';
import { EnrichmentSpecSchema, type EnrichmentSpecInput } from '../../../runner/spec/enrichment-spec.js';

/** A clock whose sleep advances virtual time at once: backoff and rate-limit waits are recorded, not spent. */
export function virtualClock(offsetMs = 0): Clock & { sleeps: number[]; advance(ms: number): void } {
  let virtual = offsetMs;
  const sleeps: number[] = [];
  return {
    now: () => Date.now() + virtual,
    sleep: async (ms) => {
      sleeps.push(ms);
      virtual += ms;
    },
    random: () => 0.5,
    sleeps,
    advance: (ms) => {
      virtual += ms;
    },
  };
}

/** Resilience settings small enough for tests; the breaker opens after 3 failed calls out of 3. */
export function testSpec(
  overrides: { timeoutMs?: number; resetTimeoutMs?: number; cacheTtlSeconds?: number } = {},
) {
  const provider = {
    timeoutMs: overrides.timeoutMs ?? 2_000,
    cacheTtlSeconds: overrides.cacheTtlSeconds ?? 3_600,
    retry: { maxRetries: 3, baseDelayMs: 50, maxDelayMs: 400, maxRetryAfterMs: 5_000 },
    breaker: {
      errorThresholdPercentage: 50,
      volumeThreshold: 3,
      resetTimeoutMs: overrides.resetTimeoutMs ?? 60_000,
      rollingWindowMs: 60_000,
    },
    rateLimit: { requestsPerSecond: 50, burst: 5 },
  };
  const input: EnrichmentSpecInput = { currency: provider, country: provider };
  return EnrichmentSpecSchema.parse(input);
}

export interface Harness {
  cacheDir: string;
  registry: Registry;
  make(options: {
    fxUrl: string;
    countriesUrl: string;
    clock?: Clock;
    spec?: ReturnType<typeof testSpec>;
  }): Enrichment;
  cleanup(): Promise<void>;
}

export async function createHarness(): Promise<Harness> {
  const cacheDir = await mkdtemp(join(tmpdir(), 'medallion-enrichment-'));
  const registry = new Registry();
  const made: Enrichment[] = [];
  return {
    cacheDir,
    registry,
    make({ fxUrl, countriesUrl, clock, spec }) {
      const e = createEnrichment({
        spec: spec ?? testSpec(),
        cacheDir,
        logger: pino({ level: 'silent' }),
        registry,
        fxUrl,
        countriesUrl,
        clock: clock ?? virtualClock(),
      });
      made.push(e);
      return e;
    },
    async cleanup() {
      for (const e of made) e.close();
      await rm(cacheDir, { recursive: true, force: true });
    },
  };
}
