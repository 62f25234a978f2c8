import { briefPartitionOutcomes } from './partition-outcomes.js';
import { briefChecks, stepChecks } from './checks-brief.js';
import { briefPartitions } from './partitions-brief.js';
import { stepPartitions, type RunSummary } from './run-summary.js';
import { STEP_REPORT_LIMITS, STEP_REPORT_MAX_BYTES, type StepReportInput } from './step-report.js';

const count = (n: number | undefined): number => Math.max(0, Math.round(n ?? 0));
const names = (refs: { namespace: string; name: string }[]): string[] =>
  refs.slice(0, STEP_REPORT_LIMITS.names).map((d) => `${d.namespace}/${d.name}`);

/**
 * The step report (runner/run/step-report.ts) of a run. A Job runs one step, so the report describes the last step
 * that ran (the failed one, if any). Optional parts are dropped, largest first, until it fits in
 * STEP_REPORT_MAX_BYTES; details stay in the lake.
 */
export function buildTerminationMessage(summary: RunSummary): string {
  const ran = Object.entries(summary.steps).filter(([, s]) => s.status !== 'Skipped');
  const [step, s] = ran.find(([, x]) => x.status === 'Failed') ?? ran[ran.length - 1] ?? ['none', undefined];
  const partitions = stepPartitions(s);
  const checks = stepChecks(s);
  const report: StepReportInput = {
    v: 1,
    step,
    status: s?.status ?? summary.status,
    rowsIn: count(s?.rowsIn),
    rowsOut: count(s?.rowsOut),
    durationMs: count(s?.durationMs),
    ...(s?.note ? { note: s.note.slice(0, STEP_REPORT_LIMITS.note) } : {}),
    ...(summary.quality
      ? {
          quality: {
            score: summary.quality.score,
            failedChecks: summary.quality.checks
              .filter((c) => c.status === 'fail')
              .map((c) => c.name)
              .slice(0, STEP_REPORT_LIMITS.names),
          },
        }
      : {}),
    // The contract has numbers only: KPIs without a value (e.g. EUR revenue with enrichment off) are left out.
    ...(summary.kpis
      ? {
          kpis: Object.fromEntries(
            Object.entries(summary.kpis).filter((e): e is [string, number] => typeof e[1] === 'number'),
          ),
        }
      : {}),
    // At most ~1.1 KiB: the counts, and the failing names up to a byte budget (the operator shows which check failed).
    ...(checks.length > 0 ? { checks: briefChecks(checks) } : {}),
    lineage: { inputs: names(summary.lineage.inputs), outputs: names(summary.lineage.outputs) },
    // ~70 bytes whatever the number of partitions: a count and a range, never the list.
    ...(partitions ? { partitions: briefPartitions(partitions) } : {}),
    ...(summary.backfill ? { backfill: briefPartitionOutcomes(summary.backfill) } : {}),
    ...(summary.error
      ? {
          error: {
            code: summary.error.code,
            message: summary.error.message.slice(0, STEP_REPORT_LIMITS.errorMessage),
          },
        }
      : {}),
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
  const fits = (): boolean => Buffer.byteLength(JSON.stringify(report)) <= STEP_REPORT_MAX_BYTES;
  for (const drop of ['lineage', 'kpis', 'breakers', 'quality'] as const) {
    if (fits()) break;
    delete report[drop];
  }
  // The checks' counts are worth more than their names: names go last, and only as far as needed.
  while (!fits() && report.checks && report.checks.failing.length > 0) report.checks.failing.pop();
  // Then the texts: note to 512 and the error to 1024 characters, halving both while escapes still overflow.
  for (let room = 1024; !fits() && room >= 1; room = Math.floor(room / 2)) {
    if (report.note !== undefined) report.note = report.note.slice(0, Math.min(room, 512));
    if (!fits() && report.error)
      report.error = { ...report.error, message: report.error.message.slice(0, room) };
  }
  return JSON.stringify(report);
}
