import path from 'node:path';
import { StepPreconditionError } from '../errors.js';
import { quoteLiteral } from '../engine/sql-quote.js';
import type { GoldDetails, StepContext, StepResult } from '../run/step-types.js';
import type { SilverMeta } from '../silver/silver-step.js';
import { copyGoldSql, GOLD_TABLES, goldAuditSql, orderCountsSql, type GoldTable } from './gold-sql.js';

/** Headline KPIs as exact decimal strings (money with 6 places) and integers. */
export interface GoldKpis {
  revenue: string;
  orders: number;
  customers: number;
  units: number;
  averageOrderValue: string;
  cancelledInvoices: number;
  cancellationValue: string;
  /** Σ of the per-line EUR/USD cents of silver (2 decimals, exact); null when enrichment is disabled. */
  revenueEur: string | null;
  revenueUsd: string | null;
  /** Revenue (GBP) of sales lines whose description has a product category, and its share of revenue. */
  categorisedRevenue: string;
  categoryCoverage: number | null;
}

/** Bumped when gold's tables change, so that a version built by older code is rebuilt rather than reported. */
const GOLD_CONTRACT = 2;

/** Columns gold reads that a silver version written before enrichment lacks; they read as null. */
const ENRICHED_SILVER_COLUMNS = [
  ['amount_eur', 'DECIMAL(38,2)'],
  ['amount_usd', 'DECIMAL(38,2)'],
  ['fx_rate_date', 'DATE'],
  ['category', 'VARCHAR'],
] as const;

export interface GoldMeta {
  runId: string;
  silverVersion: string;
  contract?: number;
  kpis: GoldKpis;
  rows: Record<string, number>;
}

/** Gold: the marts, rebuilt from the current silver version whenever silver has moved on. */
export async function runGoldStep(ctx: StepContext): Promise<StepResult<GoldDetails>> {
  const started = performance.now();
  const { lake, engine, spec, runId } = ctx;
  const dataset = spec.source.dataset;
  const silver = await lake.current<SilverMeta>('silver');
  if (!silver) {
    throw new StepPreconditionError(
      'gold has no input: silver has not been published yet',
      'Run the silver step first (or all steps).',
    );
  }
  const tables = Object.keys(GOLD_TABLES) as GoldTable[];
  const inputs = [
    {
      namespace: lake.namespace,
      name: `silver/${dataset}/sales_lines`,
      rowCount: silver.meta.counts.silverRows,
    },
  ];
  const outputsFor = (rows?: Record<string, number>): StepResult['outputs'] =>
    tables.map((t) => ({
      namespace: lake.namespace,
      name: `gold/${dataset}/${t}`,
      ...(rows ? { rowCount: rows[t] ?? 0 } : {}),
    }));
  const current = await lake.head<GoldMeta>('gold');
  if (current && current.meta.silverVersion === silver.version && current.meta.contract === GOLD_CONTRACT) {
    ctx.progress.step('gold', `up to date (version ${current.version})`);
    return {
      status: 'Succeeded',
      rowsIn: 0,
      rowsOut: 0,
      durationMs: Math.round(performance.now() - started),
      note: 'up to date',
      inputs,
      outputs: outputsFor(current.meta.rows),
      details: { upToDate: true, version: current.version, kpis: current.meta.kpis },
    };
  }
  const staging = await lake.stagingDir(runId, 'gold');
  try {
    const source = `read_parquet(${quoteLiteral(path.join(silver.dir, 'sales_lines.parquet'))})`;
    const present = new Set(
      (await engine.all(`DESCRIBE SELECT * FROM ${source}`)).map((r) => String(r.column_name)),
    );
    const missing = ENRICHED_SILVER_COLUMNS.filter(([c]) => !present.has(c)).map(
      ([c, t]) => `, NULL::${t} AS ${c}`,
    );
    // A view, not a table: each mart streams from the compressed Parquet, so nothing big is held in memory.
    await engine.run(`CREATE OR REPLACE TEMP VIEW lines AS SELECT *${missing.join('')} FROM ${source}`);
    // About 20M lines per slice keeps the order counts well inside the default 1 GiB engine memory.
    const slices = Math.max(1, Math.ceil(silver.meta.counts.silverRows / 20_000_000));
    for (const sql of orderCountsSql(slices)) await engine.run(sql);
    const file = (t: GoldTable): string => path.join(staging, `${t}.parquet`);
    const rows: Record<string, number> = {};
    for (const t of tables) {
      await engine.run(copyGoldSql(t, file(t)));
      const [r] = await engine.all(`SELECT count(*) AS n FROM read_parquet(${quoteLiteral(file(t))})`);
      rows[t] = Number(r?.n ?? 0);
      ctx.progress.step('gold', `${t}: ${rows[t]} rows`);
    }
    const mismatched = await engine.all(goldAuditSql(file));
    if (mismatched.length > 0)
      throw new Error(`gold audit failed: series do not add up to revenue: ${JSON.stringify(mismatched)}`);
    const [k] = await engine.all(`SELECT * FROM read_parquet(${quoteLiteral(file('kpis'))})`);
    const kpis: GoldKpis = {
      revenue: String(k?.revenue),
      orders: Number(k?.orders),
      customers: Number(k?.customers),
      units: Number(k?.units),
      averageOrderValue: String(k?.average_order_value),
      cancelledInvoices: Number(k?.cancelled_invoices),
      cancellationValue: String(k?.cancellation_value),
      revenueEur: k?.revenue_eur == null ? null : String(k.revenue_eur),
      revenueUsd: k?.revenue_usd == null ? null : String(k.revenue_usd),
      categorisedRevenue: String(k?.categorised_revenue),
      categoryCoverage: k?.category_coverage == null ? null : Number(k.category_coverage),
    };
    const meta: GoldMeta = { runId, silverVersion: silver.version, contract: GOLD_CONTRACT, kpis, rows };
    const outcome = await lake.publishLayer<GoldMeta>('gold', runId, staging, meta, {
      retain: spec.lake.retainVersions,
      expected: current,
      // Gold follows silver: ours replaces a concurrent run's only while silver is still the version ours read.
      replace: async (theirs) =>
        theirs.meta.silverVersion !== silver.version &&
        (await lake.head('silver'))?.version === silver.version,
    });
    if (!outcome.published) {
      const theirs = outcome.current;
      const note = `superseded: concurrent run ${theirs.meta.runId} published gold version ${theirs.version} from silver version ${theirs.meta.silverVersion}; this run's version was discarded`;
      ctx.logger.warn({ theirs: theirs.version }, note);
      return {
        status: 'Succeeded',
        rowsIn: silver.meta.counts.silverRows,
        rowsOut: 0,
        durationMs: Math.round(performance.now() - started),
        note,
        inputs,
        outputs: outputsFor(theirs.meta.rows),
        details: { version: theirs.version, superseded: true, kpis: theirs.meta.kpis },
      };
    }
    return {
      status: 'Succeeded',
      rowsIn: silver.meta.counts.silverRows,
      rowsOut: Object.values(rows).reduce((a, b) => a + b, 0),
      durationMs: Math.round(performance.now() - started),
      inputs,
      outputs: outputsFor(rows),
      details: { version: runId, kpis },
    };
  } finally {
    await lake.discardStaging(runId, 'gold');
    for (const t of ['product_order_parts', 'category_order_parts', 'product_orders', 'category_orders']) {
      await engine.run(`DROP TABLE IF EXISTS ${t}`);
    }
    await engine.run('DROP VIEW IF EXISTS lines');
  }
}
