import { z } from 'zod';
import { STEP_NAMES } from '../../runner/spec/pipeline-spec.js';
import { ConditionsSchema, ObservedGenerationSchema, LocalObjectReferenceSchema, withCel } from './common.js';
import { PartitionsSpecSchema, PartitionsStatusSchema } from './run-partitions.js';

/** The PipelineRun custom resource: one execution of a Pipeline, each step a Kubernetes Job. */

export const RUN_PHASES = ['Pending', 'Running', 'Succeeded', 'Degraded', 'Failed', 'Cancelled'] as const;
export const STEP_PHASES = [
  'Pending',
  'Running',
  'Retrying',
  'Succeeded',
  'Degraded',
  'Failed',
  'Cancelled',
] as const;
export type RunPhase = (typeof RUN_PHASES)[number];
export type StepPhase = (typeof STEP_PHASES)[number];

const TimeoutsSchema = withCel(
  z
    .object({
      runSeconds: z
        .number()
        .int()
        .min(60)
        .max(7 * 86400)
        .default(6 * 3600)
        .describe(
          'Whole-run deadline in seconds; when it passes, active Jobs are deleted and the run Fails.',
        ),
      stepSeconds: z
        .number()
        .int()
        .min(30)
        .max(7 * 86400)
        .default(3600)
        .describe("Deadline of one step attempt in seconds (the Job's activeDeadlineSeconds)."),
    })
    .strict()
    .prefault({})
    .describe('Time limits of the run and of each step attempt.'),
  {
    rule: 'self.stepSeconds <= self.runSeconds',
    message: 'timeouts.stepSeconds must not exceed timeouts.runSeconds',
    fieldPath: '.stepSeconds',
  },
  (t) => t.stepSeconds <= t.runSeconds,
);

const RetriesSchema = withCel(
  z
    .object({
      limit: z
        .number()
        .int()
        .min(0)
        .max(10)
        .default(2)
        .describe('Extra attempts of a failed step before the run fails (each attempt is a new Job).'),
      backoffSeconds: z
        .number()
        .int()
        .min(1)
        .max(3600)
        .default(10)
        .describe('Wait before the first retry; doubles with each further retry.'),
      maxBackoffSeconds: z
        .number()
        .int()
        .min(1)
        .max(86400)
        .default(300)
        .describe('Upper bound of the wait between retries.'),
    })
    .strict()
    .prefault({})
    .describe('Per-step retries with exponential backoff.'),
  {
    rule: 'self.backoffSeconds <= self.maxBackoffSeconds',
    message: 'retries.backoffSeconds must not exceed retries.maxBackoffSeconds',
    fieldPath: '.backoffSeconds',
  },
  (r) => r.backoffSeconds <= r.maxBackoffSeconds,
);

/** The part of a run a PipelineSchedule may override (everything but the pipeline it belongs to). */
export const RunOptionsShape = {
  steps: z
    .array(z.enum(STEP_NAMES))
    .min(1)
    .max(STEP_NAMES.length)
    .optional()
    .meta({ 'x-kubernetes-list-type': 'set' })
    .describe("Subset of the pipeline's steps to run (in the pipeline's order); all of them when omitted."),
  parameters: z
    .object({
      sourceUri: z.string().min(1).max(4096).optional().describe("Overrides the pipeline's spec.source.uri."),
    })
    .strict()
    .prefault({})
    .describe('Values that override parts of the pipeline spec for this run only.'),
  timeouts: TimeoutsSchema,
  retries: RetriesSchema,
};

// A run's partitions are what its outcome is about: a retry is a new run (docs/backfills.md).
const partitionsImmutable = {
  rule: 'has(self.partitions) == has(oldSelf.partitions) && (!has(self.partitions) || self.partitions == oldSelf.partitions)',
  message: 'partitions are immutable; create a new PipelineRun',
  fieldPath: '.partitions',
};

export const PipelineRunSpecSchema = withCel(
  withCel(
    z
      .object({
        pipelineRef: LocalObjectReferenceSchema.describe('The Pipeline to run (same namespace).'),
        ...RunOptionsShape,
        cancelled: withCel(
          z.boolean().default(false).describe('Set to true to cancel the run: active Jobs are deleted.'),
          {
            rule: 'self || !oldSelf',
            message: 'a cancelled run cannot be resumed; create a new PipelineRun',
          },
        ),
        suspend: z
          .boolean()
          .default(false)
          .describe(
            'Hold the run: before it starts it takes no slot and creates no Job (Pending, reason Suspended); once started, its step Jobs are suspended. Set back to false to let it start or go on.',
          ),
        partitions: PartitionsSpecSchema.optional(),
      })
      .strict()
      .describe('Desired state of one pipeline run. Only cancelled and suspend may change after creation.'),
    {
      rule: 'self.pipelineRef == oldSelf.pipelineRef',
      message: 'pipelineRef is immutable',
      fieldPath: '.pipelineRef',
    },
  ),
  partitionsImmutable,
);

export const BREAKER_STATES = ['closed', 'open', 'halfOpen'] as const;
export const ENRICHMENT_PROVIDERS = ['currency', 'country', 'product'] as const;
const breakerState = (provider: string) =>
  z
    .enum(BREAKER_STATES)
    .optional()
    .describe(`Breaker of the ${provider} provider: closed, open or halfOpen.`);
/** Circuit-breaker states of the enrichment providers at the end of a step (the runner's enrichment report). */
export const BreakerStatesSchema = z
  .object({
    currency: breakerState('currency (exchange rates)'),
    country: breakerState('country'),
    product: breakerState('product category'),
  })
  .strict();

