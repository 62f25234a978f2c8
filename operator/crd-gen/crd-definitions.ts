import type { z } from 'zod';
import { TimeZoneSchema } from '../spec/common.js';
import { PipelineResourceSpecSchema, PipelineStatusSchema } from '../spec/pipeline-resource.js';
import { PipelineRunSpecSchema, PipelineRunStatusSchema } from '../spec/pipeline-run.js';
import { PipelineScheduleSpecSchema, PipelineScheduleStatusSchema } from '../spec/pipeline-schedule.js';
import type { Schema } from './structural-schema.js';

interface PrinterColumn {
  name: string;
  type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  jsonPath: string;
  description: string;
  /** 1 = only with `kubectl get -o wide`. */
  priority?: 0 | 1;
}

export interface CrdDefinition {
  kind: string;
  plural: string;
  singular: string;
  shortNames: string[];
  description: string;
  spec: z.ZodType;
  status: z.ZodType;
  columns: PrinterColumn[];
  /** CEL rules on the whole object (the only place metadata.name can be checked). */
  rootValidations?: Schema[];
  /** Keywords added at a path of schemas we import rather than own (runner/spec stays Kubernetes-agnostic). */
  patches?: Record<string, Schema>;
}

const condition = (type: string, field: 'status' | 'reason' | 'message') =>
  `.status.conditions[?(@.type=="${type}")].${field}`;
const age: PrinterColumn = {
  name: 'Age',
  type: 'date',
  jsonPath: '.metadata.creationTimestamp',
  description: 'Time since the object was created.',
};

// The runner validates the source time zone with a zod refinement; give the apiserver the same check as CEL.
const timeZoneCel = TimeZoneSchema.meta()?.['x-kubernetes-validations'] as Schema[];

export const CRD_DEFINITIONS: CrdDefinition[] = [
  {
    kind: 'Pipeline',
    plural: 'pipelines',
    singular: 'pipeline',
    shortNames: ['mp'],
    description:
      'A Medallion pipeline: layered (bronze, silver, gold, warehouse, search) ETL of a retail data source. Run it with a PipelineRun or on a PipelineSchedule.',
    spec: PipelineResourceSpecSchema,
    status: PipelineStatusSchema,
    columns: [
      {
        name: 'Ready',
        type: 'string',
        jsonPath: condition('Ready', 'status'),
        description: 'Ready condition.',
      },
      { name: 'Last Run', type: 'string', jsonPath: '.status.lastRun.name', description: 'Most recent run.' },
      {
        name: 'Phase',
        type: 'string',
        jsonPath: '.status.lastRun.phase',
        description: 'Phase of the last run.',
      },
      {
        name: 'Quality',
        type: 'number',
        jsonPath: '.status.lastQualityScore',
        description: 'Last quality score.',
      },
      age,
      {
        name: 'Last Success',
        type: 'date',
        jsonPath: '.status.lastSuccessfulRun.completionTime',
        description: 'When a run last succeeded.',
        priority: 1,
      },
      {
        name: 'Steps',
        type: 'string',
        jsonPath: '.spec.steps',
        description: 'Steps, in order.',
        priority: 1,
      },
      {
        name: 'Source',
        type: 'string',
        jsonPath: '.spec.source.uri',
        description: 'Source data.',
        priority: 1,
      },
    ],
    patches: {
      'spec.source.timezone': { 'x-kubernetes-validations': timeZoneCel, maxLength: 64 },
      // Repeated steps are rejected by the runner's refinement; a set list gives the apiserver the same rule.
      'spec.steps': { 'x-kubernetes-list-type': 'set' },
    },
  },
  {
    kind: 'PipelineSchedule',
    plural: 'pipelineschedules',
    singular: 'pipelineschedule',
    shortNames: ['mps'],
    description: 'Runs a Pipeline on a cron schedule in a time zone, with CronJob semantics.',
    spec: PipelineScheduleSpecSchema,
    status: PipelineScheduleStatusSchema,
    columns: [
      {
        name: 'Pipeline',
        type: 'string',
        jsonPath: '.spec.pipelineRef.name',
        description: 'Pipeline it runs.',
      },
      { name: 'Schedule', type: 'string', jsonPath: '.spec.schedule', description: 'Cron expression.' },
      {
        name: 'Time Zone',
        type: 'string',
        jsonPath: '.spec.timeZone',
        description: 'Time zone of the schedule.',
      },
      {
        name: 'Suspend',
        type: 'boolean',
        jsonPath: '.spec.suspend',
        description: 'Whether new runs are stopped.',
      },
      {
        name: 'Last Schedule',
        type: 'date',
        jsonPath: '.status.lastScheduleTime',
        description: 'Last run time.',
      },
      age,
      {
        name: 'Next',
        type: 'string',
        jsonPath: '.status.nextScheduleTime',
        description: 'Next run.',
        priority: 1,
      },
      {
        name: 'Concurrency',
        type: 'string',
        jsonPath: '.spec.concurrencyPolicy',
        description: 'Concurrency policy.',
        priority: 1,
      },
      {
        name: 'Ready',
        type: 'string',
        jsonPath: condition('Ready', 'status'),
        description: 'Ready.',
        priority: 1,
      },
    ],
    rootValidations: [
      {
        rule: 'self.metadata.name.size() <= 52',
        message:
          'PipelineSchedule names must be at most 52 characters, so the run names derived from them fit',
      },
    ],
  },
  {
    kind: 'PipelineRun',
    plural: 'pipelineruns',
    singular: 'pipelinerun',
    shortNames: ['mpr'],
    description: 'One run of a Pipeline: its steps in order, each as a Kubernetes Job.',
    spec: PipelineRunSpecSchema,
    status: PipelineRunStatusSchema,
    columns: [
      {
        name: 'Pipeline',
        type: 'string',
        jsonPath: '.spec.pipelineRef.name',
        description: 'Pipeline it runs.',
      },
      { name: 'Phase', type: 'string', jsonPath: '.status.phase', description: 'Run phase.' },
      { name: 'Step', type: 'string', jsonPath: '.status.currentStep', description: 'Step running now.' },
      { name: 'Quality', type: 'number', jsonPath: '.status.quality.score', description: 'Quality score.' },
      { name: 'Started', type: 'date', jsonPath: '.status.startTime', description: 'When the run started.' },
      age,
      {
        name: 'Completed',
        type: 'date',
        jsonPath: '.status.completionTime',
        description: 'When the run finished.',
        priority: 1,
      },
      {
        name: 'Reason',
        type: 'string',
        jsonPath: condition('Succeeded', 'reason'),
        description: 'Reason of the Succeeded condition.',
        priority: 1,
      },
      {
        name: 'Message',
        type: 'string',
        jsonPath: condition('Succeeded', 'message'),
        description: 'Message of the Succeeded condition.',
        priority: 1,
      },
    ],
  },
];
