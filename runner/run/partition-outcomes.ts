import { z } from 'zod';
import { formatDateSet } from '../lake/date-set.js';

/**
 * A backfill's outcome per business-date partition (docs/backfills.md). Each partition is its own unit: the silver
 * step publishes the ones that succeeded, a failed one keeps its previous content, and the summary, the step report
 * and the PipelineRun status list both sets as date ranges, failures grouped by reason.
 */

/** What `--partitions` asks for; `failPartitions` is the TEST ONLY fault injection of the config module. */
export interface BackfillSelection {
  dates: string[];
  failPartitions: readonly string[];
}

/** The silver step's own account: every requested date, and the ones that failed with why. */
export interface PartitionOutcomes {
  requested: string[];
  failed: { date: string; reason: string }[];
}

/** Size limits: a reason is a sentence, and a report lists a handful of distinct reasons. */
export const OUTCOME_LIMITS = { reason: 256, reasons: 16, dates: 1500 } as const;

export const PartitionOutcomeSummarySchema = z.object({
  /** Date sets in the `2011-03-01..2011-03-07,2011-03-09` notation (runner/lake/date-set.ts). */
  requested: z.string().max(OUTCOME_LIMITS.dates),
  /** Absent when the set did not fit; the counts still tell. */
  succeeded: z.string().max(OUTCOME_LIMITS.dates).optional(),
  failed: z
    .array(
      z.object({
        dates: z.string().max(OUTCOME_LIMITS.dates),
        reason: z.string().max(OUTCOME_LIMITS.reason),
      }),
    )
    .max(OUTCOME_LIMITS.reasons),
  counts: z.object({
    requested: z.number().int().min(0),
    succeeded: z.number().int().min(0),
    failed: z.number().int().min(0),
  }),
  /** The failed list is incomplete (too many distinct reasons or ranges): a retry cannot rely on it. */
  truncated: z.boolean().optional(),
});
export type PartitionOutcomeSummary = z.infer<typeof PartitionOutcomeSummarySchema>;

/** Every requested partition failed for one reason (the step itself failed, or did not run). */
export const allFailed = (requested: string[], reason: string): PartitionOutcomes => ({
  requested,
  failed: requested.map((date) => ({ date, reason })),
});

export function summarisePartitionOutcomes(o: PartitionOutcomes): PartitionOutcomeSummary {
  const byReason = new Map<string, string[]>();
  for (const f of o.failed) {
    const dates = byReason.get(f.reason) ?? [];
    dates.push(f.date);
    byReason.set(f.reason, dates);
  }
  const failed = new Set(o.failed.map((f) => f.date));
  const succeeded = o.requested.filter((d) => !failed.has(d));
  return {
    requested: formatDateSet(o.requested),
    succeeded: formatDateSet(succeeded),
    failed: [...byReason].map(([reason, dates]) => ({ dates: formatDateSet(dates), reason })),
    counts: { requested: o.requested.length, succeeded: succeeded.length, failed: failed.size },
  };
}

/**
 * The summary clipped to the report's and the status's limits: reasons shortened, then the succeeded set dropped,
 * then failure groups dropped (marked truncated) until it fits `maxBytes` of JSON.
 */
export function briefPartitionOutcomes(s: PartitionOutcomeSummary, maxBytes = 2048): PartitionOutcomeSummary {
  const clip = (t: string) =>
    t.length <= OUTCOME_LIMITS.dates ? t : `${t.slice(0, OUTCOME_LIMITS.dates - 1)}…`;
  const out: PartitionOutcomeSummary = {
    ...s,
    requested: clip(s.requested),
    failed: s.failed.map((f) => ({ dates: f.dates, reason: f.reason.slice(0, OUTCOME_LIMITS.reason) })),
  };
  if (out.failed.length > OUTCOME_LIMITS.reasons) {
    out.failed = out.failed.slice(0, OUTCOME_LIMITS.reasons);
    out.truncated = true;
  }
  const fits = () => Buffer.byteLength(JSON.stringify(out)) <= maxBytes;
  if (!fits() || (out.succeeded?.length ?? 0) > OUTCOME_LIMITS.dates) delete out.succeeded;
  while (!fits() && out.failed.length > 0) {
    out.failed.pop();
    out.truncated = true;
  }
  if (out.failed.some((f) => f.dates.length > OUTCOME_LIMITS.dates)) {
    out.failed = out.failed.filter((f) => f.dates.length <= OUTCOME_LIMITS.dates);
    out.truncated = true;
  }
  return out;
}

/**
 * The run's backfill outcome from the silver step's account. A silver step that failed as a whole failed every
 * requested partition (it published nothing); a run without silver (e.g. `--steps gold`) has no per-partition outcome.
 */
export function backfillOutcome(
  dates: string[],
  silver:
    | { result: { status: string; note?: string; details: { partitionOutcomes?: PartitionOutcomes } } }
    | undefined,
  silverRequested: boolean,
): PartitionOutcomeSummary | undefined {
  if (!silverRequested) return undefined;
  const own = silver?.result.details.partitionOutcomes;
  if (own && silver?.result.status !== 'Failed') return summarisePartitionOutcomes(own);
  return summarisePartitionOutcomes(
    allFailed(
      dates,
      `silver ${silver ? 'failed' : 'did not run'}: ${silver?.result.note ?? 'an earlier step failed'}`,
    ),
  );
}
