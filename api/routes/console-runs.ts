import { z } from 'zod';
import { countsFromLineage, type SilverReportReader } from '../console/silver-report-reader.js';
import { pipelineOverview } from '../console/pipeline-overview.js';
import { stepTimeline } from '../console/step-timeline.js';
import { envelopeOf, ERROR_RESPONSES, ok } from '../envelope.js';
import { notFound } from '../errors.js';
import type { RunsService } from '../runs/runs-service.js';
import { text } from '../schemas.js';
import type { TypedApp } from './typed-app.js';

const SessionSchema = z.object({
  subject: z.string(),
  role: z.string(),
  mode: z.enum(['cluster', 'local']),
});

const OverviewSchema = z.object({
  namespace: z.string().nullable(),
  name: z.string(),
  last_run: z
    .object({
      id: z.string(),
      phase: z.string(),
      started_at: z.string(),
      finished_at: z.string().nullable(),
      quality_score: z.number().nullable(),
    })
    .nullable(),
  last_success_at: z.string().nullable(),
  schedule: z
    .string()
    .nullable()
    .describe('Cron schedule of the pipeline’s PipelineSchedule (cluster mode).'),
  time_zone: z.string().nullable(),
  next_due_at: z.string().nullable().describe('First schedule time after the last success.'),
  freshness: z.enum(['fresh', 'late', 'never', 'unscheduled']),
  durations: z.array(
    z.object({ run_id: z.string(), started_at: z.string(), duration_ms: z.number(), phase: z.string() }),
  ),
});

const SilverSchema = z.object({
  run_id: z.string(),
  source: z
    .enum(['lake', 'lineage', 'none'])
    .describe('lake: the silver version in a local lake; lineage: the run’s events.'),
  counts: z
    .object({
      bronze_rows: z.number().int(),
      silver_rows: z.number().int(),
      quarantined: z.number().int(),
      duplicates: z.number().int(),
      quarantine_by_rule: z.record(z.string(), z.number().int()),
      line_types: z.record(z.string(), z.number().int()),
    })
    .nullable(),
  samples: z.array(
    z.object({
      rule: z.string(),
      rows: z.array(z.record(z.string(), z.union([z.string(), z.number(), z.null()]))),
    }),
  ),
  enrichment: z.record(z.string(), z.unknown()).nullable().describe('Providers’ health in this run.'),
});

const TimelineSchema = z.object({
  run_id: z.string(),
  source: z
    .enum(['lineage', 'steps', 'none'])
    .describe('lineage: the run’s OpenLineage events; steps: the PipelineRun’s step statuses.'),
  spans: z.array(
    z.object({
      step: z.string(),
      attempt: z.number().int(),
      started_at: z.string(),
      finished_at: z.string().nullable(),
      phase: z.string(),
    }),
  ),
});

const RECENT_RUNS = 20;

/** Reads the console needs beyond the run routes: the session, the pipelines overview, a run's silver report. */
export function registerConsoleRunRoutes(
  app: TypedApp,
  deps: { runs: RunsService; silver: SilverReportReader; now?: () => Date },
) {
  app.addHook('onClose', async () => deps.silver.close());
  app.get(
    '/api/v1/console/session',
    {
      schema: {
        tags: ['console'],
        summary: 'Who the credentials belong to (the console’s sign-in check).',
        response: { 200: envelopeOf(SessionSchema), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) =>
      ok(
        {
          subject: request.principal?.id ?? 'unknown',
          role: request.principal?.role ?? 'viewer',
          mode: deps.runs.mode,
        },
        reply.elapsedTime,
      ),
  );

  app.get(
    '/api/v1/pipelines/overview',
    {
      schema: {
        tags: ['runs'],
        summary:
          'Each pipeline with its last run, quality score, freshness against its schedule and recent durations.',
        response: { 200: envelopeOf(z.array(OverviewSchema)), ...ERROR_RESPONSES },
      },
    },
    async (_request, reply) => {
      const [pipelines, schedules] = await Promise.all([
        deps.runs.pipelines(),
        deps.runs.schedules ? deps.runs.schedules() : Promise.resolve([]),
      ]);
      const now = deps.now?.() ?? new Date();
      const rows = await Promise.all(
        pipelines.map(async (p) => {
          const recent = await deps.runs.list({
            pipeline: p.name,
            ...(p.namespace ? { namespace: p.namespace } : {}),
            limit: RECENT_RUNS,
          });
          const schedule = schedules.find(
            (s) => s.pipeline === p.name && s.namespace === p.namespace && !s.suspended,
          );
          return pipelineOverview(p, recent.items, schedule, now);
        }),
      );
      return ok(rows, reply.elapsedTime);
    },
  );

  app.get(
    '/api/v1/runs/:runId/timeline',
    {
      schema: {
        tags: ['runs'],
        summary: 'When each step of a run started and ended, per attempt.',
        params: z.object({ runId: text(300) }),
        response: { 200: envelopeOf(TimelineSchema), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const run = await deps.runs.get(request.params.runId);
      if (!run) throw notFound(`run ${request.params.runId}`);
      return ok({ run_id: run.runId, ...stepTimeline(run) }, reply.elapsedTime);
    },
  );

  app.get(
    '/api/v1/runs/:runId/silver',
    {
      schema: {
        tags: ['runs'],
        summary:
          'The silver reconciliation of a run (bronze = silver + quarantine + duplicates), quarantine counts by rule with sample rows, and the enrichment providers’ health.',
        params: z.object({ runId: text(300) }),
        response: { 200: envelopeOf(SilverSchema), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const run = await deps.runs.get(request.params.runId);
      if (!run) throw notFound(`run ${request.params.runId}`);
      const fromLake = await deps.silver.read(run.lake, run.runId);
      const fromLineage = fromLake ? null : countsFromLineage(run.lineage);
      return ok(
        {
          run_id: run.runId,
          source: fromLake ? ('lake' as const) : fromLineage ? ('lineage' as const) : ('none' as const),
          counts: fromLake?.counts ?? fromLineage,
          samples: fromLake?.samples ?? [],
          enrichment: (run.enrichment ?? null) as Record<string, unknown> | null,
        },
        reply.elapsedTime,
      );
    },
  );
}
