import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ProductSearch } from '../../runner/search/product-search-types.js';
import { decodeCursor, encodeCursor } from '../cursor.js';
import type { ProductRepository } from '../data/product-repository.js';
import { envelopeOf, ERROR_RESPONSES, ok } from '../envelope.js';
import { notFound } from '../errors.js';
import { cursor, decimal, limit, text } from '../schemas.js';
import type { TypedApp } from './typed-app.js';

const ProductSchema = z
  .object({
    stock_code: z.string(),
    description: z.string().nullable(),
    category: z.string().nullable(),
    is_merchandise: z.boolean(),
    first_seen_date: z.string(),
    last_seen_date: z.string(),
    latest_unit_price: decimal().nullable(),
  })
  .meta({ id: 'Product' });

const ProductDetailSchema = ProductSchema.extend({
  sales: z.object({
    revenue: decimal(),
    units: z.number().int(),
    orders: z.number().int(),
    customers: z.number().int(),
    countries: z.array(z.string()),
  }),
});

const HitSchema = z.object({
  stock_code: z.string(),
  description: z.string(),
  category: z.string(),
  price_min: z.number(),
  price_max: z.number(),
  price_avg: z.number(),
  countries: z.array(z.string()),
  revenue: z.number(),
  revenue_rank: z.number().int(),
  quantity: z.number(),
});
const FacetSchema = z.array(z.object({ value: z.string(), count: z.number().int() }));
const SearchResultSchema = z.object({
  found: z.number().int(),
  engine: z.enum(['typesense', 'postgres']),
  hits: z.array(HitSchema),
  facets: z.object({ category: FacetSchema, country: FacetSchema }),
});

const price = () => z.coerce.number().min(0).max(1_000_000_000);
const MAX_OFFSET = 10_000;

/** Products of the warehouse (list, one) and product search (text, filters, facets) over the ProductSearch port. */
export function registerProductRoutes(
  app: TypedApp,
  deps: { products: ProductRepository; search: ProductSearch },
) {
  app.get(
    '/api/v1/products',
    {
      schema: {
        tags: ['products'],
        summary: 'Products by stock code (keyset-paged).',
        querystring: z.object({
          category: text().optional(),
          merchandise: z
            .enum(['true', 'false'])
            .optional()
            .describe('Only merchandise (true) or not (false).'),
          limit: limit(),
          cursor: cursor(),
        }),
        response: { 200: envelopeOf(z.array(ProductSchema)), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const result = await deps.products.list({
        category: q.category,
        merchandise: q.merchandise === undefined ? undefined : q.merchandise === 'true',
        limit: q.limit,
        cursor: q.cursor,
      });
      return ok(result.items, reply.elapsedTime, result.pagination);
    },
  );

  app.get(
    '/api/v1/products/search',
    {
      schema: {
        tags: ['products'],
        summary:
          'Product search: typo-tolerant text query, filters and facets (Typesense, or PostgreSQL full-text search).',
        querystring: z
          .object({
            q: z
              .string()
              .max(200)
              .refine((s) => !s.includes('\0'), 'must not contain NUL')
              .default('*'),
            category: text().optional(),
            country: text().optional(),
            min_price: price()
              .optional()
              .describe('Products whose price range reaches this unit price (GBP).'),
            max_price: price().optional(),
            limit: limit(100, 20),
            cursor: cursor(),
          })
          .refine(
            (r) => r.min_price === undefined || r.max_price === undefined || r.min_price <= r.max_price,
            {
              message: 'min_price must not exceed max_price',
              path: ['min_price'],
            },
          ),
        response: { 200: envelopeOf(SearchResultSchema), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const { cursor: c, limit: size, ...query } = request.query;
      // The cursor carries the offset and a fingerprint of the query, so it cannot be replayed on another query.
      const fingerprint = createHash('sha256').update(JSON.stringify(query)).digest('base64url').slice(0, 12);
      const after = decodeCursor(
        'search',
        c,
        z.tuple([z.number().int().min(0).max(MAX_OFFSET), z.literal(fingerprint)]),
      );
      const offset = after?.[0] ?? 0;
      const result = await deps.search.search({
        q: query.q,
        category: query.category,
        country: query.country,
        minPrice: query.min_price,
        maxPrice: query.max_price,
        limit: size,
        offset,
      });
      const nextOffset = offset + result.hits.length;
      const more = result.hits.length === size && nextOffset < result.found && nextOffset <= MAX_OFFSET;
      return ok(
        {
          found: result.found,
          engine: result.engine,
          hits: result.hits.map((h) => ({
            stock_code: h.stockCode,
            description: h.description,
            category: h.category,
            price_min: h.priceMin,
            price_max: h.priceMax,
            price_avg: h.priceAvg,
            countries: h.countries,
            revenue: h.revenue,
            revenue_rank: h.revenueRank,
            quantity: h.quantity,
          })),
          facets: result.facets,
        },
        reply.elapsedTime,
        { limit: size, next_cursor: more ? encodeCursor('search', [nextOffset, fingerprint]) : null },
      );
    },
  );

  app.get(
    '/api/v1/products/:stockCode',
    {
      schema: {
        tags: ['products'],
        summary: 'One product with its sales totals.',
        params: z.object({ stockCode: text(64) }),
        response: { 200: envelopeOf(ProductDetailSchema), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const product = await deps.products.get(request.params.stockCode);
      if (!product) throw notFound(`product ${request.params.stockCode}`);
      return ok(product, reply.elapsedTime);
    },
  );
}
