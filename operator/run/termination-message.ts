import { STEP_REPORT_MAX_BYTES, StepReportSchema, type StepReport } from '../../runner/run/step-report.js';

/**
 * Reads the step report a step pod leaves in its termination message. The schema and the 4 KiB limit are the
 * runner's (runner/run/step-report.ts), so what the runner writes is what this parses.
 */

export type { StepReport } from '../../runner/run/step-report.js';

export type ParsedReport = { ok: true; report: StepReport } | { ok: false; problem: string };

/** Parses a termination message; never throws, because a broken message must not wedge the run's reconcile. */
export function parseTerminationMessage(message: string | undefined): ParsedReport {
  if (message === undefined || message.trim() === '') return { ok: false, problem: 'no termination message' };
  if (Buffer.byteLength(message, 'utf8') > STEP_REPORT_MAX_BYTES) {
    return { ok: false, problem: `termination message over ${STEP_REPORT_MAX_BYTES} bytes` };
  }
  let json: unknown;
  try {
    json = JSON.parse(message);
  } catch {
    // FallbackToLogsOnError puts the log tail here when the runner died before writing JSON: show it.
    return { ok: false, problem: `not a step report: ${message.trim().slice(-300)}` };
  }
  const parsed = StepReportSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return {
      ok: false,
      problem: `invalid step report at ${issue?.path.join('.') || '(root)'}: ${issue?.message}`,
    };
  }
  return { ok: true, report: parsed.data };
}
