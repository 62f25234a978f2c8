import { createHash } from 'node:crypto';
import type pg from 'pg';
import { z } from 'zod';
import { decodeCursor, page } from '../cursor.js';
import { quoteIdent } from '../../runner/engine/sql-quote.js';
import { dateKey, params } from './sql.js';

export const LINE_TYPES = [
  'sale',
  'cancellation',
  'adjustment',
  'non_merchandise',
  'stock_adjustment',
  'zero_price',
] as const;

interface SalesFilter {
  from?: string | undefined;
  to?: string | undefined;
  country?: string | undefined;
  customer?: string | undefined;
  stockCode?: string | undefined;
  lineType?: (typeof LINE_TYPES)[number] | undefined;
  limit: number;
  cursor?: string | undefined;
}

export interface SalesLine {
  id: string;
  invoice_no: string;
  invoice_ts: string;
  business_date: string;
  stock_code: string;
  description: string | null;
  customer_id: string | null;
  country: string;
  line_type: string;
  quantity: number;
  unit_price: string;
  line_amount: string;
  amount_eur: string | null;
  amount_usd: string | null;
}

const SalesKey = z.tuple([
  z.number().int().min(0).max(99_991_231),
  z
    .string()
    .max(128)
    .regex(/^[0-9a-f]*$/),
]);

interface Row extends Omit<SalesLine, 'quantity'> {
  quantity: string;
  date_key: number;
}

/**
 * Sales lines from the star schema, in (business date, line id) order with keyset pagination: the cursor holds the
 * last row's (date_key, row_hash), so a page costs the same wherever it is and rows loaded meanwhile never shift it.
 */
export function createSalesRepository(deps: { pool: pg.Pool; schema: string }) {
  const s = quoteIdent(deps.schema);
  return {
    async list(f: SalesFilter) {
      const p = params();
      const where: string[] = [];
      // Filters on dimensions become key sets, so the page is cut from fact_sales alone (ordered by the
      // (date_key, row_hash) index) and only its rows are joined to the dimensions.
      if (f.from) where.push(`f.date_key >= ${p.add(dateKey(f.from))}`);
      if (f.to) where.push(`f.date_key <= ${p.add(dateKey(f.to))}`);
      if (f.country) {
        where.push(
          `f.country_key IN (SELECT country_key FROM ${s}.dim_country WHERE country_name = ${p.add(f.country)})`,
        );
      }
      if (f.customer) {
        where.push(
          `f.customer_key IN (SELECT customer_key FROM ${s}.dim_customer WHERE customer_id = ${p.add(f.customer)} AND NOT is_unknown)`,
        );
      }
      if (f.stockCode) {
        where.push(
          `f.product_key IN (SELECT product_key FROM ${s}.dim_product WHERE stock_code = ${p.add(f.stockCode)})`,
        );
      }
      if (f.lineType) where.push(`f.line_type = ${p.add(f.lineType)}`);
      const after = decodeCursor('sales', f.cursor, SalesKey);
      if (after) {
        where.push(`(f.date_key, f.row_hash) > (${p.add(after[0])}, ${p.add(after[1])})`);
      }
      const sql = `SELECT f.row_hash AS id, f.date_key, i.invoice_no, f.invoice_ts, d.date::text AS business_date,
          pr.stock_code, pr.description, CASE WHEN cu.is_unknown THEN NULL ELSE cu.customer_id END AS customer_id,
          co.country_name AS country, f.line_type, f.quantity, f.unit_price::text AS unit_price,
          f.line_amount::text AS line_amount, f.amount_eur::text AS amount_eur, f.amount_usd::text AS amount_usd
        FROM (SELECT * FROM ${s}.fact_sales f ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
              ORDER BY f.date_key, f.row_hash LIMIT ${p.add(f.limit + 1)}) f
        JOIN ${s}.dim_date d ON d.date_key = f.date_key
        JOIN ${s}.dim_invoice i ON i.invoice_key = f.invoice_key
        JOIN ${s}.dim_product pr ON pr.product_key = f.product_key
        JOIN ${s}.dim_customer cu ON cu.customer_key = f.customer_key
        JOIN ${s}.dim_country co ON co.country_key = f.country_key
        ORDER BY f.date_key, f.row_hash`;
      // Named (server-side prepared) per filter combination: PostgreSQL plans each shape once per connection.
      const name = `sales-${createHash('sha1').update(sql).digest('hex').slice(0, 16)}`;
      const { rows } = await deps.pool.query<Row>({ name, text: sql, values: p.values });
      const result = page(rows, f.limit, (r) => [r.date_key, r.id], 'sales');
      return {
        items: result.items.map(({ date_key: _k, ...r }) => ({
          ...r,
          invoice_ts: new Date(r.invoice_ts).toISOString(),
          quantity: Number(r.quantity),
        })),
        pagination: result.pagination,
      };
    },
  };
}
