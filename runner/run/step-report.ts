import { z } from 'zod';
import { PartitionOutcomeSummarySchema } from './partition-outcomes.js';
import { CHECK_NAME_MAX, FAILING_NAMES_MAX } from './checks-brief.js';

/**
 * The step report: the compact JSON a step pod writes to its termination message (/dev/termination-log) and the
 * operator copies into the PipelineRun status (contract: docs/operator.md). One schema for both sides: the runner
 * builds a StepReportInput, the operator parses with StepReportSchema. Counts and names only; details stay in the lake.
 */

/** Kubernetes keeps at most 4096 bytes of a container's termination message. */
export const STEP_REPORT_MAX_BYTES = 4096;

/** Size limits of the report's parts; the producer clips to them, so its output always parses. */
export const STEP_REPORT_LIMITS = { note: 1024, errorMessage: 2048, names: 64 } as const;

const count = z.number().int().min(0);
const names = z.array(z.string()).max(STEP_REPORT_LIMITS.names);
const breaker = z.enum(['closed', 'open', 'halfOpen']).optional();

export const StepReportSchema = z.object({
  v: z.literal(1),
  step: z.string(),
  status: z.enum(['Succeeded', 'Degraded', 'Failed', 'Skipped']),
  rowsIn: count.optional(),
  rowsOut: count.optional(),
  durationMs: count.optional(),
  note: z.string().max(STEP_REPORT_LIMITS.note).optional(),
  quality: z
    .object({
      score: z.number().min(0).max(1).optional(),
      failedChecks: names.optional(),
    })
    .optional(),
  // A KPI the runner could not compute is null (e.g. revenue in EUR without exchange rates): dropped, not fatal.
  kpis: z
    .record(z.string(), z.number().nullable())
    .transform(
      (k) => Object.fromEntries(Object.entries(k).filter(([, v]) => v !== null)) as Record<string, number>,
    )
    .optional(),
  // The user-declared checks of the step (runner/run/checks-brief.ts): exact counts, failing names error-first.
  checks: z
    .object({
      passed: count,
      failed: count,
      warned: count,
      insufficientHistory: count.default(0),
      failing: z.array(z.string().max(CHECK_NAME_MAX)).max(FAILING_NAMES_MAX),
    })
    .optional(),
  lineage: z.object({ inputs: names.optional(), outputs: names.optional() }).optional(),
  error: z.object({ code: z.string(), message: z.string().max(STEP_REPORT_LIMITS.errorMessage) }).optional(),
  // The business-date partitions the step recomputed: count and date range only (the lake keeps the list).
  partitions: z
    .object({
      full: z.boolean(),
      count,
      first: z.string().max(32).optional(),
      last: z.string().max(32).optional(),
    })
    .optional(),
  // A backfill's outcome per partition (date ranges, failures grouped by reason), clipped to ~2 KiB.
  backfill: PartitionOutcomeSummarySchema.optional(),
  // The enrichment providers' circuit breakers at the end of the step (present once silver has run).
  breakers: z.object({ currency: breaker, country: breaker, product: breaker }).strict().optional(),
});

/** What the operator reads (null KPIs removed). */
export type StepReport = z.output<typeof StepReportSchema>;
/** What the runner writes. */
export type StepReportInput = z.input<typeof StepReportSchema>;
