import type { EnrichmentSummary, ProviderSummary } from '../enrichment/index.js';
import type { GoldKpis } from '../gold/gold-step.js';
import type { QualityReport } from '../quality/assess-quality.js';
import { describePartitions, type TouchedPartitions } from '../lake/partitions.js';
import type { SilverEnrichment } from '../silver/enrich-silver.js';
import { formatChecksLine, summaryChecks } from './checks-brief.js';
import { roundMoney } from './money.js';
import { tallyChecks, type CheckResult } from '../quality/check-result.js';
import type { PartitionOutcomeSummary } from './partition-outcomes.js';
import type { DatasetRef, StepOutcome, StepResult, StepStatus } from './step-types.js';

type RunStatus = 'Succeeded' | 'Degraded' | 'Failed';

/** The run summary: a stable contract read by the operator, the API and people (docs/run-summary.md). */
export interface RunSummary {
  runId: string;
  pipeline: string;
  status: RunStatus;
  startedAt: string;
  finishedAt: string;
  /** `medallion run --full-refresh`: every partition was rebuilt from bronze. */
  fullRefresh?: boolean;
  steps: Record<
    string,
    { status: StepStatus; rowsIn: number; rowsOut: number; durationMs: number; note?: string } & Record<
      string,
      unknown
    >
  >;
  quality: QualityReport | null;
  kpis: {
    revenue: number;
    orders: number;
    customers: number;
    units: number;
    averageOrderValue: number;
    cancelledInvoices: number;
    cancellationValue: number;
    /** Σ of the per-line EUR/USD amounts (cents, half-even per line); null when enrichment is disabled. */
    revenueEur: number | null;
    revenueUsd: number | null;
  } | null;
  /** Present on every summary this runner writes; optional for readers of older summaries. */
  enrichment?: EnrichmentReport | null;
  lineage: { inputs: DatasetRef[]; outputs: DatasetRef[] };
  lake: string;
  /** Housekeeping after a successful run: orphans older than the grace period that were deleted. */
  lakeGc?: { graceMs: number; removed: string[]; deletedBytes: number; warning?: string };
  error?: { code: string; message: string; hint?: string };
  /** `--partitions`: each requested partition's outcome (runner/run/partition-outcomes.ts, docs/backfills.md). */
  backfill?: PartitionOutcomeSummary;
}

/** Health of one provider: where its data came from and what it cost (docs/run-summary.md). */
export type ProviderReport = Omit<ProviderSummary, 'source'> & {
  source: ProviderSummary['source'] | 'rules';
};

interface EnrichmentReport {
  currency: EnrichmentSummary['currency'];
  country: EnrichmentSummary['country'];
  product: EnrichmentSummary['product'];
  /** Share of sales revenue (GBP) whose product has a category, 4 decimals; null before gold has run. */
  categoryCoverage: number | null;
  degradedReasons: string[];
}

export function summariseEnrichment(
  e: SilverEnrichment | null | undefined,
  kpis: GoldKpis | undefined,
): EnrichmentReport | null {
  if (!e) return null;
  const coverage = kpis?.categoryCoverage;
  return {
    currency: e.summary.currency,
    country: e.summary.country,
    product: e.summary.product,
    categoryCoverage:
      coverage === null || coverage === undefined ? null : Math.round(coverage * 10_000) / 10_000,
    degradedReasons: e.degradedReasons,
  };
}

export function runStatus(results: StepResult[]): RunStatus {
  if (results.some((r) => r.status === 'Failed')) return 'Failed';
  return results.some((r) => r.status === 'Degraded') ? 'Degraded' : 'Succeeded';
}

export function summariseKpis(k: GoldKpis | undefined): RunSummary['kpis'] {
  if (!k) return null;
  return {
    revenue: roundMoney(k.revenue),
    orders: k.orders,
    customers: k.customers,
    units: k.units,
    averageOrderValue: roundMoney(k.averageOrderValue),
    cancelledInvoices: k.cancelledInvoices,
    cancellationValue: roundMoney(k.cancellationValue),
    revenueEur: k.revenueEur === null || k.revenueEur === undefined ? null : roundMoney(k.revenueEur),
    revenueUsd: k.revenueUsd === null || k.revenueUsd === undefined ? null : roundMoney(k.revenueUsd),
  };
}

/** Picks the summary fields each step contributes, keeping the summary's names stable. */
export function stepSummary(o: StepOutcome): RunSummary['steps'][string] {
  const r = o.result;
  const base = {
    status: r.status,
    rowsIn: r.rowsIn,
    rowsOut: r.rowsOut,
    durationMs: r.durationMs,
    ...(r.note ? { note: r.note } : {}),
  };
  if (o.step === 'bronze') {
    const d = o.result.details;
    return {
      ...base,
      files: d.files ?? [],
      skippedFiles: d.skippedFiles ?? 0,
      malformedRows: d.malformedRows ?? 0,
    };
  }
  if (o.step === 'silver') {
    const { duplicatesRemoved, quarantined, quarantineByRule, lineTypes, version, partitions, checks } =
      o.result.details;
    return {
      ...base,
      duplicatesRemoved,
      quarantined,
      quarantineByRule,
      lineTypes,
      version,
      ...touched(partitions),
      ...(checks ? { checks } : {}),
    };
  }
  if (o.step === 'gold') {
    const { version, partitions, checks } = o.result.details;
    return { ...base, version, ...touched(partitions), ...(checks ? { checks } : {}) };
  }
  if (o.step === 'warehouse') {
    // Where the load's time went (export, dimensions, facts, marts; ms): what to read when a load is slow.
    const timings = (o.result.details.load as { timings?: Record<string, number> } | undefined)?.timings;
    return { ...base, ...touched(o.result.details.partitions), ...(timings ? { timings } : {}) };
  }
  return base;
}

