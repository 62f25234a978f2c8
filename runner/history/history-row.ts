import { quoteIdent } from '../engine/sql-quote.js';
import type { RunSummary } from '../run/run-summary.js';

/** One row of `run_history` (migration 0004), as the recorder writes it and the API reads it. */
export interface RunHistoryRow {
  runId: string;
  source: 'runner' | 'cluster';
  namespace: string | null;
  name: string | null;
  pipeline: string;
  phase: 'Pending' | 'Running' | 'Succeeded' | 'Degraded' | 'Failed' | 'Cancelled';
  startedAt: string;
  finishedAt: string | null;
  steps: HistoryStep[];
  quality: unknown;
  kpis: Record<string, number | null> | null;
  enrichment: unknown;
  lineage: unknown[];
  error: { code: string; message: string; hint?: string } | null;
  lake: string | null;
}

interface HistoryStep {
  name: string;
  phase: string;
  rowsIn: number | null;
  rowsOut: number | null;
  durationMs: number | null;
  message: string | null;
  /** Cluster runs only (from the PipelineRun's step status): first attempt's start, finish, attempts started. */
  startedAt?: string | null;
  finishedAt?: string | null;
  attempts?: number | null;
}

/** Pure: the run summary of `medallion run` as a history row; lineage events are read separately from the lake. */
export function historyRowFromSummary(summary: RunSummary, lineage: unknown[]): RunHistoryRow {
  return {
    runId: summary.runId,
    source: 'runner',
    namespace: null,
    name: null,
    pipeline: summary.pipeline,
    phase: summary.status,
    startedAt: summary.startedAt,
    finishedAt: summary.finishedAt,
    steps: Object.entries(summary.steps).map(([name, s]) => ({
      name,
      phase: s.status,
      rowsIn: s.rowsIn,
      rowsOut: s.rowsOut,
      durationMs: s.durationMs,
      message: s.note ?? null,
    })),
    quality: summary.quality,
    kpis: summary.kpis,
    enrichment: summary.enrichment ?? null,
    lineage,
    error: summary.error ?? null,
    lake: summary.lake,
  };
}

const COLUMNS = [
  'run_id',
  'source',
  'namespace',
  'name',
  'pipeline',
  'phase',
  'started_at',
  'finished_at',
  'steps',
  'quality',
  'kpis',
  'enrichment',
  'lineage',
  'error',
  'lake',
] as const;

/** Parameterised upsert of history rows into `<schema>.run_history`; a newer observation replaces the older one. */
export function upsertHistorySql(schema: string, count: number): string {
  const table = `${quoteIdent(schema)}.run_history`;
  const values = Array.from(
    { length: count },
    (_, r) => `(${COLUMNS.map((_, c) => `$${r * COLUMNS.length + c + 1}`).join(', ')})`,
  ).join(', ');
  const updates = COLUMNS.filter((c) => c !== 'run_id' && c !== 'lineage')
    .map((c) => `${c} = EXCLUDED.${c}`)
    .join(', ');
  // Lineage is only known to the runner; a cluster observation must not erase it.
  return `INSERT INTO ${table} (${COLUMNS.join(', ')}) VALUES ${values}
    ON CONFLICT (run_id) DO UPDATE SET ${updates},
      lineage = CASE WHEN jsonb_array_length(EXCLUDED.lineage) > 0 THEN EXCLUDED.lineage ELSE ${table}.lineage END,
      recorded_at = now()`;
}

export function upsertHistoryParams(rows: readonly RunHistoryRow[]): unknown[] {
  return rows.flatMap((r) => [
    r.runId,
    r.source,
    r.namespace,
    r.name,
    r.pipeline,
    r.phase,
    r.startedAt,
    r.finishedAt,
    JSON.stringify(r.steps),
    r.quality === null || r.quality === undefined ? null : JSON.stringify(r.quality),
    r.kpis === null ? null : JSON.stringify(r.kpis),
    r.enrichment === null || r.enrichment === undefined ? null : JSON.stringify(r.enrichment),
    JSON.stringify(r.lineage),
    r.error === null ? null : JSON.stringify(r.error),
    r.lake,
  ]);
}
