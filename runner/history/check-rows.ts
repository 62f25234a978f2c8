import { quoteIdent } from '../engine/sql-quote.js';
import type { CheckResult } from '../quality/check-result.js';
import { stepChecks } from '../run/checks-brief.js';
import type { RunSummary } from '../run/run-summary.js';

/** One row of `run_check_results` (migration 0006): a check's result in one run, with the run's keys. */
export interface CheckHistoryRow extends CheckResult {
  runId: string;
  pipeline: string;
  namespace: string | null;
  runStartedAt: string;
  step: string;
}

/** Pure: every check result of a run summary (silver and gold), keyed by the run. A name seen twice keeps the last. */
export function checkRowsFromSummary(
  summary: RunSummary,
  namespace: string | null = null,
): CheckHistoryRow[] {
  const byName = new Map<string, CheckHistoryRow>();
  for (const [step, s] of Object.entries(summary.steps)) {
    for (const c of stepChecks(s)) {
      byName.set(c.name, {
        ...c,
        runId: summary.runId,
        pipeline: summary.pipeline,
        namespace,
        runStartedAt: summary.startedAt,
        step,
      });
    }
  }
  return [...byName.values()];
}

const COLUMNS = [
  'run_id',
  'check_name',
  'pipeline',
  'namespace',
  'run_started_at',
  'step',
  'kind',
  'severity',
  'status',
  'layer',
  'table_name',
  'scope',
  'failing_rows',
  'observed',
  'expected',
  'message',
  'sample_key',
  'duration_seconds',
] as const;

/** Replaces a run's check rows: a re-recorded run (a retry, a cluster observation) never keeps stale checks. */
export function replaceCheckRowsSql(schema: string, count: number): { remove: string; insert?: string } {
  const table = `${quoteIdent(schema)}.run_check_results`;
  const remove = `DELETE FROM ${table} WHERE run_id = $1`;
  if (count === 0) return { remove };
  const values = Array.from(
    { length: count },
    (_, r) => `(${COLUMNS.map((_, c) => `$${r * COLUMNS.length + c + 1}`).join(', ')})`,
  ).join(', ');
  return { remove, insert: `INSERT INTO ${table} (${COLUMNS.join(', ')}) VALUES ${values}` };
}

export function checkRowsParams(rows: readonly CheckHistoryRow[]): unknown[] {
  return rows.flatMap((r) => [
    r.runId,
    r.name,
    r.pipeline,
    r.namespace,
    r.runStartedAt,
    r.step,
    r.kind,
    r.severity,
    r.status,
    r.layer,
    r.table,
    r.scope,
    Math.max(0, Math.round(r.failingRows)),
    r.observed !== undefined && Number.isFinite(r.observed) ? r.observed : null,
    r.expected ?? null,
    r.message,
    r.sampleKey ?? null,
    r.durationSeconds,
  ]);
}
