import type pg from 'pg';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import { envelopeOf, ok } from '../envelope.js';
import { quoteIdent } from '../../runner/engine/sql-quote.js';
import type { TypedApp } from './typed-app.js';

const HealthSchema = envelopeOf(z.object({ healthy: z.literal(true) }));
const ReadySchema = envelopeOf(z.object({ ready: z.boolean(), checks: z.record(z.string(), z.boolean()) }));

/** Liveness, readiness, Prometheus metrics and the OpenAPI document: public, not rate limited. */
export function registerSystemRoutes(
  app: TypedApp,
  deps: {
    registry: Registry;
    pool: pg.Pool;
    schema: string;
    readiness?: (() => Promise<Record<string, boolean>>) | undefined;
  },
) {
  const publicRoute = { role: 'public' as const, rateLimit: false as const };
  app.get(
    '/healthz',
    {
      config: publicRoute,
      schema: {
        tags: ['system'],
        summary: 'Liveness: the process serves requests.',
        response: { 200: HealthSchema },
      },
    },
    async (_request, reply) => ok({ healthy: true as const }, reply.elapsedTime),
  );
  app.get(
    '/readyz',
    {
      config: publicRoute,
      schema: {
        tags: ['system'],
        summary:
          'Readiness: the warehouse answers and holds a load (and the cluster answers, in cluster mode).',
        response: { 200: ReadySchema, 503: ReadySchema },
      },
    },
    async (_request, reply) => {
      const checks: Record<string, boolean> = {};
      try {
        const { rows } = await deps.pool.query<{ loaded: boolean }>(
          `SELECT to_regclass($1) IS NOT NULL AS loaded`,
          [`${quoteIdent(deps.schema)}.fact_sales`],
        );
        checks.warehouse = rows[0]?.loaded === true;
      } catch {
        checks.warehouse = false;
      }
      if (deps.readiness) Object.assign(checks, await deps.readiness().catch(() => ({ cluster: false })));
      const ready = Object.values(checks).every(Boolean);
      return reply.code(ready ? 200 : 503).send(ok({ ready, checks }, reply.elapsedTime));
    },
  );
  app.get('/metrics', { config: publicRoute, schema: { hide: true } }, async (_request, reply) => {
    reply.header('content-type', deps.registry.contentType);
    return deps.registry.metrics();
  });
  app.get('/openapi.json', { config: publicRoute, schema: { hide: true } }, async () => app.swagger());
}
