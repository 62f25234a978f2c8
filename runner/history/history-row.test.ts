import { describe, expect, it } from 'vitest';
import type { RunSummary } from '../run/run-summary.js';
import { historyRowFromSummary, upsertHistoryParams, upsertHistorySql } from './history-row.js';

const summary = {
  runId: '20260101t000000000z-abcdef',
  pipeline: 'online-retail',
  status: 'Degraded',
  startedAt: '2026-01-01T00:00:00.000Z',
  finishedAt: '2026-01-01T00:00:09.000Z',
  steps: {
    bronze: { status: 'Succeeded', rowsIn: 10, rowsOut: 10, durationMs: 5 },
    silver: { status: 'Degraded', rowsIn: 10, rowsOut: 9, durationMs: 7, note: 'fallback' },
  },
  quality: null,
  kpis: null,
  enrichment: null,
  lineage: { inputs: [], outputs: [] },
  lake: '/lake',
} as unknown as RunSummary;

describe('run history rows', () => {
  it('keep the summary’s id, phase, steps in order and the lineage events given', () => {
    const row = historyRowFromSummary(summary, [{ eventType: 'START' }]);
    expect(row).toMatchObject({
      runId: summary.runId,
      source: 'runner',
      phase: 'Degraded',
      lineage: [{ eventType: 'START' }],
    });
    expect(row.steps.map((s) => [s.name, s.phase, s.message])).toEqual([
      ['bronze', 'Succeeded', null],
      ['silver', 'Degraded', 'fallback'],
    ]);
  });

  it('upsert with one bind parameter per column and row, never interpolated values', () => {
    const rows = [
      historyRowFromSummary(summary, []),
      historyRowFromSummary({ ...summary, runId: "x'); DROP TABLE t; --" }, []),
    ];
    const sql = upsertHistorySql('medallion', rows.length);
    const params = upsertHistoryParams(rows);
    expect(params).toHaveLength(30);
    expect(sql).toContain('$30');
    expect(sql).not.toContain('DROP');
    expect(sql).toMatch(/ON CONFLICT \(run_id\) DO UPDATE/);
  });
});
