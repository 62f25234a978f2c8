import { z } from 'zod';
import { LINE_TYPES, type createSalesRepository } from '../data/sales-repository.js';
import { envelopeOf, ERROR_RESPONSES, ok } from '../envelope.js';
import { cursor, dateRange, decimal, limit, text } from '../schemas.js';
import type { TypedApp } from './typed-app.js';

const SalesLineSchema = z
  .object({
    id: z.string().describe('Line id (the row hash of the source line).'),
    invoice_no: z.string(),
    invoice_ts: z.string(),
    business_date: z.string(),
    stock_code: z.string(),
    description: z.string().nullable(),
    customer_id: z.string().nullable(),
    country: z.string(),
    line_type: z.enum(LINE_TYPES),
    quantity: z.number().int(),
    unit_price: decimal(),
    line_amount: decimal(),
    amount_eur: decimal().nullable(),
    amount_usd: decimal().nullable(),
  })
  .meta({ id: 'SalesLine' });

/** Sales lines of the warehouse with filters, in business-date order, keyset-paged. */
export function registerSalesRoutes(
  app: TypedApp,
  deps: { sales: ReturnType<typeof createSalesRepository> },
) {
  app.get(
    '/api/v1/sales',
    {
      schema: {
        tags: ['sales'],
        summary: 'Sales lines (every line type), by business date then line id.',
        querystring: z.object({
          ...dateRange,
          country: text().optional().describe('Country as named in the data, e.g. United Kingdom.'),
          customer: text(64).optional().describe('Customer id.'),
          stock_code: text(64).optional(),
          line_type: z.enum(LINE_TYPES).optional(),
          limit: limit(),
          cursor: cursor(),
        }),
        response: { 200: envelopeOf(z.array(SalesLineSchema)), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const result = await deps.sales.list({
        from: q.from,
        to: q.to,
        country: q.country,
        customer: q.customer,
        stockCode: q.stock_code,
        lineType: q.line_type,
        limit: q.limit,
        cursor: q.cursor,
      });
      return ok(result.items as z.infer<typeof SalesLineSchema>[], reply.elapsedTime, result.pagination);
    },
  );
}
