import type pg from 'pg';
import { z } from 'zod';
import { decodeCursor, page } from '../cursor.js';
import {
  upsertHistoryParams,
  upsertHistorySql,
  type RunHistoryRow,
} from '../../runner/history/history-row.js';
import { quoteIdent } from '../../runner/engine/sql-quote.js';
import { params } from './sql.js';

export interface RunFilter {
  pipeline?: string | undefined;
  namespace?: string | undefined;
  phase?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

const RunKey = z.tuple([
  z.iso.datetime({ offset: true }),
  z
    .string()
    .max(512)
    .regex(/^[^\0]*$/),
]);

const COLUMNS = `run_id, source, namespace, name, pipeline, phase, started_at, finished_at, steps, quality, kpis,
  enrichment, lineage, error, lake`;

interface Row {
  run_id: string;
  source: 'runner' | 'cluster';
  namespace: string | null;
  name: string | null;
  pipeline: string;
  phase: RunHistoryRow['phase'];
  started_at: Date;
  finished_at: Date | null;
  steps: RunHistoryRow['steps'];
  quality: unknown;
  kpis: RunHistoryRow['kpis'];
  enrichment: unknown;
  lineage: unknown[];
  error: RunHistoryRow['error'];
  lake: string | null;
}

const toHistoryRow = (r: Row): RunHistoryRow => ({
  runId: r.run_id,
  source: r.source,
  namespace: r.namespace,
  name: r.name,
  pipeline: r.pipeline,
  phase: r.phase,
  startedAt: r.started_at.toISOString(),
  finishedAt: r.finished_at ? r.finished_at.toISOString() : null,
  steps: r.steps,
  quality: r.quality,
  kpis: r.kpis,
  enrichment: r.enrichment,
  lineage: r.lineage,
  error: r.error,
  lake: r.lake,
});

/** The run history table (migration 0004): newest first, keyset-paged on (started_at, run_id). */
export function createRunRepository(deps: { pool: pg.Pool; schema: string }) {
  const table = `${quoteIdent(deps.schema)}.run_history`;
  return {
    async list(f: RunFilter) {
      const p = params();
      const where: string[] = [];
      if (f.pipeline) where.push(`pipeline = ${p.add(f.pipeline)}`);
      if (f.namespace) where.push(`namespace = ${p.add(f.namespace)}`);
      if (f.phase) where.push(`phase = ${p.add(f.phase)}`);
      if (f.since) where.push(`started_at >= ${p.add(f.since)}`);
      if (f.until) where.push(`started_at < ${p.add(f.until)}`);
      const after = decodeCursor('runs', f.cursor, RunKey);
      if (after) where.push(`(started_at, run_id) < (${p.add(after[0])}::timestamptz, ${p.add(after[1])})`);
      const { rows } = await deps.pool.query<Row>(
        `SELECT ${COLUMNS} FROM ${table} ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
         ORDER BY started_at DESC, run_id DESC LIMIT ${p.add(f.limit + 1)}`,
        p.values,
      );
      const result = page(rows.map(toHistoryRow), f.limit, (r) => [r.startedAt, r.runId], 'runs');
      return result;
    },
    async get(runId: string): Promise<RunHistoryRow | undefined> {
      const { rows } = await deps.pool.query<Row>(`SELECT ${COLUMNS} FROM ${table} WHERE run_id = $1`, [
        runId,
      ]);
      return rows[0] ? toHistoryRow(rows[0]) : undefined;
    },
    /** The last `limit` runs that carry an enrichment report, newest first. */
    async withEnrichment(limit: number): Promise<RunHistoryRow[]> {
      const { rows } = await deps.pool.query<Row>(
        `SELECT ${COLUMNS} FROM ${table} WHERE enrichment IS NOT NULL ORDER BY started_at DESC, run_id DESC LIMIT $1`,
        [limit],
      );
      return rows.map(toHistoryRow);
    },
    /** Pipelines seen in the history, with their latest run. */
    async pipelines(): Promise<
      { pipeline: string; namespace: string | null; runs: number; last: RunHistoryRow }[]
    > {
      const { rows } = await deps.pool.query<Row & { runs: string }>(
        `SELECT DISTINCT ON (pipeline, namespace) ${COLUMNS},
           count(*) OVER (PARTITION BY pipeline, namespace) AS runs
         FROM ${table} ORDER BY pipeline, namespace, started_at DESC, run_id DESC`,
      );
      return rows.map((r) => ({
        pipeline: r.pipeline,
        namespace: r.namespace,
        runs: Number(r.runs),
        last: toHistoryRow(r),
      }));
    },
    async upsert(rows: readonly RunHistoryRow[]): Promise<void> {
      if (rows.length === 0) return;
      // Bounded statements: 500 rows x 15 parameters stays far below PostgreSQL's 65,535 bind parameters.
      for (let i = 0; i < rows.length; i += 500) {
        const chunk = rows.slice(i, i + 500);
        await deps.pool.query(upsertHistorySql(deps.schema, chunk.length), upsertHistoryParams(chunk));
      }
    },
  };
}

export type RunRepository = ReturnType<typeof createRunRepository>;
