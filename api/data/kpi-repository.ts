import type pg from 'pg';
import type { LoadCache } from './load-cache.js';
import { quoteIdent } from '../../runner/engine/sql-quote.js';
import { dateKey, params } from './sql.js';

export interface DateRange {
  from?: string | undefined;
  to?: string | undefined;
}

interface KpiSummary {
  from: string | null;
  to: string | null;
  revenue: string;
  orders: number;
  customers: number;
  units: number;
  average_order_value: string | null;
  cancelled_invoices: number;
  cancellation_value: string;
  revenue_eur: string | null;
  revenue_usd: string | null;
}

interface KpiPoint {
  period: string;
  revenue: string;
  orders: number;
  customers: number;
  units: number;
  revenue_eur: string | null;
  revenue_usd: string | null;
}

interface CountryKpi extends Omit<KpiPoint, 'period'> {
  country: string;
}

const num = (v: unknown): number => Number(v);
const dec = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

const point = (r: Record<string, unknown>) => ({
  revenue: dec(r.revenue) ?? '0',
  orders: num(r.orders),
  customers: num(r.customers),
  units: num(r.units),
  revenue_eur: dec(r.revenue_eur),
  revenue_usd: dec(r.revenue_usd),
});

/**
 * KPIs. Without a date range they are the gold marts exactly as the gold step computed them (mart_kpis,
 * mart_kpi_daily, mart_kpi_monthly); a range summary and the by-country breakdown are computed from fact_sales, since
 * distinct orders and customers do not add up across days. Every answer is cached until the next warehouse load.
 */
export function createKpiRepository(deps: { pool: pg.Pool; schema: string; cache: LoadCache }) {
  const s = quoteIdent(deps.schema);
  const query = async (sql: string, values: unknown[] = []) => (await deps.pool.query(sql, values)).rows;

  const rangeWhere = (range: DateRange, p: ReturnType<typeof params>): string[] => [
    ...(range.from ? [`f.date_key >= ${p.add(dateKey(range.from))}`] : []),
    ...(range.to ? [`f.date_key <= ${p.add(dateKey(range.to))}`] : []),
  ];

  const summaryFromFacts = async (range: DateRange): Promise<KpiSummary> => {
    const p = params();
    const where = rangeWhere(range, p);
    const [r] = await query(
      `SELECT
         coalesce(sum(f.line_amount) FILTER (WHERE f.line_type = 'sale'), 0)::text AS revenue,
         count(DISTINCT f.invoice_key) FILTER (WHERE f.line_type = 'sale') AS orders,
         count(DISTINCT cu.customer_id) FILTER (WHERE f.line_type = 'sale' AND NOT cu.is_unknown) AS customers,
         coalesce(sum(f.quantity) FILTER (WHERE f.line_type = 'sale'), 0) AS units,
         (sum(f.line_amount) FILTER (WHERE f.line_type = 'sale')
           / nullif(count(DISTINCT f.invoice_key) FILTER (WHERE f.line_type = 'sale'), 0))::numeric(38,6)::text
           AS average_order_value,
         count(DISTINCT f.invoice_key) FILTER (WHERE f.line_type = 'cancellation') AS cancelled_invoices,
         (-coalesce(sum(f.line_amount) FILTER (WHERE f.line_type = 'cancellation'), 0))::text AS cancellation_value,
         (sum(f.amount_eur) FILTER (WHERE f.line_type = 'sale'))::numeric(38,2)::text AS revenue_eur,
         (sum(f.amount_usd) FILTER (WHERE f.line_type = 'sale'))::numeric(38,2)::text AS revenue_usd
       FROM ${s}.fact_sales f JOIN ${s}.dim_customer cu ON cu.customer_key = f.customer_key
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}`,
      p.values,
    );
    return {
      from: range.from ?? null,
      to: range.to ?? null,
      ...point(r!),
      average_order_value: dec(r!.average_order_value),
      cancelled_invoices: num(r!.cancelled_invoices),
      cancellation_value: dec(r!.cancellation_value) ?? '0',
    };
  };

  const summaryFromMart = async (): Promise<KpiSummary | undefined> => {
    const [r] = await query(
      `SELECT revenue::text, orders, customers, units, average_order_value::text,
         cancelled_invoices, cancellation_value::text, revenue_eur::text, revenue_usd::text FROM ${s}.mart_kpis`,
    );
    if (!r) return undefined;
    return {
      from: null,
      to: null,
      ...point(r),
      average_order_value: dec(r.average_order_value),
      cancelled_invoices: num(r.cancelled_invoices),
      cancellation_value: dec(r.cancellation_value) ?? '0',
    };
  };

  const series =
    (table: 'mart_kpi_daily' | 'mart_kpi_monthly', column: 'business_date' | 'month') =>
    async (range: DateRange): Promise<KpiPoint[]> => {
      const p = params();
      // A month is in range when any of its days is: it starts on or before `to`, in or after `from`'s month.
      const where = [
        ...(range.from
          ? [
              column === 'month'
                ? `month >= date_trunc('month', ${p.add(range.from)}::date)::date`
                : `business_date >= ${p.add(range.from)}::date`,
            ]
          : []),
        ...(range.to ? [`${column} <= ${p.add(range.to)}::date`] : []),
      ];
      const rows = await query(
        `SELECT ${column}::text AS period, revenue::text, orders, customers, units, revenue_eur::text,
           revenue_usd::text FROM ${s}.${table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY ${column}`,
        p.values,
      );
      return rows.map((r) => ({ period: String(r.period), ...point(r) }));
    };

  const daily = series('mart_kpi_daily', 'business_date');
  const monthly = series('mart_kpi_monthly', 'month');

  const byCountry = async (range: DateRange): Promise<CountryKpi[]> => {
    const p = params();
    const where = [`f.line_type = 'sale'`, ...rangeWhere(range, p)];
    const rows = await query(
      `SELECT co.country_name AS country, sum(f.line_amount)::text AS revenue,
         count(DISTINCT f.invoice_key) AS orders,
         count(DISTINCT cu.customer_id) FILTER (WHERE NOT cu.is_unknown) AS customers,
         sum(f.quantity) AS units, sum(f.amount_eur)::numeric(38,2)::text AS revenue_eur,
         sum(f.amount_usd)::numeric(38,2)::text AS revenue_usd
       FROM ${s}.fact_sales f
       JOIN ${s}.dim_customer cu ON cu.customer_key = f.customer_key
       JOIN ${s}.dim_country co ON co.country_key = f.country_key
       WHERE ${where.join(' AND ')}
       GROUP BY co.country_name ORDER BY sum(f.line_amount) DESC, co.country_name`,
      p.values,
    );
    return rows.map((r) => ({ country: String(r.country), ...point(r) }));
  };

  const key = (name: string, range: DateRange) => `${name}|${range.from ?? ''}|${range.to ?? ''}`;
  return {
    summary: (range: DateRange) =>
      deps.cache.get(key('summary', range), () =>
        range.from || range.to ? summaryFromFacts(range) : summaryFromMart(),
      ),
    daily: (range: DateRange) => deps.cache.get(key('daily', range), () => daily(range)),
    monthly: (range: DateRange) => deps.cache.get(key('monthly', range), () => monthly(range)),
    byCountry: (range: DateRange) => deps.cache.get(key('country', range), () => byCountry(range)),
  };
}

export type KpiRepository = ReturnType<typeof createKpiRepository>;
