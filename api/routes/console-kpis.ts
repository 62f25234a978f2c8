import { z } from 'zod';
import type { InsightRepository } from '../data/insight-repository.js';
import { envelopeOf, ERROR_RESPONSES, ok } from '../envelope.js';
import { dateRange, decimal, limit } from '../schemas.js';
import type { TypedApp } from './typed-app.js';

const range = z.object(dateRange).refine((r) => !r.from || !r.to || r.from <= r.to, {
  message: 'from must not be after to',
  path: ['from'],
});

const CategorySchema = z.object({
  category: z.string().nullable().describe('Product category; null for uncategorised products.'),
  revenue: decimal(),
  units: z.number().int(),
  orders: z.number().int(),
  revenue_eur: decimal().nullable(),
  revenue_usd: decimal().nullable(),
});
const TopProductSchema = z.object({
  rank: z.number().int(),
  stock_code: z.string(),
  description: z.string().nullable(),
  category: z.string().nullable(),
  revenue: decimal(),
  units: z.number().int(),
  orders: z.number().int(),
});
const RfmSegmentSchema = z.object({
  segment: z.string(),
  customers: z.number().int(),
  monetary: decimal(),
  average_recency_days: z.number(),
  average_frequency: z.number(),
});
const CohortSchema = z.object({
  cohort_month: z.string().describe('First day of the month of the customers’ first purchase.'),
  period: z.number().int().describe('Months since the cohort month.'),
  cohort_size: z.number().int(),
  customers: z.number().int(),
  retention_rate: z.number(),
});

/** Analytical reads the console's KPI page needs: sales by category, top products, RFM segments, cohorts. */
export function registerConsoleKpiRoutes(app: TypedApp, deps: { insights: InsightRepository }) {
  app.get(
    '/api/v1/kpis/categories',
    {
      schema: {
        tags: ['kpis'],
        summary: 'Sales by product category over the range (from fact_sales; null = uncategorised).',
        querystring: range,
        response: { 200: envelopeOf(z.array(CategorySchema)), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => ok(await deps.insights.categories(request.query), reply.elapsedTime),
  );
  app.get(
    '/api/v1/kpis/top-products',
    {
      schema: {
        tags: ['kpis'],
        summary: 'Products by revenue over the range, best first.',
        querystring: z
          .object({ ...dateRange, limit: limit(100, 10) })
          .refine((r) => !r.from || !r.to || r.from <= r.to, {
            message: 'from must not be after to',
            path: ['from'],
          }),
        response: { 200: envelopeOf(z.array(TopProductSchema)), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => ok(await deps.insights.topProducts(request.query), reply.elapsedTime),
  );
  app.get(
    '/api/v1/kpis/rfm-segments',
    {
      schema: {
        tags: ['kpis'],
        summary: 'Customers per RFM segment (gold rfm: scored over the whole history).',
        response: { 200: envelopeOf(z.array(RfmSegmentSchema)), ...ERROR_RESPONSES },
      },
    },
    async (_request, reply) => ok(await deps.insights.rfm(), reply.elapsedTime),
  );
  app.get(
    '/api/v1/kpis/cohorts',
    {
      schema: {
        tags: ['kpis'],
        summary: 'Monthly cohort retention (gold cohorts); cohorts whose first month overlaps the range.',
        querystring: range,
        response: { 200: envelopeOf(z.array(CohortSchema)), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => ok(await deps.insights.cohorts(request.query), reply.elapsedTime),
  );
}
