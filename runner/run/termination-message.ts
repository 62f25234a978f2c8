import type { RunSummary } from './run-summary.js';

/** Kubernetes keeps at most 4096 bytes of a container's termination message. */
export const TERMINATION_MESSAGE_LIMIT = 4096;

/**
 * The compact step report the operator copies into PipelineRun status (contract: docs/operator.md). A Job runs one
 * step, so the report describes the last step that ran (the failed one, if any). Optional parts are dropped,
 * largest first, until it fits; details stay in the lake.
 */
export function buildTerminationMessage(summary: RunSummary): string {
  const ran = Object.entries(summary.steps).filter(([, s]) => s.status !== 'Skipped');
  const [step, s] = ran.find(([, x]) => x.status === 'Failed') ?? ran[ran.length - 1] ?? ['none', undefined];
  const report: Record<string, unknown> = {
    v: 1,
    step,
    status: s?.status ?? summary.status,
    rowsIn: s?.rowsIn ?? 0,
    rowsOut: s?.rowsOut ?? 0,
    durationMs: s?.durationMs ?? 0,
    ...(s?.note ? { note: s.note } : {}),
    ...(summary.quality
      ? {
          quality: {
            score: summary.quality.score,
            failedChecks: summary.quality.checks.filter((c) => c.status === 'fail').map((c) => c.name),
          },
        }
      : {}),
    // The contract has numbers only: KPIs without a value (e.g. EUR revenue with enrichment off) are left out.
    ...(summary.kpis
      ? { kpis: Object.fromEntries(Object.entries(summary.kpis).filter(([, v]) => typeof v === 'number')) }
      : {}),
    lineage: {
      inputs: summary.lineage.inputs.map((d) => `${d.namespace}/${d.name}`),
      outputs: summary.lineage.outputs.map((d) => `${d.namespace}/${d.name}`),
    },
    ...(summary.error ? { error: { code: summary.error.code, message: summary.error.message } } : {}),
    // ~70 bytes: the operator turns them into medallion_enrichment_breaker_open.
    ...(summary.enrichment
      ? {
          breakers: {
            currency: summary.enrichment.currency.breakerState,
            country: summary.enrichment.country.breakerState,
            product: summary.enrichment.product.breakerState,
          },
        }
      : {}),
  };
  const fits = (): boolean => Buffer.byteLength(JSON.stringify(report)) <= TERMINATION_MESSAGE_LIMIT;
  for (const drop of ['lineage', 'kpis', 'breakers', 'quality'] as const) {
    if (fits()) break;
    delete report[drop];
  }
  for (const key of ['note', 'error'] as const) {
    if (fits()) break;
    if (key === 'note' && typeof report.note === 'string') report.note = report.note.slice(0, 512);
    if (key === 'error' && report.error) {
      const e = report.error as { code: string; message: string };
      report.error = { code: e.code, message: e.message.slice(0, 1024) };
    }
  }
  return JSON.stringify(report);
}
