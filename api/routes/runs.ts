import { z } from 'zod';
import type { RunHistoryRow } from '../../runner/history/history-row.js';
import { envelopeOf, ERROR_RESPONSES, ok } from '../envelope.js';
import { notFound } from '../errors.js';
import type { RunsService } from '../runs/runs-service.js';
import { cursor, isoTimestamp, limit, text } from '../schemas.js';
import type { TypedApp } from './typed-app.js';

const PHASES = ['Pending', 'Running', 'Succeeded', 'Degraded', 'Failed', 'Cancelled'] as const;

const StepSchema = z.object({
  name: z.string(),
  phase: z.string(),
  rows_in: z.number().nullable(),
  rows_out: z.number().nullable(),
  duration_ms: z.number().nullable(),
  message: z.string().nullable(),
});

const RunSchema = z
  .object({
    id: z.string().describe('Runner run id, or <namespace>:<name> for a cluster PipelineRun.'),
    source: z.enum(['runner', 'cluster']),
    namespace: z.string().nullable(),
    name: z.string().nullable(),
    pipeline: z.string(),
    phase: z.enum(PHASES),
    started_at: z.string(),
    finished_at: z.string().nullable(),
    steps: z.array(StepSchema),
    kpis: z.record(z.string(), z.number().nullable()).nullable(),
    quality_score: z.number().nullable(),
    error: z.object({ code: z.string(), message: z.string(), hint: z.string().optional() }).nullable(),
  })
  .meta({ id: 'Run' });

const toRun = (r: RunHistoryRow): z.infer<typeof RunSchema> => ({
  id: r.runId,
  source: r.source,
  namespace: r.namespace,
  name: r.name,
  pipeline: r.pipeline,
  phase: r.phase,
  started_at: r.startedAt,
  finished_at: r.finishedAt,
  steps: r.steps.map((s) => ({
    name: s.name,
    phase: s.phase,
    rows_in: s.rowsIn,
    rows_out: s.rowsOut,
    duration_ms: s.durationMs,
    message: s.message,
  })),
  kpis: r.kpis,
  quality_score:
    r.quality && typeof (r.quality as { score?: unknown }).score === 'number'
      ? (r.quality as { score: number }).score
      : null,
  error: r.error,
});

const RunIdParams = z.object({ runId: text(300).describe('Run id (see GET /api/v1/runs).') });

const PipelineSchema = z.object({
  namespace: z.string().nullable(),
  name: z.string(),
  source: z.enum(['cluster', 'history']),
  ready: z.boolean().nullable(),
  last_run: z.object({ id: z.string(), phase: z.string(), started_at: z.string().nullable() }).nullable(),
  runs_recorded: z.number().nullable(),
});

const QualitySchema = z.object({
  run_id: z.string(),
  score: z.number().nullable(),
  report: z
    .record(z.string(), z.unknown())
    .nullable()
    .describe('The silver quality report (docs/quality.md).'),
});

const TriggerBody = z
  .object({
    steps: z
      .array(z.enum(['bronze', 'silver', 'gold', 'warehouse', 'search']))
      .min(1)
      .max(5)
      .optional(),
    parameters: z
      .object({ sourceUri: text(4096).optional() })
      .strict()
      .optional(),
  })
  .strict();

/** Pipelines and runs: list (filters, keyset pages), one run, its quality report, its OpenLineage events; trigger. */
export function registerRunRoutes(app: TypedApp, deps: { runs: RunsService }) {
  const getRun = async (runId: string) =>
    (await deps.runs.get(runId)) ?? Promise.reject(notFound(`run ${runId}`));

  app.get(
    '/api/v1/pipelines',
    {
      schema: {
        tags: ['runs'],
        summary:
          'Pipelines: the cluster’s Pipeline resources, or those seen in the run history (local mode).',
        response: { 200: envelopeOf(z.array(PipelineSchema)), ...ERROR_RESPONSES },
      },
    },
    async (_request, reply) => ok(await deps.runs.pipelines(), reply.elapsedTime),
  );

  app.get(
    '/api/v1/runs',
    {
      schema: {
        tags: ['runs'],
        summary: 'Runs, newest first, from the cluster and the run history.',
        querystring: z.object({
          pipeline: text(253).optional(),
          namespace: text(63).optional(),
          phase: z.enum(PHASES).optional(),
          since: isoTimestamp().optional().describe('Started at or after this time.'),
          until: isoTimestamp().optional().describe('Started before this time.'),
          limit: limit(200, 50),
          cursor: cursor(),
        }),
        response: { 200: envelopeOf(z.array(RunSchema)), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const result = await deps.runs.list(request.query);
      return ok(result.items.map(toRun), reply.elapsedTime, result.pagination);
    },
  );

  app.get(
    '/api/v1/runs/:runId',
    {
      schema: {
        tags: ['runs'],
        summary: 'One run (live from the cluster when it is still there).',
        params: RunIdParams,
        response: { 200: envelopeOf(RunSchema), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => ok(toRun(await getRun(request.params.runId)), reply.elapsedTime),
  );

  app.get(
    '/api/v1/runs/:runId/quality',
    {
      schema: {
        tags: ['runs'],
        summary: 'The quality report of a run (score, dimensions, checks).',
        params: RunIdParams,
        response: { 200: envelopeOf(QualitySchema), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const run = await getRun(request.params.runId);
      const report = (run.quality ?? null) as Record<string, unknown> | null;
      return ok(
        { run_id: run.runId, score: typeof report?.score === 'number' ? report.score : null, report },
        reply.elapsedTime,
      );
    },
  );

  app.get(
    '/api/v1/runs/:runId/lineage',
    {
      schema: {
        tags: ['runs'],
        summary: 'The OpenLineage run events of a run (START/COMPLETE/FAIL per step), in emission order.',
        params: RunIdParams,
        response: {
          200: envelopeOf(
            z.object({ run_id: z.string(), events: z.array(z.record(z.string(), z.unknown())) }),
          ),
          ...ERROR_RESPONSES,
        },
      },
    },
    async (request, reply) => {
      const run = await getRun(request.params.runId);
      return ok({ run_id: run.runId, events: run.lineage as Record<string, unknown>[] }, reply.elapsedTime);
    },
  );

  app.post(
    '/api/v1/pipelines/:namespace/:name/runs',
    {
      config: { role: 'operator' },
      schema: {
        tags: ['runs'],
        summary: 'Trigger a run: creates a PipelineRun in the cluster (operator role).',
        description:
          'Without a cluster the API answers 409 NO_CLUSTER: run the pipeline locally with `medallion run -f pipeline.yaml`.',
        params: z.object({
          namespace: z
            .string()
            .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
            .max(63),
          name: z
            .string()
            .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/)
            .max(63),
        }),
        // Fastify hands a missing body over as null.
        body: TriggerBody.nullish(),
        response: {
          201: envelopeOf(RunSchema),
          ...ERROR_RESPONSES,
          409: ERROR_RESPONSES[404].describe('No cluster: run the pipeline locally with medallion run.'),
        },
      },
    },
    async (request, reply) => {
      const { namespace, name } = request.params;
      const row = await deps.runs.trigger(
        namespace,
        name,
        request.body ?? {},
        request.principal?.id ?? 'unknown',
      );
      return reply.code(201).send(ok(toRun(row), reply.elapsedTime));
    },
  );
}
