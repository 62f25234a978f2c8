import type pg from 'pg';
import { z } from 'zod';
import { decodeCursor, page } from '../cursor.js';
import { quoteIdent } from '../../runner/engine/sql-quote.js';
import { params } from './sql.js';

interface ProductFilter {
  category?: string | undefined;
  merchandise?: boolean | undefined;
  limit: number;
  cursor?: string | undefined;
}

export interface Product {
  stock_code: string;
  description: string | null;
  category: string | null;
  is_merchandise: boolean;
  first_seen_date: string;
  last_seen_date: string;
  latest_unit_price: string | null;
}

interface ProductDetail extends Product {
  sales: { revenue: string; units: number; orders: number; customers: number; countries: string[] };
}

const ProductKey = z.tuple([
  z
    .string()
    .max(256)
    .regex(/^[^\0]*$/),
]);

const COLUMNS = `stock_code, description, category, is_merchandise, first_seen_date::text AS first_seen_date,
  last_seen_date::text AS last_seen_date, latest_unit_price::text AS latest_unit_price`;

/** Products of dim_product, by stock code (keyset), with their sales on request. */
export function createProductRepository(deps: { pool: pg.Pool; schema: string }) {
  const s = quoteIdent(deps.schema);
  return {
    async list(f: ProductFilter) {
      const p = params();
      const where: string[] = [];
      if (f.category) where.push(`category = ${p.add(f.category)}`);
      if (f.merchandise !== undefined) where.push(`is_merchandise = ${p.add(f.merchandise)}`);
      const after = decodeCursor('products', f.cursor, ProductKey);
      // COLLATE "C": byte order, so the keyset comparison and the sort agree whatever the database locale.
      if (after) where.push(`stock_code COLLATE "C" > ${p.add(after[0])}`);
      const { rows } = await deps.pool.query<Product>(
        `SELECT ${COLUMNS} FROM ${s}.dim_product ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY stock_code COLLATE "C" LIMIT ${p.add(f.limit + 1)}`,
        p.values,
      );
      return page(rows, f.limit, (r) => [r.stock_code], 'products');
    },
    async get(stockCode: string): Promise<ProductDetail | undefined> {
      const { rows } = await deps.pool.query<Product & { product_key: number }>(
        `SELECT product_key, ${COLUMNS} FROM ${s}.dim_product WHERE stock_code = $1`,
        [stockCode],
      );
      const found = rows[0];
      if (!found) return undefined;
      const { product_key: productKey, ...product } = found;
      const { rows: agg } = await deps.pool.query<Record<string, unknown>>(
        `SELECT coalesce(sum(f.line_amount), 0)::text AS revenue, coalesce(sum(f.quantity), 0) AS units,
           count(DISTINCT f.invoice_key) AS orders,
           count(DISTINCT cu.customer_id) FILTER (WHERE NOT cu.is_unknown) AS customers,
           coalesce(array_agg(DISTINCT co.country_name ORDER BY co.country_name) FILTER (WHERE co.country_name IS NOT NULL), '{}') AS countries
         FROM ${s}.fact_sales f
         JOIN ${s}.dim_customer cu ON cu.customer_key = f.customer_key
         JOIN ${s}.dim_country co ON co.country_key = f.country_key
         WHERE f.product_key = $1 AND f.line_type = 'sale'`,
        [productKey],
      );
      const a = agg[0]!;
      return {
        ...product,
        sales: {
          revenue: String(a.revenue),
          units: Number(a.units),
          orders: Number(a.orders),
          customers: Number(a.customers),
          countries: a.countries as string[],
        },
      };
    },
  };
}

export type ProductRepository = ReturnType<typeof createProductRepository>;
