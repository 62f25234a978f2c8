import { z } from 'zod';
import type { KpiRepository } from '../data/kpi-repository.js';
import type { FastifyReply } from 'fastify';
import { envelopeOf, ERROR_RESPONSES, metadata } from '../envelope.js';
import { ApiError } from '../errors.js';
import { dateRange, decimal } from '../schemas.js';
import type { TypedApp } from './typed-app.js';

const Measures = {
  revenue: decimal().describe('Net sales revenue in GBP (sales lines only).'),
  orders: z.number().int(),
  customers: z.number().int(),
  units: z.number().int(),
  revenue_eur: decimal().nullable(),
  revenue_usd: decimal().nullable(),
};

const SummarySchema = z.object({
  from: z.string().nullable(),
  to: z.string().nullable(),
  ...Measures,
  average_order_value: decimal().nullable(),
  cancelled_invoices: z.number().int(),
  cancellation_value: decimal(),
});
const PointSchema = z.object({
  period: z.string().describe('Business date, or first day of the month.'),
  ...Measures,
});
const CountrySchema = z.object({ country: z.string(), ...Measures });

const RangeQuery = z.object(dateRange).refine((r) => !r.from || !r.to || r.from <= r.to, {
  message: 'from must not be after to',
  path: ['from'],
});

/**
 * KPI answers are cached per warehouse load (the same object until the next load), so each is validated against its
 * schema and serialised once, then spliced into a fresh envelope per request: the hot path does no zod work.
 */
const serialised = new WeakMap<object, string>();
function sendCached<S extends z.ZodType>(reply: FastifyReply, data: object, schema: S) {
  let json = serialised.get(data);
  if (json === undefined) {
    json = JSON.stringify(schema.parse(data));
    serialised.set(data, json);
  }
  return reply
    .type('application/json; charset=utf-8')
    .send(`{"status":"ok","data":${json},"metadata":${JSON.stringify(metadata(reply.elapsedTime))}}`);
}

/** KPIs of the current warehouse load: the gold marts, or computed over a date range. */
export function registerKpiRoutes(app: TypedApp, deps: { kpis: KpiRepository }) {
  const common = { tags: ['kpis'], querystring: RangeQuery };
  app.get(
    '/api/v1/kpis/summary',
    {
      schema: {
        ...common,
        summary: 'Headline KPIs; without a range exactly the gold kpis table.',
        response: { 200: envelopeOf(SummarySchema), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const summary = await deps.kpis.summary(request.query);
      if (!summary) {
        throw new ApiError('NOT_FOUND', 'no KPIs loaded yet', 'Run the gold and warehouse steps first.');
      }
      return sendCached(reply, summary, SummarySchema);
    },
  );
  app.get(
    '/api/v1/kpis/daily',
    {
      schema: {
        ...common,
        summary: 'KPIs per business date (gold kpi_daily).',
        response: { 200: envelopeOf(z.array(PointSchema)), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => sendCached(reply, await deps.kpis.daily(request.query), z.array(PointSchema)),
  );
  app.get(
    '/api/v1/kpis/monthly',
    {
      schema: {
        ...common,
        summary: 'KPIs per calendar month (gold kpi_monthly); months overlapping the range.',
        response: { 200: envelopeOf(z.array(PointSchema)), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => sendCached(reply, await deps.kpis.monthly(request.query), z.array(PointSchema)),
  );
  app.get(
    '/api/v1/kpis/countries',
    {
      schema: {
        ...common,
        summary:
          'KPIs per country over the range (distinct orders and customers counted over the whole range).',
        response: { 200: envelopeOf(z.array(CountrySchema)), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) =>
      sendCached(reply, await deps.kpis.byCountry(request.query), z.array(CountrySchema)),
  );
}
