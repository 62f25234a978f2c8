import type { CheckResult } from './check-result.js';

/**
 * A check result as the check engine would produce it, for the tests of the readers (step report, operator status,
 * history, API, lineage, console). Inputs only: the readers' tests assert what they derive from it.
 */
export function checkResult(over: Partial<CheckResult> & Pick<CheckResult, 'name'>): CheckResult {
  return {
    kind: 'notNull',
    severity: 'error',
    status: 'passed',
    layer: 'silver',
    table: 'sales_lines',
    scope: 'touched',
    failingRows: 0,
    message: 'no nulls',
    durationSeconds: 0.01,
    ...over,
  };
}
