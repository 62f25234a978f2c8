import fs from 'node:fs/promises';
import path from 'node:path';
import { StepPreconditionError } from '../errors.js';
import { quoteLiteral } from '../engine/sql-quote.js';
import type { GoldDetails, StepContext, StepResult } from '../run/step-types.js';
import type { LayerVersion } from '../lake/lake-store.js';
import type { SilverMeta } from '../silver/silver-step.js';
import { goldPartKey } from '../lake/gold-parts.js';
import { changedPartitions, type SilverPartition, type TouchedPartitions } from '../lake/partitions.js';
import { fullGold } from './full-gold.js';
import { sparkGold } from './spark-gold.js';
import { GOLD_TABLES, goldAuditSql, type GoldTable } from './gold-sql.js';
import { buildIncrementalGold, type GoldPartition } from './incremental-gold.js';
import { resolveLakeFiles, silverLinesPartitions } from './silver-partitions.js';
import { checksVerdict, commitStepChecks, failingNames } from '../quality/checks/step-checks.js';
import { runGoldChecks } from './gold-checks.js';

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

/** Bumped when the pre-aggregates change, so that parts written by older code are recomputed rather than read.
 * 2: ranges of dates (days of the open month, older months, closed years) with input digests (ADR 0025). */
const PARTS_CONTRACT = 2;

export interface GoldMeta {
  runId: string;
  silverVersion: string;
  contract?: number;
  kpis: GoldKpis;
  rows: Record<string, number>;
  /** Incremental gold (silver partitioned by date): the pre-aggregates of each range of dates (gold-ranges.ts), and
   * the silver partition map they were computed from, which the next run compares with the new one to report the
   * changed partitions. */
  partsContract?: number;
  parts?: Record<string, GoldPartition>;
  silverPartitions?: Record<string, SilverPartition>;
}

type PartitionedSilverMeta = SilverMeta & { partitions?: Record<string, SilverPartition> };

