import { z } from 'zod';
import { withCel } from './common.js';

/**
 * A PipelineRun's backfill (docs/backfills.md, ADR 0029): the business dates it asks for, and the outcome per date
 * the operator copies from the silver step's report. Dates are YYYY-MM-DD; sets of them are written as
 * `2011-03-01..2011-03-07,2011-03-09` (runner/lake/date-set.ts), which keeps a year of outcomes a few hundred bytes.
 */

const businessDate = z
  .string()
  .max(10)
  .regex(/^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/)
  .describe('Business date (YYYY-MM-DD).');

export const PartitionsSpecSchema = withCel(
  withCel(
    z
      .object({
        from: businessDate.describe('First business date of the backfill (YYYY-MM-DD, included).'),
        to: businessDate.describe('Last business date of the backfill (YYYY-MM-DD, included).'),
        only: z
          .array(businessDate)
          .min(1)
          .max(366)
          .optional()
          .meta({ 'x-kubernetes-list-type': 'set' })
          .describe(
            'Only these dates of the range (a retry of the failed partitions: `kubectl medallion backfill --retry RUN`).',
          ),
      })
      .strict()
      .describe(
        'Backfill: recompute only these business-date partitions from the bronze already ingested; each succeeds or fails on its own (docs/backfills.md).',
      ),
    {
      rule: 'self.from <= self.to',
      message: 'partitions.from must not be after partitions.to',
      fieldPath: '.to',
    },
    (p) => p.from <= p.to,
  ),
  {
    rule: '!has(self.only) || self.only.all(d, d >= self.from && d <= self.to)',
    message: 'partitions.only must lie between partitions.from and partitions.to',
    fieldPath: '.only',
  },
  (p) => (p.only ?? []).every((d) => d >= p.from && d <= p.to),
);

const dateSet = (what: string) => z.string().max(1500).describe(what);

export const PartitionsStatusSchema = z
  .object({
    requested: dateSet('The requested business dates, as ranges (2011-03-01..2011-03-31).'),
    succeeded: dateSet(
      'Dates recomputed and published, as ranges; absent when the list did not fit.',
    ).optional(),
    failed: z
      .array(
        z
          .object({
            dates: dateSet('Dates that failed for this reason, as ranges.'),
            reason: z.string().max(256).describe('Why they failed; they keep their previous content.'),
          })
          .strict(),
      )
      .max(16)
      .optional()
      .describe('Failed dates grouped by reason.'),
    counts: z
      .object({
        requested: z.number().int().min(0).describe('Requested partitions.'),
        succeeded: z.number().int().min(0).describe('Partitions that succeeded.'),
        failed: z.number().int().min(0).describe('Partitions that failed.'),
      })
      .strict()
      .describe('Number of partitions per outcome.'),
    truncated: z
      .boolean()
      .optional()
      .describe(
        'The failed list is incomplete (too many reasons or ranges); a retry must name the dates itself.',
      ),
  })
  .strict()
  .describe("Each requested partition's outcome, from the silver step's report (backfills only).");

export type PartitionsSpec = z.infer<typeof PartitionsSpecSchema>;
export type PartitionsStatus = z.infer<typeof PartitionsStatusSchema>;

/** The dates a run asks for: `only` when given, else every date of the range (the runner's `--partitions`). */
export function requestedDateSet(p: PartitionsSpec): string {
  return p.only ? [...new Set(p.only)].sort().join(',') : `${p.from}..${p.to}`;
}
