import { z } from 'zod';
import { PipelineSpecSchema } from '../../runner/spec/pipeline-spec.js';
import { KUBERNETES_ONLY_SPEC_FIELDS } from '../../runner/spec/step-job-spec.js';
import { ConditionsSchema, ObservedGenerationSchema } from './common.js';

export { StepJobSchema, type StepJob } from '../../runner/spec/step-job-spec.js';

/**
 * The Pipeline custom resource: the runner's pipeline spec plus its Kubernetes-only fields (`job`, how the operator
 * runs each step as a Kubernetes Job). Both are imported from runner/spec, never copied, so the CLI and the cluster
 * accept the same documents.
 */

export const PipelineResourceSpecSchema = PipelineSpecSchema.extend(KUBERNETES_ONLY_SPEC_FIELDS).describe(
  'Desired state of a Medallion pipeline: what the layered ETL does (the runner spec) and how its steps run.',
);

const RunRefSchema = z
  .object({
    name: z.string().describe('PipelineRun name.'),
    phase: z.string().optional().describe('Phase of that run when it was recorded.'),
    startTime: z.iso.datetime().optional().describe('When the run started.'),
    completionTime: z.iso.datetime().optional().describe('When the run finished.'),
  })
  .strict();

export const PipelineStatusSchema = z
  .object({
    observedGeneration: ObservedGenerationSchema,
    conditions: ConditionsSchema.optional(),
    lastRun: RunRefSchema.optional().describe('The most recently started PipelineRun of this pipeline.'),
    lastSuccessfulRun: RunRefSchema.optional().describe(
      'The most recent PipelineRun that Succeeded or was Degraded.',
    ),
    lastQualityScore: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe('Silver quality score (0..1) of the last run that measured it.'),
  })
  .strict()
  .describe('Observed state of the pipeline, written by the operator.');

export type PipelineResourceSpec = z.infer<typeof PipelineResourceSpecSchema>;
export type PipelineStatus = z.infer<typeof PipelineStatusSchema>;