/** Gold: the marts, rebuilt from the current silver version whenever silver has moved on. */
export async function runGoldStep(ctx: StepContext): Promise<StepResult<GoldDetails>> {
  const started = performance.now();
  const { lake, engine, spec, runId } = ctx;
  const dataset = spec.source.dataset;
  const silver = await lake.current<PartitionedSilverMeta>('silver');
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
  if (
    !ctx.fullRefresh &&
    current &&
    current.meta.silverVersion === silver.version &&
    current.meta.contract === GOLD_CONTRACT
  ) {
    ctx.progress.step('gold', `up to date (version ${current.version})`);
    return {
      status: 'Succeeded',
      rowsIn: 0,
      rowsOut: 0,
      durationMs: Math.round(performance.now() - started),
      note: 'up to date',
      inputs,
      outputs: outputsFor(current.meta.rows),
      details: {
        upToDate: true,
        version: current.version,
        kpis: current.meta.kpis,
        partitions: { full: false, keys: [] },
      },
    };
  }
  const staging = await lake.stagingDir(runId, 'gold');
  const outDir = path.join(staging, 'version');
  await fs.mkdir(outDir, { recursive: true });
  const file = (t: GoldTable): string => path.join(outDir, `${t}.parquet`);
  let stagedParts: string[] = [];
  try {
    const silverParts = silver.meta.partitions;
    let rowsIn = silver.meta.counts.silverRows;
    let touched: TouchedPartitions;
    let partsMeta: Pick<GoldMeta, 'parts' | 'silverPartitions' | 'partsContract'> = {};
    const rows: Record<string, number> = {};
    if (ctx.compute) {
      // engine.type spark: a full build, computed by Spark (spark-gold.ts); no pre-aggregates are kept, so the next
      // Spark run builds in full again, and a DuckDB run after it does too.
      const keys = silverParts
        ? silverLinesPartitions(silverParts).flatMap((p) => p.salesLinesFiles)
        : undefined;
      await sparkGold(
        ctx,
        keys
          ? await resolveLakeFiles(lake, keys)
          : await lake.tableFiles('silver', silver as unknown as LayerVersion, 'sales_lines'),
        path.join(staging, 'spark'),
        file,
        rows,
      );
      touched = { full: true, keys: silverParts ? Object.keys(silverParts).sort() : [] };
      ctx.progress.step('gold', `full build on Spark (${ctx.compute.dialect.name})`);
    } else if (!silverParts) {
      // Silver not partitioned by date (built before incremental runs): today's full SQL over all lines.
      await fullGold(
        ctx,
        await lake.tableFiles('silver', silver as unknown as LayerVersion, 'sales_lines'),
        silver.meta.counts.silverRows,
        file,
        rows,
      );
      touched = { full: true, keys: [] };
    } else {
      const prev = current?.meta;
      const usable =
        !ctx.fullRefresh && prev?.partsContract === PARTS_CONTRACT && prev.parts && prev.silverPartitions;
      const changed = usable
        ? changedPartitions(prev.silverPartitions, silverParts)
        : { full: true, keys: Object.keys(silverParts).sort() };
      const result = await buildIncrementalGold({
        engine,
        runId,
        partitions: silverLinesPartitions(silverParts),
        changed,
        previous: usable ? prev.parts : undefined,
        resolve: (keys) => resolveLakeFiles(lake, keys),
        partKey: (p, k) => goldPartKey(dataset, p, k, runId),
        partsDir: path.join(staging, 'parts'),
        outDir,
      });
      Object.assign(rows, result.rows);
      touched = result.touched;
      if (!touched.full) {
        rowsIn = touched.keys.reduce((n, k) => n + (silverParts[k]?.tables.sales_lines?.rows ?? 0), 0);
      }
      stagedParts = result.staged.map((x) => x.key);
      await lake.storePartitionFiles(result.staged.map((x) => ({ local: x.file, key: x.key })));
      partsMeta = { partsContract: PARTS_CONTRACT, parts: result.parts, silverPartitions: silverParts };
      ctx.progress.step(
        'gold',
        `${touched.full ? 'full' : 'incremental'}: ${touched.keys.length} changed partitions, ${result.stats.recomputed.length} ranges recomputed (${result.stats.silverFilesRead} silver files read), ${result.stats.preaggFilesRead} stored pre-aggregate files read, ${result.staged.length} written; ${result.spanningInvoices} invoices span dates`,
      );
    }
    for (const t of tables) ctx.progress.step('gold', `${t}: ${rows[t]} rows`);
    const mismatched = await engine.all(goldAuditSql(file));
    if (mismatched.length > 0)
      throw new Error(`gold audit failed: series do not add up to revenue: ${JSON.stringify(mismatched)}`);
    // User-declared checks on the staged gold tables, before publishing (write–audit–publish).
    const checks = await runGoldChecks(ctx, silver as unknown as LayerVersion, file);
    if (checksVerdict(checks.results) === 'Failed') {
      return {
        status: 'Failed',
        rowsIn,
        rowsOut: 0,
        durationMs: Math.round(performance.now() - started),
        note: `quality check failed: ${failingNames(checks.results, 'error').join(', ')}; nothing published`,
        inputs,
        outputs: outputsFor(),
        details: { checks: checks.results, partitions: touched },
      };
    }
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
    const meta: GoldMeta = {
      runId,
      silverVersion: silver.version,
      contract: GOLD_CONTRACT,
      kpis,
      rows,
      ...partsMeta,
    };
    const outcome = await lake.publishLayer<GoldMeta>('gold', runId, outDir, meta, {
      retain: spec.lake.retainVersions,
      expected: current,
      // Gold follows silver: ours replaces a concurrent run's only while silver is still the version ours read.
      replace: async (theirs) =>
        theirs.meta.silverVersion !== silver.version &&
        (await lake.head('silver'))?.version === silver.version,
    });
    if (!outcome.published) {
      await lake.deletePartitionFiles(stagedParts);
      stagedParts = [];
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
        details: { version: theirs.version, superseded: true, kpis: theirs.meta.kpis, partitions: touched },
      };
    }
    // Publishing pruned the pre-aggregate files only versions that fell out of retainVersions referenced.
    stagedParts = [];
    await commitStepChecks(ctx, checks);
    const warned = failingNames(checks.results, 'warn');
    return {
      status: warned.length > 0 ? 'Degraded' : 'Succeeded',
      rowsIn,
      rowsOut: Object.values(rows).reduce((a, b) => a + b, 0),
      durationMs: Math.round(performance.now() - started),
      ...(warned.length > 0 ? { note: `quality check warned: ${warned.join(', ')}` } : {}),
      inputs,
      outputs: outputsFor(rows),
      details: {
        version: runId,
        kpis,
        partitions: touched,
        ...(checks.results.length > 0 ? { checks: checks.results } : {}),
      },
    };
  } finally {
    // Parts stored by a run that then failed are referenced by nothing.
    if (stagedParts.length > 0) await lake.deletePartitionFiles(stagedParts).catch(() => undefined);
    await lake.discardStaging(runId, 'gold');
  }
}