/** The partitions a step recomputed, in full: the summary lives in the lake, so the whole list fits. */
const touched = (p: TouchedPartitions | undefined): { partitions?: TouchedPartitions } =>
  p ? { partitions: { full: p.full, keys: [...p.keys] } } : {};

/** A step's touched partitions as the summary JSON carries them, or undefined (older summaries, other steps). */
export function stepPartitions(step: RunSummary['steps'][string] | undefined): TouchedPartitions | undefined {
  const p = step?.partitions as Partial<TouchedPartitions> | undefined;
  return p && typeof p.full === 'boolean' && Array.isArray(p.keys)
    ? { full: p.full, keys: p.keys }
    : undefined;
}

const money = (n: number): string => n.toLocaleString('en-GB', { minimumFractionDigits: 2 });

/** The summary table printed at the end of `medallion run`. */
export function formatSummaryTable(s: RunSummary): string {
  const rows = Object.entries(s.steps).map(([name, st]) => [
    name,
    st.status,
    st.rowsIn.toLocaleString('en-GB'),
    st.rowsOut.toLocaleString('en-GB'),
    `${(st.durationMs / 1000).toFixed(1)} s`,
    st.note ?? '',
  ]);
  const head = ['step', 'status', 'rows in', 'rows out', 'time', 'note'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i >= 2 && i <= 4 ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  const out = [line(head), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)];
  const parts = Object.entries(s.steps).flatMap(([name, st]) => {
    const p = stepPartitions(st);
    return p ? [`  ${name}: ${describePartitions(p)}`] : [];
  });
  if (parts.length > 0)
    out.push('', `partitions touched${s.fullRefresh ? ' (--full-refresh)' : ''}:`, ...parts);
  if (s.backfill) {
    const b = s.backfill;
    out.push(
      '',
      `backfill ${b.requested}: ${b.counts.succeeded} of ${b.counts.requested} partitions succeeded`,
    );
    if (b.succeeded) out.push(`  Succeeded  ${b.succeeded}`);
    for (const f of b.failed) out.push(`  Failed     ${f.dates}: ${f.reason}`);
  }
  const checks = Object.values(s.steps).flatMap((st) =>
    Array.isArray(st.checks) ? (st.checks as CheckResult[]) : [],
  );
  if (checks.length > 0) out.push('', ...formatChecks(checks));
  out.push('', `run ${s.runId}: ${s.status}`);
  if (s.quality)
    out.push(
      `quality score ${s.quality.score} (completeness ${s.quality.dimensions.completeness}, validity ${s.quality.dimensions.validity}, uniqueness ${s.quality.dimensions.uniqueness})`,
    );
  const checksLine = formatChecksLine(summaryChecks(s.steps));
  if (checksLine) out.push(checksLine);
  if (s.kpis) {
    const k = s.kpis;
    out.push(
      `revenue ${money(k.revenue)}${k.revenueEur === null ? '' : ` (EUR ${money(k.revenueEur)}`}${k.revenueUsd === null ? '' : `, USD ${money(k.revenueUsd)})`}, orders ${k.orders.toLocaleString('en-GB')}, customers ${k.customers.toLocaleString('en-GB')}, units ${k.units.toLocaleString('en-GB')}, AOV ${k.averageOrderValue.toFixed(2)}`,
    );
  }
  if (s.enrichment) {
    const e = s.enrichment;
    const p = (name: string, r: ProviderReport): string =>
      `${name} ${r.source} (${r.calls} calls, ${r.failures} failures, breaker ${r.breakerState})`;
    const coverage =
      e.categoryCoverage === null ? '' : `; ${(e.categoryCoverage * 100).toFixed(2)}% of revenue categorised`;
    out.push(`enrichment: ${p('currency', e.currency)}, ${p('country', e.country)}${coverage}`);
  }
  out.push(`lake ${s.lake}`);
  if (s.lakeGc?.removed.length)
    out.push(`lake gc: removed ${s.lakeGc.removed.length} orphans (${s.lakeGc.deletedBytes} bytes)`);
  if (s.lakeGc?.warning) out.push(`lake gc skipped: ${s.lakeGc.warning}`);
  return out.join('\n');
}

const CHECK_MARK: Record<CheckResult['status'], string> = {
  passed: 'ok  ',
  failed: 'FAIL',
  errored: 'ERR ',
  insufficientHistory: 'wait',
};

/** The declared checks of a run, one line each, failing ones first (docs/quality.md). */
export function formatChecks(checks: readonly CheckResult[]): string[] {
  const t = tallyChecks(checks);
  const rank = (c: CheckResult): number =>
    c.status === 'failed' || c.status === 'errored' ? (c.severity === 'error' ? 0 : 1) : 2;
  const sorted = [...checks].sort((a, b) => rank(a) - rank(b));
  return [
    `quality checks: ${t.passed} passed, ${t.failed} failed, ${t.warned} warned, ${t.insufficientHistory} awaiting history`,
    ...sorted.map(
      (c) =>
        `  ${CHECK_MARK[c.status]} ${c.name} (${c.kind}, ${c.severity}, ${c.layer}/${c.table}): ${c.message}`,
    ),
  ];
}
