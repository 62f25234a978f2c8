import { z } from 'zod';
import { MedallionError } from '../../runner/errors.js';
import type { CheckHistoryRow } from '../../runner/history/check-rows.js';
import { CHECK_KINDS, tallyChecks } from '../../runner/quality/check-result.js';
import type { CheckRepository } from '../data/check-repository.js';
import { envelopeOf, ERROR_RESPONSES, ok } from '../envelope.js';
import { notFound } from '../errors.js';
import type { RunsService } from '../runs/runs-service.js';
import { cursor, isoTimestamp, limit, text } from '../schemas.js';
import type { TypedApp } from './typed-app.js';

const STATUSES = ['passed', 'failed', 'insufficientHistory', 'errored'] as const;

const CheckSchema = z
  .object({
    name: z.string(),
    kind: z.enum(CHECK_KINDS),
    severity: z
      .enum(['error', 'warn'])
      .describe('error fails its step before publishing; warn degrades the run.'),
    status: z.enum(STATUSES),
    step: z.string().describe('The step that ran the check (silver or gold).'),
    layer: z.string(),
    table: z.string(),
    scope: z
      .enum(['touched', 'table'])
      .describe('touched: the partitions the run recomputed; table: all of it.'),
    failing_rows: z.number().int(),
    observed: z
      .number()
      .nullable()
      .describe('The measured value (row count, metric value, age in hours...).'),
    expected: z.string().nullable(),
    message: z.string(),
    sample_key: z.string().nullable().describe('Lake key of the Parquet sample of failing rows.'),
    duration_seconds: z.number(),
  })
  .meta({ id: 'CheckResult' });

const HistoryPointSchema = CheckSchema.extend({
  run_id: z.string(),
  run_started_at: z.string(),
}).meta({ id: 'CheckHistoryPoint' });

const RunChecksSchema = z.object({
  run_id: z.string(),
  tally: z.object({
    passed: z.number().int(),
    failed: z.number().int().describe('error-severity checks that failed or errored'),
    warned: z.number().int().describe('warn-severity checks that failed or errored'),
    insufficient_history: z.number().int(),
  }),
  checks: z.array(CheckSchema),
});

const toCheck = (c: CheckHistoryRow): z.infer<typeof CheckSchema> => ({
  name: c.name,
  kind: c.kind,
  severity: c.severity,
  status: c.status,
  step: c.step,
  layer: c.layer,
  table: c.table,
  scope: c.scope,
  failing_rows: c.failingRows,
  observed: c.observed ?? null,
  expected: c.expected ?? null,
  message: c.message,
  sample_key: c.sampleKey ?? null,
  duration_seconds: c.durationSeconds,
});

/** User-declared quality check results (run_check_results): per run, and one check over time. */
export function registerCheckRoutes(app: TypedApp, deps: { runs: RunsService; checks: CheckRepository }) {
  app.get(
    '/api/v1/runs/:runId/checks',
    {
      schema: {
        tags: ['runs'],
        summary: "A run's user-declared quality checks (spec.quality.checks): tally and every result.",
        params: z.object({ runId: text(300).describe('Run id (see GET /api/v1/runs).') }),
        response: { 200: envelopeOf(RunChecksSchema), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const { runId } = request.params;
      const rows = await deps.checks.forRun(runId);
      // A run pruned from the cluster and from run_history still has its checks; an unknown id has neither.
      if (rows.length === 0 && !(await deps.runs.get(runId))) throw notFound(`run ${runId}`);
      const t = tallyChecks(rows);
      return ok(
        {
          run_id: runId,
          tally: {
            passed: t.passed,
            failed: t.failed,
            warned: t.warned,
            insufficient_history: t.insufficientHistory,
          },
          checks: rows.map(toCheck),
        },
        reply.elapsedTime,
      );
    },
  );

  app.get(
    '/api/v1/pipelines/:pipeline/checks/:check/history',
    {
      schema: {
        tags: ['runs'],
        summary: 'One check over time: its result in each run, newest first (keyset pages).',
        description:
          'Kept in the warehouse table run_check_results, so the history outlives runs pruned from the cluster.',
        params: z.object({
          pipeline: text(253).describe('Pipeline name.'),
          check: text(253).describe("Check name from the pipeline's spec.quality.checks."),
        }),
        querystring: z.object({
          namespace: text(63).optional(),
          status: z.enum(STATUSES).optional(),
          since: isoTimestamp().optional().describe('Runs started at or after this time.'),
          until: isoTimestamp().optional().describe('Runs started before this time.'),
          limit: limit(500, 100),
          cursor: cursor(),
        }),
        response: { 200: envelopeOf(z.array(HistoryPointSchema)), ...ERROR_RESPONSES },
      },
    },
    async (request, reply) => {
      const { pipeline, check } = request.params;
      const result = await deps.checks.history({ pipeline, check, ...request.query });
      if (result.items.length === 0 && !request.query.cursor && !(await deps.checks.known(pipeline, check)))
        throw new MedallionError(
          'CHECK_NOT_FOUND',
          `check ${check} of pipeline ${pipeline} has no recorded results`,
        );
      const points = result.items.map((c) => ({
        ...toCheck(c),
        run_id: c.runId,
        run_started_at: c.runStartedAt,
      }));
      return ok(points, reply.elapsedTime, result.pagination);
    },
  );
}
