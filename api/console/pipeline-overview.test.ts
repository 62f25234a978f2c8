import { describe, expect, it } from 'vitest';
import type { RunHistoryRow } from '../../runner/history/history-row.js';
import { pipelineOverview } from './pipeline-overview.js';

const run = (
  id: string,
  phase: RunHistoryRow['phase'],
  start: string,
  end: string | null,
): RunHistoryRow => ({
  runId: id,
  source: 'cluster',
  namespace: 'retail',
  name: id,
  pipeline: 'online-retail',
  phase,
  startedAt: start,
  finishedAt: end,
  steps: [],
  quality: { score: 0.97 },
  kpis: null,
  enrichment: null,
  lineage: [],
  error: null,
  lake: null,
});
const pipeline = { namespace: 'retail', name: 'online-retail' };
const hourly = {
  namespace: 'retail',
  pipeline: 'online-retail',
  schedule: '0 * * * *',
  timeZone: 'UTC',
  suspended: false,
};
// Newest first, as the run list answers.
const recent = [
  run('r3', 'Failed', '2026-12-01T12:00:00Z', '2026-12-01T12:03:00Z'),
  run('r2', 'Succeeded', '2026-12-01T11:00:00Z', '2026-12-01T11:02:30Z'),
  run('r1', 'Degraded', '2026-12-01T10:00:00Z', '2026-12-01T10:01:00Z'),
];

describe('pipelineOverview', () => {
  it('takes the last run, the last success, and the durations oldest first', () => {
    const o = pipelineOverview(pipeline, recent, hourly, new Date('2026-12-01T11:30:00Z'));
    expect(o.last_run).toMatchObject({ id: 'r3', phase: 'Failed', quality_score: 0.97 });
    expect(o.last_success_at).toBe('2026-12-01T11:02:30Z');
    expect(o.durations.map((d) => [d.run_id, d.duration_ms])).toEqual([
      ['r1', 60_000],
      ['r2', 150_000],
      ['r3', 180_000],
    ]);
  });

  it('is late once a schedule time after the last success has passed', () => {
    expect(pipelineOverview(pipeline, recent, hourly, new Date('2026-12-01T11:59:00Z'))).toMatchObject({
      freshness: 'fresh',
      next_due_at: '2026-12-01T12:00:00.000Z',
    });
    expect(pipelineOverview(pipeline, recent, hourly, new Date('2026-12-01T12:05:00Z')).freshness).toBe(
      'late',
    );
    const daily = { ...hourly, schedule: '30 2 * * *', timeZone: 'Europe/London' };
    expect(pipelineOverview(pipeline, recent, daily, new Date('2026-12-01T20:00:00Z'))).toMatchObject({
      freshness: 'fresh',
      next_due_at: '2026-12-02T02:30:00.000Z',
    });
  });

  it('says never without a success and unscheduled without a schedule', () => {
    expect(pipelineOverview(pipeline, recent.slice(0, 1), hourly, new Date()).freshness).toBe('never');
    expect(pipelineOverview(pipeline, recent, undefined, new Date()).freshness).toBe('unscheduled');
    expect(pipelineOverview(pipeline, [], undefined, new Date()).last_run).toBeNull();
  });
});
