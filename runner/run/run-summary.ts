import type { GoldKpis } from '../gold/gold-step.js';
import type { QualityReport } from '../quality/assess-quality.js';
import { roundMoney } from './money.js';
import type { DatasetRef, StepResult, StepStatus } from './step-types.js';

export type RunStatus = 'Succeeded' | 'Degraded' | 'Failed';

/** The run summary: a stable contract read by the operator, the API and people (docs/run-summary.md). */
export interface RunSummary {
  runId: string;
  pipeline: string;
  status: RunStatus;
  startedAt: string;
  finishedAt: string;
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
  } | null;
  lineage: { inputs: DatasetRef[]; outputs: DatasetRef[] };
  lake: string;
  error?: { code: string; message: string; hint?: string };
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
  };
}

/** Picks the summary fields each step contributes, keeping the summary's names stable. */
export function stepSummary(step: string, r: StepResult): RunSummary['steps'][string] {
  const base = {
    status: r.status,
    rowsIn: r.rowsIn,
    rowsOut: r.rowsOut,
    durationMs: r.durationMs,
    ...(r.note ? { note: r.note } : {}),
  };
  if (step === 'bronze')
    return {
      ...base,
      files: r.details.files ?? [],
      skippedFiles: r.details.skippedFiles ?? 0,
      malformedRows: r.details.malformedRows ?? 0,
    };
  if (step === 'silver') {
    const { duplicatesRemoved, quarantined, quarantineByRule, lineTypes, version } = r.details;
    return { ...base, duplicatesRemoved, quarantined, quarantineByRule, lineTypes, version };
  }
  if (step === 'gold') return { ...base, version: r.details.version };
  return base;
}

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
  out.push('', `run ${s.runId}: ${s.status}`);
  if (s.quality)
    out.push(
      `quality score ${s.quality.score} (completeness ${s.quality.dimensions.completeness}, validity ${s.quality.dimensions.validity}, uniqueness ${s.quality.dimensions.uniqueness})`,
    );
  if (s.kpis) {
    const k = s.kpis;
    out.push(
      `revenue ${k.revenue.toLocaleString('en-GB', { minimumFractionDigits: 2 })}, orders ${k.orders.toLocaleString('en-GB')}, customers ${k.customers.toLocaleString('en-GB')}, units ${k.units.toLocaleString('en-GB')}, AOV ${k.averageOrderValue.toFixed(2)}`,
    );
  }
  out.push(`lake ${s.lake}`);
  return out.join('\n');
}
