import { z } from 'zod';
import type { KpiRepository } from '../data/kpi-repository.js';
import { envelopeOf, ERROR_RESPONSES, ok } from '../envelope.js';
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
        throw new ApiError(404, 'NOT_FOUND', 'no KPIs loaded yet', 'Run the gold and warehouse steps first.');
      }
      return ok(summary, reply.elapsedTime);
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
    async (request, reply) => ok(await deps.kpis.daily(request.query), reply.elapsedTime),
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
    async (request, reply) => ok(await deps.kpis.monthly(request.query), reply.elapsedTime),
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
    async (request, reply) => ok(await deps.kpis.byCountry(request.query), reply.elapsedTime),
  );
}
