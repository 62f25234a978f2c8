import { failingSeverity } from '../../runner/run/checks-brief.js';
import type { PipelineRunStatus, RunChecks, StepChecks, StepStatus } from '../spec/pipeline-run.js';
import type { StepReport } from './termination-message.js';

/**
 * The user-declared checks in the PipelineRun status: each step keeps what its last attempt reported, and the run's
 * `quality.checks` is their sum, recomputed from the steps so a retried step's earlier attempt is never counted twice.
 */
export function applyStepChecks(status: PipelineRunStatus, step: StepStatus, report: StepReport) {
  if (report.checks) {
    const c = report.checks;
    step.checks = {
      passed: c.passed,
      failed: c.failed,
      warned: c.warned,
      insufficientHistory: c.insufficientHistory,
      failing: c.failing,
    };
  } else delete step.checks;
  const run = runChecks(status.steps ?? []);
  if (run) status.quality = { ...status.quality, checks: run };
  else if (status.quality?.checks) delete status.quality.checks;
}

/** The sum over the steps' checks, failing checks error severity first; undefined when no step reported checks. */
export function runChecks(steps: readonly StepStatus[]): RunChecks | undefined {
  const reported = steps.filter((s): s is StepStatus & { checks: StepChecks } => s.checks !== undefined);
  if (reported.length === 0) return undefined;
  const sum = (k: 'passed' | 'failed' | 'warned' | 'insufficientHistory') =>
    reported.reduce((n, s) => n + s.checks[k], 0);
  const failing = reported.flatMap((s) =>
    s.checks.failing.map((name, i) => ({ name, severity: failingSeverity(s.checks, i), step: s.name })),
  );
  failing.sort((a, b) => (a.severity === b.severity ? 0 : a.severity === 'error' ? -1 : 1));
  return {
    passed: sum('passed'),
    failed: sum('failed'),
    warned: sum('warned'),
    insufficientHistory: sum('insufficientHistory'),
    failing: failing.slice(0, 64),
  };
}

/** Words for a step's failing checks in a condition or step message, e.g. "failing checks: a, b (+3 more)". */
export function describeFailingChecks(
  c: StepChecks | undefined,
  severity?: 'error' | 'warn',
): string | undefined {
  if (!c) return undefined;
  const names = c.failing.filter((_, i) => severity === undefined || failingSeverity(c, i) === severity);
  const total = severity === 'error' ? c.failed : severity === 'warn' ? c.warned : c.failed + c.warned;
  if (total === 0) return undefined;
  const shown = names.slice(0, 5);
  const more = total - shown.length;
  return `${severity === 'warn' ? 'warning' : 'failing'} checks: ${shown.join(', ') || '(names not reported)'}${more > 0 ? ` (+${more} more)` : ''}`;
}
