import { parseCron } from '../../operator/schedule/cron.js';
import { nextTime } from '../../operator/schedule/cron-times.js';
import type { RunHistoryRow } from '../../runner/history/history-row.js';
import type { PipelineInfo, ScheduleInfo } from '../runs/runs-service.js';

export interface PipelineOverview {
  namespace: string | null;
  name: string;
  last_run: {
    id: string;
    phase: string;
    started_at: string;
    finished_at: string | null;
    quality_score: number | null;
  } | null;
  last_success_at: string | null;
  schedule: string | null;
  time_zone: string | null;
  /** The first schedule time after the last success: the pipeline is late once this has passed without a success. */
  next_due_at: string | null;
  freshness: 'fresh' | 'late' | 'never' | 'unscheduled';
  durations: { run_id: string; started_at: string; duration_ms: number; phase: string }[];
}

const SUCCESS = new Set(['Succeeded', 'Degraded']);

const qualityScore = (q: unknown): number | null =>
  q && typeof (q as { score?: unknown }).score === 'number' ? (q as { score: number }).score : null;

/**
 * Pure: one pipeline's row of the console's pipelines page from its recent runs (newest first) and its schedule.
 * Freshness compares the last success with the schedule: late when a schedule time after it has passed.
 */
export function pipelineOverview(
  pipeline: Pick<PipelineInfo, 'namespace' | 'name'>,
  recent: readonly RunHistoryRow[],
  schedule: ScheduleInfo | undefined,
  now: Date,
): PipelineOverview {
  const last = recent[0];
  const success = recent.find((r) => SUCCESS.has(r.phase) && r.finishedAt);
  let nextDue: Date | undefined;
  if (schedule && success?.finishedAt) {
    try {
      nextDue = nextTime(parseCron(schedule.schedule), schedule.timeZone, new Date(success.finishedAt));
    } catch {
      nextDue = undefined;
    }
  }
  return {
    namespace: pipeline.namespace,
    name: pipeline.name,
    last_run: last
      ? {
          id: last.runId,
          phase: last.phase,
          started_at: last.startedAt,
          finished_at: last.finishedAt,
          quality_score: qualityScore(last.quality),
        }
      : null,
    last_success_at: success?.finishedAt ?? null,
    schedule: schedule?.schedule ?? null,
    time_zone: schedule?.timeZone ?? null,
    next_due_at: nextDue ? nextDue.toISOString() : null,
    freshness: !schedule
      ? 'unscheduled'
      : !success
        ? 'never'
        : nextDue && nextDue.getTime() < now.getTime()
          ? 'late'
          : 'fresh',
    durations: recent
      .filter((r) => r.finishedAt)
      .map((r) => ({
        run_id: r.runId,
        started_at: r.startedAt,
        duration_ms: Date.parse(r.finishedAt!) - Date.parse(r.startedAt),
        phase: r.phase,
      }))
      .reverse(),
  };
}
