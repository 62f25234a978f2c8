/**
 * The tables a declared check may name, with their columns: what `medallion validate` (through the spec schema)
 * checks a definition against. check-tables.test.ts compares this list with the columns of tables a real run
 * writes, so it cannot drift from silver-sql.ts and gold-sql.ts unnoticed.
 */
const GOLD_MEASURES = ['revenue', 'orders', 'customers', 'units', 'revenue_eur', 'revenue_usd'];

export const CHECK_TABLES = {
  silver: {
    sales_lines: [
      'invoice_no',
      'stock_code',
      'description',
      'quantity',
      'unit_price',
      'line_amount',
      'invoice_ts',
      'invoice_local_ts',
      'business_date',
      'customer_id',
      'country',
      'line_type',
      'source_file',
      'source_line',
      'row_hash',
      'ingest_run_id',
      'amount_eur',
      'amount_usd',
      'fx_rate_date',
      'category',
    ],
    // Quarantine and duplicates carry no date of their own: the check view adds their partition's business_date.
    quarantine: [
      'rule_id',
      'message',
      'source_file',
      'source_line',
      'row_hash',
      'ingest_run_id',
      'invoice_no',
      'stock_code',
      'description',
      'quantity',
      'invoice_date',
      'unit_price',
      'customer_id',
      'country',
      'raw_record',
      'business_date',
    ],
    duplicates: [
      'source_file',
      'source_line',
      'row_hash',
      'kept_source_file',
      'kept_source_line',
      'business_date',
    ],
  },
  gold: {
    kpis: [
      'revenue',
      'orders',
      'customers',
      'units',
      'average_order_value',
      'cancelled_invoices',
      'cancellation_value',
      'revenue_eur',
      'revenue_usd',
      'categorised_revenue',
      'category_coverage',
    ],
    kpi_daily: ['business_date', ...GOLD_MEASURES],
    kpi_monthly: ['month', ...GOLD_MEASURES],
    country_daily: ['business_date', 'country', ...GOLD_MEASURES],
    country_monthly: ['month', 'country', ...GOLD_MEASURES],
    top_products: ['rank', 'stock_code', 'description', 'revenue', 'units', 'orders', 'category'],
    category_sales: ['category', 'revenue', 'revenue_share', 'units', 'orders', 'revenue_eur', 'revenue_usd'],
    rfm: [
      'customer_id',
      'last_purchase_date',
      'recency_days',
      'frequency',
      'monetary',
      'r_score',
      'f_score',
      'm_score',
      'segment',
    ],
    cohorts: ['cohort_month', 'period', 'cohort_size', 'customers', 'retention_rate'],
  },
} as const satisfies Record<'silver' | 'gold', Record<string, readonly string[]>>;

export type CheckLayer = keyof typeof CHECK_TABLES;

/** Columns of a layer's table, or undefined when the layer has no such table. */
export function checkTableColumns(layer: CheckLayer, table: string): readonly string[] | undefined {
  return (CHECK_TABLES[layer] as Record<string, readonly string[]>)[table];
}
