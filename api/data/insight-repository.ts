import type pg from 'pg';
import type { DateRange } from './kpi-repository.js';
import type { LoadCache } from './load-cache.js';
import { quoteIdent } from '../../runner/engine/sql-quote.js';
import { dateKey, params } from './sql.js';

export interface CategorySales {
  category: string | null;
  revenue: string;
  units: number;
  orders: number;
  revenue_eur: string | null;
  revenue_usd: string | null;
}

export interface TopProduct {
  rank: number;
  stock_code: string;
  description: string | null;
  category: string | null;
  revenue: string;
  units: number;
  orders: number;
}

export interface RfmSegment {
  segment: string;
  customers: number;
  monetary: string;
  average_recency_days: number;
  average_frequency: number;
}

export interface CohortCell {
  cohort_month: string;
  period: number;
  cohort_size: number;
  customers: number;
  retention_rate: number;
}

const dec = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/**
 * The console's analytical reads beyond the KPI series. Category sales and top products are computed from fact_sales
 * over the range (the gold marts only hold the whole history); RFM segments and cohorts are the gold marts (mart_rfm,
 * mart_cohorts) because a customer's score is relative to every other customer's whole history. Cached per load.
 */
export function createInsightRepository(deps: { pool: pg.Pool; schema: string; cache: LoadCache }) {
  const s = quoteIdent(deps.schema);
  const query = async (sql: string, values: unknown[] = []) => (await deps.pool.query(sql, values)).rows;
  const rangeWhere = (range: DateRange, p: ReturnType<typeof params>): string[] => [
    `f.line_type = 'sale'`,
    ...(range.from ? [`f.date_key >= ${p.add(dateKey(range.from))}`] : []),
    ...(range.to ? [`f.date_key <= ${p.add(dateKey(range.to))}`] : []),
  ];

  const categories = async (range: DateRange): Promise<CategorySales[]> => {
    const p = params();
    const rows = await query(
      `SELECT pr.category, sum(f.line_amount)::text AS revenue, sum(f.quantity) AS units,
         count(DISTINCT f.invoice_key) AS orders, sum(f.amount_eur)::numeric(38,2)::text AS revenue_eur,
         sum(f.amount_usd)::numeric(38,2)::text AS revenue_usd
       FROM ${s}.fact_sales f JOIN ${s}.dim_product pr ON pr.product_key = f.product_key
       WHERE ${rangeWhere(range, p).join(' AND ')}
       GROUP BY pr.category ORDER BY pr.category IS NULL, sum(f.line_amount) DESC, pr.category`,
      p.values,
    );
    return rows.map((r) => ({
      category: dec(r.category),
      revenue: dec(r.revenue) ?? '0',
      units: Number(r.units),
      orders: Number(r.orders),
      revenue_eur: dec(r.revenue_eur),
      revenue_usd: dec(r.revenue_usd),
    }));
  };

  const topProducts = async (range: DateRange & { limit: number }): Promise<TopProduct[]> => {
    const p = params();
    const where = rangeWhere(range, p).join(' AND ');
    const rows = await query(
      `SELECT pr.stock_code, pr.description, pr.category, sum(f.line_amount)::text AS revenue,
         sum(f.quantity) AS units, count(DISTINCT f.invoice_key) AS orders
       FROM ${s}.fact_sales f JOIN ${s}.dim_product pr ON pr.product_key = f.product_key
       WHERE ${where}
       GROUP BY pr.stock_code, pr.description, pr.category
       ORDER BY sum(f.line_amount) DESC, pr.stock_code LIMIT ${p.add(range.limit)}`,
      p.values,
    );
    return rows.map((r, i) => ({
      rank: i + 1,
      stock_code: String(r.stock_code),
      description: dec(r.description),
      category: dec(r.category),
      revenue: dec(r.revenue) ?? '0',
      units: Number(r.units),
      orders: Number(r.orders),
    }));
  };

  const rfm = async (): Promise<RfmSegment[]> => {
    const rows = await query(
      `SELECT segment, count(*) AS customers, sum(monetary)::text AS monetary,
         round(avg(recency_days)::numeric, 1)::float8 AS average_recency_days,
         round(avg(frequency)::numeric, 2)::float8 AS average_frequency
       FROM ${s}.mart_rfm GROUP BY segment ORDER BY count(*) DESC, segment`,
    );
    return rows.map((r) => ({
      segment: String(r.segment),
      customers: Number(r.customers),
      monetary: dec(r.monetary) ?? '0',
      average_recency_days: Number(r.average_recency_days),
      average_frequency: Number(r.average_frequency),
    }));
  };

  const cohorts = async (range: DateRange): Promise<CohortCell[]> => {
    const p = params();
    // A cohort belongs to the range when its first month overlaps it.
    const where = [
      ...(range.from ? [`cohort_month >= date_trunc('month', ${p.add(range.from)}::date)`] : []),
      ...(range.to ? [`cohort_month <= ${p.add(range.to)}::date`] : []),
    ];
    const rows = await query(
      `SELECT to_char(cohort_month, 'YYYY-MM-DD') AS cohort_month, period, cohort_size, customers,
         retention_rate::float8 AS retention_rate
       FROM ${s}.mart_cohorts ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY cohort_month, period`,
      p.values,
    );
    return rows.map((r) => ({
      cohort_month: String(r.cohort_month),
      period: Number(r.period),
      cohort_size: Number(r.cohort_size),
      customers: Number(r.customers),
      retention_rate: Number(r.retention_rate),
    }));
  };

  const key = (name: string, range: DateRange & { limit?: number }) =>
    `insight|${name}|${range.from ?? ''}|${range.to ?? ''}|${range.limit ?? ''}`;
  return {
    categories: (range: DateRange) => deps.cache.get(key('categories', range), () => categories(range)),
    topProducts: (range: DateRange & { limit: number }) =>
      deps.cache.get(key('top', range), () => topProducts(range)),
    rfm: () => deps.cache.get('insight|rfm', rfm),
    cohorts: (range: DateRange) => deps.cache.get(key('cohorts', range), () => cohorts(range)),
  };
}

export type InsightRepository = ReturnType<typeof createInsightRepository>;
