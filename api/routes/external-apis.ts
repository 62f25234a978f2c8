import { z } from 'zod';
import type { RunRepository } from '../data/run-repository.js';
import { envelopeOf, ERROR_RESPONSES, ok } from '../envelope.js';
import type { TypedApp } from './typed-app.js';

const PROVIDERS = ['currency', 'country'] as const;

const ProviderSchema = z.object({
  provider: z.enum(PROVIDERS),
  breaker_state: z.enum(['closed', 'open', 'halfOpen']).nullable(),
  source: z.string().nullable().describe('api, cache or fallback (bundled data) in the last run.'),
  healthy: z
    .boolean()
    .nullable()
    .describe('Breaker closed and live or cached answers; null when never observed.'),
  calls: z.number().nullable(),
  failures: z.number().nullable(),
  last_error: z.string().nullable(),
  run_id: z.string().nullable(),
  observed_at: z.string().nullable(),
  recent: z
    .array(
      z.object({ run_id: z.string(), breaker_state: z.string().nullable(), source: z.string().nullable() }),
    )
    .describe('The same provider in the last runs, newest first.'),
});

interface ProviderReport {
  source?: string;
  breakerState?: 'closed' | 'open' | 'halfOpen';
  calls?: number;
  failures?: number;
  lastError?: string;
}

const RECENT = 10;

/** Health of the external enrichment APIs, from the enrichment reports of the last runs (breaker states). */
export function registerExternalApiRoutes(app: TypedApp, deps: { repo: RunRepository }) {
  app.get(
    '/api/v1/external-apis/health',
    {
      schema: {
        tags: ['runs'],
        summary:
          'External API health: circuit-breaker states and sources from the last runs’ enrichment reports.',
        response: { 200: envelopeOf(z.array(ProviderSchema)), ...ERROR_RESPONSES },
      },
    },
    async (_request, reply) => {
      const runs = await deps.repo.withEnrichment(RECENT);
      const report = (enrichment: unknown, p: string): ProviderReport | undefined =>
        (enrichment as Record<string, ProviderReport> | null)?.[p];
      const data = PROVIDERS.map((provider) => {
        const last = runs[0];
        const r = last ? report(last.enrichment, provider) : undefined;
        return {
          provider,
          breaker_state: r?.breakerState ?? null,
          source: r?.source ?? null,
          healthy: r ? r.breakerState === 'closed' && r.source !== 'fallback' : null,
          calls: r?.calls ?? null,
          failures: r?.failures ?? null,
          last_error: r?.lastError ?? null,
          run_id: last?.runId ?? null,
          observed_at: last?.finishedAt ?? last?.startedAt ?? null,
          recent: runs.map((run) => {
            const x = report(run.enrichment, provider);
            return { run_id: run.runId, breaker_state: x?.breakerState ?? null, source: x?.source ?? null };
          }),
        };
      });
      return ok(data, reply.elapsedTime);
    },
  );
}
