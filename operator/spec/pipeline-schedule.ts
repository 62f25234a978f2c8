import { z } from 'zod';
import { cronRegex, isValidCron } from '../schedule/cron.js';
import {
  ConditionsSchema,
  ObservedGenerationSchema,
  LocalObjectReferenceSchema,
  TimeZoneSchema,
  withCel,
} from './common.js';
import { RunOptionsShape } from './pipeline-run.js';
import { TriggerSpecSchema, TriggerStatusSchema } from './trigger-spec.js';

/** The PipelineSchedule custom resource: creates PipelineRuns on a cron schedule with CronJob's semantics. */

export const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'] as const;
export type ConcurrencyPolicy = (typeof CONCURRENCY_POLICIES)[number];

// CEL's matches() takes an RE2 pattern inside a CEL string literal: escape backslashes and quotes for it.
const celString = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

export const CronScheduleSchema = withCel(
  z.string().min(1).max(128),
  {
    rule: `self.matches(${celString(cronRegex())})`,
    message:
      'must be a cron expression with 5 fields (minute hour day-of-month month day-of-week), e.g. "0 3 * * *", or @hourly/@daily/@weekly/@monthly/@yearly',
  },
  isValidCron,
);

export const PipelineScheduleSpecSchema = withCel(
  z
    .object({
      pipelineRef: LocalObjectReferenceSchema.describe('The Pipeline to run (same namespace).'),
      schedule: CronScheduleSchema.optional().describe(
        'When to run, as a 5-field cron expression or a macro such as @daily. Optional when spec.trigger is set.',
      ),
      trigger: TriggerSpecSchema.optional(),
      timeZone: TimeZoneSchema.default('UTC').describe(
        'IANA time zone the schedule is read in, for example Europe/London. Daylight-saving gaps run late, repeats once.',
      ),
      suspend: z.boolean().default(false).describe('Stop creating new runs; runs already started carry on.'),
      concurrencyPolicy: z
        .enum(CONCURRENCY_POLICIES)
        .default('Forbid')
        .describe(
          'What to do when a run is due while another is active: Allow both, Forbid (skip the new one) or Replace (cancel the active one). Forbid by default because overlapping runs of one pipeline contend for the same lake.',
        ),
      startingDeadlineSeconds: z
        .number()
        .int()
        .min(0)
        .max(31 * 86400)
        .optional()
        .describe(
          'A run that could not start within this many seconds of its time is skipped (unbounded if unset).',
        ),
      successfulRunsHistoryLimit: z
        .number()
        .int()
        .min(0)
        .max(100)
        .default(3)
        .describe('Finished successful (Succeeded or Degraded) runs to keep; older ones are deleted.'),
      failedRunsHistoryLimit: z
        .number()
        .int()
        .min(0)
        .max(100)
        .default(1)
        .describe('Finished unsuccessful (Failed or Cancelled) runs to keep; older ones are deleted.'),
      runOverrides: z
        .object(RunOptionsShape)
        .strict()
        .prefault({})
        .describe('Options copied into every PipelineRun this schedule creates.'),
    })
    .strict()
    .describe('Desired state of a pipeline schedule.'),
  {
    rule: 'has(self.schedule) || has(self.trigger)',
    message: 'set spec.schedule (a cron), spec.trigger (file arrival), or both',
  },
  (s) => s.schedule !== undefined || s.trigger !== undefined,
);

const RunRefSchema = z
  .object({
    name: z.string().describe('PipelineRun name.'),
    scheduledTime: z.iso.datetime().optional().describe('The schedule time the run was created for.'),
  })
  .strict();

export const PipelineScheduleStatusSchema = z
  .object({
    observedGeneration: ObservedGenerationSchema,
    lastScheduleTime: z.iso.datetime().optional().describe('Schedule time of the most recently created run.'),
    lastSuccessfulTime: z.iso.datetime().optional().describe('When a run of this schedule last succeeded.'),
    nextScheduleTime: z.iso.datetime().optional().describe('The next time a run is due (unless suspended).'),
    lastMissedTime: z.iso
      .datetime()
      .optional()
      .describe(
        'The latest schedule time that produced no run (too late, or skipped by Forbid and then superseded).',
      ),
    active: z
      .array(RunRefSchema)
      .max(1000)
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] })
      .optional()
      .describe('Runs of this schedule that have not finished.'),
    trigger: TriggerStatusSchema.optional(),
    conditions: ConditionsSchema.optional(),
  })
  .strict()
  .describe('Observed state of the schedule, written by the operator.');

export type PipelineScheduleSpec = z.infer<typeof PipelineScheduleSpecSchema>;
export type PipelineScheduleStatus = z.infer<typeof PipelineScheduleStatusSchema>;
