import type pg from 'pg';
import { z } from 'zod';
import { quoteIdent } from '../../runner/engine/sql-quote.js';
import type { CheckHistoryRow } from '../../runner/history/check-rows.js';
import { decodeCursor, page } from '../cursor.js';
import { params } from './sql.js';

const COLUMNS = `run_id, check_name, pipeline, namespace, run_started_at, step, kind, severity, status, layer,
  table_name, scope, failing_rows, observed, expected, message, sample_key, duration_seconds`;

interface Row {
  run_id: string;
  check_name: string;
  pipeline: string;
  namespace: string | null;
  run_started_at: Date;
  step: string;
  kind: CheckHistoryRow['kind'];
  severity: CheckHistoryRow['severity'];
  status: CheckHistoryRow['status'];
  layer: CheckHistoryRow['layer'];
  table_name: string;
  scope: CheckHistoryRow['scope'];
  failing_rows: string;
  observed: number | null;
  expected: string | null;
  message: string;
  sample_key: string | null;
  duration_seconds: number;
}

const toRow = (r: Row): CheckHistoryRow => ({
  runId: r.run_id,
  name: r.check_name,
  pipeline: r.pipeline,
  namespace: r.namespace,
  runStartedAt: r.run_started_at.toISOString(),
  step: r.step,
  kind: r.kind,
  severity: r.severity,
  status: r.status,
  layer: r.layer,
  table: r.table_name,
  scope: r.scope,
  failingRows: Number(r.failing_rows),
  ...(r.observed === null ? {} : { observed: r.observed }),
  ...(r.expected === null ? {} : { expected: r.expected }),
  message: r.message,
  ...(r.sample_key === null ? {} : { sampleKey: r.sample_key }),
  durationSeconds: r.duration_seconds,
});

const HistoryKey = z.tuple([
  z.iso.datetime({ offset: true }),
  z
    .string()
    .max(512)
    .regex(/^[^\0]*$/),
]);

export interface CheckHistoryFilter {
  pipeline: string;
  check: string;
  namespace?: string | undefined;
  status?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

/** `run_check_results` (migration 0006): a run's checks, and one check over time, newest first in keyset pages. */
export function createCheckRepository(deps: { pool: pg.Pool; schema: string }) {
  const table = `${quoteIdent(deps.schema)}.run_check_results`;
  return {
    /** A run's checks, error severity and failures first (a run has as many as its spec declares). */
    async forRun(runId: string): Promise<CheckHistoryRow[]> {
      const { rows } = await deps.pool.query<Row>(
        `SELECT ${COLUMNS} FROM ${table} WHERE run_id = $1
         ORDER BY status IN ('failed', 'errored') DESC, severity = 'error' DESC, check_name`,
        [runId],
      );
      return rows.map(toRow);
    },
    async history(f: CheckHistoryFilter) {
      const p = params();
      const where = [`pipeline = ${p.add(f.pipeline)}`, `check_name = ${p.add(f.check)}`];
      if (f.namespace) where.push(`namespace = ${p.add(f.namespace)}`);
      if (f.status) where.push(`status = ${p.add(f.status)}`);
      if (f.since) where.push(`run_started_at >= ${p.add(f.since)}`);
      if (f.until) where.push(`run_started_at < ${p.add(f.until)}`);
      const after = decodeCursor('check-history', f.cursor, HistoryKey);
      if (after)
        where.push(`(run_started_at, run_id) < (${p.add(after[0])}::timestamptz, ${p.add(after[1])})`);
      const { rows } = await deps.pool.query<Row>(
        `SELECT ${COLUMNS} FROM ${table} WHERE ${where.join(' AND ')}
         ORDER BY run_started_at DESC, run_id DESC LIMIT ${p.add(f.limit + 1)}`,
        p.values,
      );
      return page(rows.map(toRow), f.limit, (r) => [r.runStartedAt, r.runId], 'check-history');
    },
    /** Whether the pipeline ever recorded this check (tells an empty page from an unknown check). */
    async known(pipeline: string, check: string): Promise<boolean> {
      const { rowCount } = await deps.pool.query(
        `SELECT 1 FROM ${table} WHERE pipeline = $1 AND check_name = $2 LIMIT 1`,
        [pipeline, check],
      );
      return (rowCount ?? 0) > 0;
    },
  };
}

export type CheckRepository = ReturnType<typeof createCheckRepository>;
