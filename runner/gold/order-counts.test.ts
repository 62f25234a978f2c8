import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { orderCountsSql } from './gold-sql.js';

/** Orders counted in slices of invoices must equal a plain count(DISTINCT), whatever the number of slices. */
describe('orderCountsSql', () => {
  it.each([1, 3, 7])(
    'counts distinct invoices per product and category exactly with %i slice(s)',
    async (parts) => {
      const db = await DuckDBInstance.create(':memory:');
      const c = await db.connect();
      try {
        await c.run(`CREATE TEMP VIEW lines AS
        SELECT 'P' || (i % 13) AS stock_code, CASE WHEN i % 5 = 0 THEN NULL ELSE 'C' || (i % 4) END AS category,
               'INV' || (i // 3) AS invoice_no, CASE WHEN i % 11 = 0 THEN 'cancellation' ELSE 'sale' END AS line_type
        FROM range(5000) t(i)`);
        for (const sql of orderCountsSql(parts)) await c.run(sql);
        const diff = async (sql: string) => (await c.runAndReadAll(sql)).getRows();
        expect(
          await diff(`SELECT stock_code, orders FROM product_orders EXCEPT
                    SELECT stock_code, count(DISTINCT invoice_no) FROM lines WHERE line_type = 'sale' GROUP BY ALL`),
        ).toEqual([]);
        expect(
          await diff(`SELECT category, orders FROM category_orders EXCEPT
                    SELECT category, count(DISTINCT invoice_no) FROM lines WHERE line_type = 'sale' GROUP BY ALL`),
        ).toEqual([]);
        expect((await diff('SELECT count(*) FROM product_orders'))[0]![0]).toBe(13n);
      } finally {
        c.closeSync();
        db.closeSync();
      }
    },
  );
});
