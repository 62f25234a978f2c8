/**
 * Contract of user-declared quality checks (`spec.quality.checks`, issue 15): what a check run produces.
 * The check engine (runner/quality/checks/…) fills it; the run summary, the step report, the PipelineRun status,
 * metrics, run history, the read API, OpenLineage and the console only read it. Pure types, no I/O.
 */

export const CHECK_KINDS = [
  'notNull',
  'unique',
  'acceptedValues',
  'range',
  'rowCount',
  'freshness',
  'sql',
  'referential',
  'anomaly',
] as const;
export type CheckKind = (typeof CHECK_KINDS)[number];

export type CheckSeverity = 'error' | 'warn';

/**
 * `passed`/`failed` are judgements; `insufficientHistory` is an anomaly check that has not yet seen enough runs to
 * judge (it never fails a run); `errored` is a check that could not be evaluated (e.g. the SQL timed out), which
 * counts as failed at its severity.
 */
export type CheckStatus = 'passed' | 'failed' | 'insufficientHistory' | 'errored';

export interface CheckResult {
  /** The check's name, unique within the pipeline (a DNS-label-like identifier). */
  name: string;
  kind: CheckKind;
  severity: CheckSeverity;
  status: CheckStatus;
  /** Where it ran: the layer and table, e.g. silver/sales_lines or gold/kpi_daily. */
  layer: 'silver' | 'gold';
  table: string;
  /** `touched`: only the partitions this run recomputed; `table`: the whole table. */
  scope: 'touched' | 'table';
  /** Rows that broke the check (row-level kinds), or 1/0 for table-level kinds. */
  failingRows: number;
  /** The measured value (row count, null count, metric value, age in hours…), when the kind has one. */
  observed?: number;
  /** What was expected, in words a person reads ("between 100 and 5000", "|z| ≤ 3.5 (median 1234, MAD 56)"). */
  expected?: string;
  /** One line for people: why it failed or passed. */
  message: string;
  /** Storage key (relative to the lake root) of a Parquet sample of failing rows, when there are any. */
  sampleKey?: string;
  durationSeconds: number;
}

/** Counts over a step's check results, for status fields and metrics. */
export interface ChecksTally {
  passed: number;
  failed: number;
  warned: number;
  insufficientHistory: number;
  /** Names of the checks that failed or errored, error severity first. */
  failing: string[];
}

export function tallyChecks(results: readonly CheckResult[]): ChecksTally {
  const bad = results.filter((r) => r.status === 'failed' || r.status === 'errored');
  const errors = bad.filter((r) => r.severity === 'error');
  const warns = bad.filter((r) => r.severity === 'warn');
  return {
    passed: results.filter((r) => r.status === 'passed').length,
    failed: errors.length,
    warned: warns.length,
    insufficientHistory: results.filter((r) => r.status === 'insufficientHistory').length,
    failing: [...errors, ...warns].map((r) => r.name),
  };
}
