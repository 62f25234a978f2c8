import { CHECK_KINDS, tallyChecks, type CheckResult } from '../quality/check-result.js';

/**
 * The user-declared checks of a step in a bounded size, for the 4 KiB step report and the PipelineRun status: the
 * exact counts and the failing names, error severity first. `failing[i]` has severity `error` when i < `failed`, so
 * the names need no severity of their own. Names are clipped to NAME_MAX characters and the list to a byte budget;
 * when names were left out, `failing.length < failed + warned` says so (the counts stay exact).
 */
export interface ChecksBrief {
  passed: number;
  failed: number;
  warned: number;
  insufficientHistory: number;
  failing: string[];
}

/** Check names are DNS-label-like identifiers; anything longer is clipped, never rejected. */
export const CHECK_NAME_MAX = 63;
/** Bytes the failing names may take in the report (the whole report has 4096). */
export const FAILING_NAMES_BUDGET = 1024;
/** And at most this many names, whatever their length. */
export const FAILING_NAMES_MAX = 64;

export function briefChecks(results: readonly CheckResult[], budget = FAILING_NAMES_BUDGET): ChecksBrief {
  const t = tallyChecks(results);
  const failing: string[] = [];
  let used = 2;
  for (const name of t.failing) {
    const clipped = name.slice(0, CHECK_NAME_MAX);
    const cost = Buffer.byteLength(JSON.stringify(clipped)) + 1;
    if (used + cost > budget || failing.length === FAILING_NAMES_MAX) break;
    failing.push(clipped);
    used += cost;
  }
  return {
    passed: t.passed,
    failed: t.failed,
    warned: t.warned,
    insufficientHistory: t.insufficientHistory,
    failing,
  };
}

/** Severity of the brief's i-th failing name (see ChecksBrief). */
export const failingSeverity = (brief: Pick<ChecksBrief, 'failed'>, i: number): 'error' | 'warn' =>
  i < brief.failed ? 'error' : 'warn';

const KINDS: ReadonlySet<string> = new Set(CHECK_KINDS);

/** The check results a run summary's step carries (silver, gold), or [] for older summaries and other steps. */
export function stepChecks(step: Record<string, unknown> | undefined): CheckResult[] {
  const raw = step?.checks;
  if (!Array.isArray(raw)) return [];
  return raw.filter(
    (c): c is CheckResult =>
      typeof c === 'object' &&
      c !== null &&
      typeof (c as CheckResult).name === 'string' &&
      KINDS.has((c as CheckResult).kind) &&
      typeof (c as CheckResult).status === 'string',
  );
}

/** Every check result of a run summary, in step order. */
export function summaryChecks(steps: Record<string, Record<string, unknown>>): CheckResult[] {
  return Object.values(steps).flatMap((s) => stepChecks(s));
}

/** One line for `medallion run`: "checks: 7 passed, 1 failed (orders_not_null), 1 warned (daily_lines_anomaly)". */
export function formatChecksLine(results: readonly CheckResult[]): string | undefined {
  if (results.length === 0) return undefined;
  const t = tallyChecks(results);
  const errs = t.failing.slice(0, t.failed);
  const warns = t.failing.slice(t.failed);
  const parts = [`${t.passed} passed`];
  if (t.failed > 0) parts.push(`${t.failed} failed (${errs.join(', ')})`);
  if (t.warned > 0) parts.push(`${t.warned} warned (${warns.join(', ')})`);
  if (t.insufficientHistory > 0) parts.push(`${t.insufficientHistory} awaiting history`);
  return `checks: ${parts.join(', ')}`;
}
