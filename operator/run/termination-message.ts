import { z } from 'zod';
import { BreakerStatesSchema } from '../spec/pipeline-run.js';

/**
 * The compact JSON a step pod writes to its termination message (/dev/termination-log): the runner's step result in
 * brief, copied by the operator into the PipelineRun status. Kubernetes keeps at most 4 KiB per container, so the
 * runner sends counts and names only; details stay in the lake (docs/operator.md documents the contract).
 */

export const TERMINATION_MESSAGE_MAX_BYTES = 4096;

const count = z.number().int().min(0);

export const StepReportSchema = z.object({
  v: z.literal(1),
  step: z.string(),
  status: z.enum(['Succeeded', 'Degraded', 'Failed', 'Skipped']),
  rowsIn: count.optional(),
  rowsOut: count.optional(),
  durationMs: count.optional(),
  note: z.string().max(1024).optional(),
  quality: z
    .object({
      score: z.number().min(0).max(1).optional(),
      failedChecks: z.array(z.string()).max(64).optional(),
    })
    .optional(),
  // A KPI the runner could not compute is null (e.g. revenue in EUR without exchange rates): dropped, not fatal.
  kpis: z
    .record(z.string(), z.number().nullable())
    .transform(
      (k) => Object.fromEntries(Object.entries(k).filter(([, v]) => v !== null)) as Record<string, number>,
    )
    .optional(),
  lineage: z
    .object({
      inputs: z.array(z.string()).max(64).optional(),
      outputs: z.array(z.string()).max(64).optional(),
    })
    .optional(),
  error: z.object({ code: z.string(), message: z.string().max(2048) }).optional(),
  // The enrichment providers' circuit breakers at the end of the step (present once silver has run).
  breakers: BreakerStatesSchema.optional(),
});

export type StepReport = z.infer<typeof StepReportSchema>;

export type ParsedReport = { ok: true; report: StepReport } | { ok: false; problem: string };

/** Parses a termination message; never throws, because a broken message must not wedge the run's reconcile. */
export function parseTerminationMessage(message: string | undefined): ParsedReport {
  if (message === undefined || message.trim() === '') return { ok: false, problem: 'no termination message' };
  if (Buffer.byteLength(message, 'utf8') > TERMINATION_MESSAGE_MAX_BYTES) {
    return { ok: false, problem: `termination message over ${TERMINATION_MESSAGE_MAX_BYTES} bytes` };
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