const checkCount = (what: string) => z.number().int().min(0).describe(what);
const checkCounts = {
  passed: checkCount('Declared checks that passed.'),
  failed: checkCount('Checks of severity error that failed or could not be evaluated.'),
  warned: checkCount('Checks of severity warn that failed or could not be evaluated.'),
  insufficientHistory: checkCount('Anomaly checks that have too few earlier runs to judge yet.'),
};
const CHECK_NAME = z.string().max(63);

/** A step's user-declared checks (spec.quality.checks), as its report gave them. */
export const StepChecksSchema = z
  .object({
    ...checkCounts,
    failing: z
      .array(CHECK_NAME)
      .max(64)
      .describe('Failing check names, severity error first (the first `failed` entries are errors).'),
  })
  .strict();

/** The run's user-declared checks over all its steps: counts and each failing check with severity and step. */
export const RunChecksSchema = z
  .object({
    ...checkCounts,
    failing: z
      .array(
        z
          .object({
            name: CHECK_NAME.describe('Check name (from the Pipeline spec).'),
            severity: z.enum(['error', 'warn']).describe('error fails its step; warn degrades the run.'),
            step: z.enum(STEP_NAMES).describe('Step whose table the check ran on.'),
          })
          .strict(),
      )
      .max(64)
      .describe('Failing checks, severity error first; the counts stay exact when names were left out.'),
  })
  .strict();

export const StepStatusSchema = z
  .object({
    name: z.enum(STEP_NAMES).describe('Step name.'),
    phase: z.enum(STEP_PHASES).describe('Step phase.'),
    jobName: z.string().optional().describe('Job of the current (or last) attempt.'),
    attempts: z.number().int().min(0).default(0).describe('Attempts started so far.'),
    startTime: z.iso.datetime().optional().describe('When the first attempt started.'),
    completionTime: z.iso.datetime().optional().describe('When the step finished.'),
    nextAttemptTime: z.iso.datetime().optional().describe('When the next attempt starts after a failure.'),
    durationSeconds: z
      .number()
      .min(0)
      .optional()
      .describe('Run time of the successful attempt, as the runner saw it.'),
    rowsIn: z.number().int().min(0).optional().describe('Rows the step read.'),
    rowsOut: z.number().int().min(0).optional().describe('Rows the step published.'),
    message: z.string().max(4096).optional().describe("Last error or the runner's summary."),
    partitions: z
      .object({
        full: z
          .boolean()
          .describe('The step rebuilt every partition (first run, --full-refresh, new rules).'),
        count: z.number().int().min(0).describe('Business-date partitions the step recomputed.'),
        first: z.string().max(32).optional().describe('Earliest business date recomputed (YYYY-MM-DD).'),
        last: z.string().max(32).optional().describe('Latest business date recomputed (YYYY-MM-DD).'),
      })
      .strict()
      .optional()
      .describe('Partitions the step recomputed, as its report gave them (silver, gold, warehouse).'),
    checks: StepChecksSchema.optional().describe(
      "The step's user-declared quality checks: counts and failing names (details stay in the lake).",
    ),
  })
  .strict();

export const PipelineRunStatusSchema = z
  .object({
    observedGeneration: ObservedGenerationSchema,
    phase: z
      .enum(RUN_PHASES)
      .optional()
      .describe('Pending, Running, Succeeded, Degraded, Failed or Cancelled.'),
    currentStep: z.string().optional().describe('The step running now, if any.'),
    startTime: z.iso.datetime().optional().describe('When the first Job was created.'),
    completionTime: z.iso.datetime().optional().describe('When the run reached a terminal phase.'),
    steps: z
      .array(StepStatusSchema)
      .max(STEP_NAMES.length)
      .meta({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] })
      .optional()
      .describe('One entry per step of the run, in order.'),
    quality: z
      .object({
        score: z.number().min(0).max(1).optional().describe('Overall silver quality score (0..1).'),
        failedChecks: z
          .array(z.string().max(256))
          .max(64)
          .optional()
          .describe('Names of failed quality checks.'),
        checks: RunChecksSchema.optional().describe(
          'User-declared checks (spec.quality.checks) of all steps: counts and the failing checks by name.',
        ),
      })
      .strict()
      .optional()
      .describe('Data-quality outcome reported by the silver step.'),
    kpis: z
      .record(z.string(), z.number())
      .optional()
      .describe('Headline KPIs reported by the gold step (for example revenue, orders), in brief.'),
    lineage: z
      .object({
        inputs: z.array(z.string().max(1024)).max(64).optional().describe('Datasets the run read.'),
        outputs: z.array(z.string().max(1024)).max(64).optional().describe('Datasets the run published.'),
      })
      .strict()
      .optional()
      .describe('Input and output datasets of the run (details stay in the lake).'),
    enrichment: z
      .object({ breakers: BreakerStatesSchema.describe('Circuit-breaker state per enrichment provider.') })
      .strict()
      .optional()
      .describe('Enrichment health as the last step that reported it saw it (details stay in the lake).'),
    partitions: PartitionsStatusSchema.optional(),
    conditions: ConditionsSchema.optional(),
  })
  .strict()
  .describe('Observed state of the run, written by the operator.');

export type PipelineRunSpec = z.infer<typeof PipelineRunSpecSchema>;
export type PipelineRunStatus = z.infer<typeof PipelineRunStatusSchema>;
export type StepStatus = z.infer<typeof StepStatusSchema>;
export type BreakerStates = z.infer<typeof BreakerStatesSchema>;
export type StepChecks = z.infer<typeof StepChecksSchema>;
export type RunChecks = z.infer<typeof RunChecksSchema>;
