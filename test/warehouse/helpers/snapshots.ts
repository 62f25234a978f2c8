import type pg from 'pg';

/**
 * Content of every warehouse table by natural keys (surrogate keys and run ids resolved or left out), as one md5
 * per table. Two warehouses with equal snapshots answer every business question the same way.
 */
const NATURAL: Record<string, string> = {
  dim_date: 'SELECT * FROM dim_date',
  dim_country: `SELECT country_name, iso2, iso3, region, currency, kind, official_name, subregion,
    not_a_country_reason FROM dim_country`,
  dim_product: `SELECT stock_code, description, is_merchandise, category, first_seen_date, last_seen_date,
    latest_unit_price FROM dim_product`,
  dim_invoice:
    'SELECT invoice_no, invoice_ts, business_date, date_key, is_cancellation, line_count FROM dim_invoice',
  dim_customer: `SELECT customer_id, country_name, valid_from, valid_to, is_current, version, is_unknown
    FROM dim_customer`,
  fact_sales: `SELECT f.row_hash, f.date_key, c.customer_id, c.valid_from, p.stock_code, k.country_name, i.invoice_no,
      f.line_type, f.quantity, f.unit_price, f.line_amount, f.amount_eur, f.amount_usd, f.invoice_ts, f.source_file,
      f.source_line, f.ingest_run_id
    FROM fact_sales f JOIN dim_customer c USING (customer_key) JOIN dim_product p USING (product_key)
      JOIN dim_country k USING (country_key) JOIN dim_invoice i USING (invoice_key)`,
};

export const naturalSnapshot = async (pool: pg.Pool, schema: string): Promise<Record<string, string>> => {
  const client = await pool.connect();
  try {
    await client.query(`SET search_path TO "${schema}"`);
    const marts = await client.query<{ relname: string }>(
      `SELECT relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = $1 AND relkind = 'r' AND relname LIKE 'mart\\_%' ORDER BY 1`,
      [schema],
    );
    const queries = { ...NATURAL };
    for (const { relname } of marts.rows) queries[relname] = `SELECT * FROM "${relname}"`;
    const result: Record<string, string> = {};
    for (const [table, sql] of Object.entries(queries)) {
      const { rows } = await client.query<{ n: string; h: string | null }>(
        `SELECT count(*) AS n, md5(string_agg(t::text, E'\\n' ORDER BY t::text COLLATE "C")) AS h FROM (${sql}) t`,
      );
      result[table] = `${rows[0]?.n}:${rows[0]?.h}`;
    }
    return result;
  } finally {
    client.release();
  }
};
