import type { PipelineRunStatus, StepStatus } from '../spec/pipeline-run.js';
import { applyStepChecks } from './checks-status.js';
import type { ParsedReport, StepReport } from './termination-message.js';

const union = (a: string[] | undefined, b: string[] | undefined) =>
  [...new Set([...(a ?? []), ...(b ?? [])])].slice(0, 64);

/**
 * Marks a step finished and copies its report (rows, duration, quality, KPIs, lineage) into the run status. The Job's
 * exit status is the truth about success; a missing or broken report only costs the details, noted in the message.
 */
export function applyReport(
  status: PipelineRunStatus,
  step: StepStatus,
  parsed: ParsedReport,
  completedAt: string,
) {
  step.phase = 'Succeeded';
  step.completionTime = completedAt;
  delete step.nextAttemptTime;
  if (!parsed.ok) {
    step.message = `succeeded without a step report (${parsed.problem})`.slice(0, 4096);
    return;
  }
  const r = parsed.report;
  // A failed warn-severity check degrades its step (and so the run) even if an older runner called the step Succeeded.
  if (r.status === 'Degraded' || (r.checks?.warned ?? 0) > 0) step.phase = 'Degraded';
  applyMeasurements(status, step, r);
  if (r.note) step.message = r.note;
  else delete step.message;
  // A retried step's earlier attempt may have reported partitions; the successful attempt's report replaces them.
  if (r.partitions) step.partitions = r.partitions;
  else delete step.partitions;
  if (r.kpis) status.kpis = { ...status.kpis, ...r.kpis };
  if (r.breakers) status.enrichment = { breakers: r.breakers };
  if (r.backfill) status.partitions = r.backfill;
  if (r.lineage) {
    status.lineage = {
      inputs: union(status.lineage?.inputs, r.lineage.inputs),
      outputs: union(status.lineage?.outputs, r.lineage.outputs),
    };
  }
}

/**
 * What a failed attempt measured: rows, duration, quality and checks (an error check that fails its step must show by
 * name). A silver step whose score is below an `error`-severity
 * minScore fails, and its score is exactly what the quality alert needs, so it reaches the run (and the Pipeline's
 * lastQualityScore) like a passing one. KPIs, lineage and breakers describe published data, so they stay out.
 */
export function applyFailedReport(status: PipelineRunStatus, step: StepStatus, parsed: ParsedReport) {
  if (parsed.ok) applyMeasurements(status, step, parsed.report);
  // A failed silver step of a backfill failed every partition it was asked for; the report says which and why.
  if (parsed.ok && parsed.report.backfill) status.partitions = parsed.report.backfill;
}

function applyMeasurements(status: PipelineRunStatus, step: StepStatus, r: StepReport) {
  if (r.rowsIn !== undefined) step.rowsIn = r.rowsIn;
  if (r.rowsOut !== undefined) step.rowsOut = r.rowsOut;
  if (r.durationMs !== undefined) step.durationSeconds = Math.round(r.durationMs) / 1000;
  if (r.quality) status.quality = { ...status.quality, ...r.quality };
  applyStepChecks(status, step, r);
}
