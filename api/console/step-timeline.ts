import type { RunHistoryRow } from '../../runner/history/history-row.js';

export interface StepSpan {
  step: string;
  attempt: number;
  started_at: string;
  finished_at: string | null;
  phase: string;
}

export interface StepTimeline {
  source: 'lineage' | 'steps' | 'none';
  spans: StepSpan[];
}

interface Event {
  eventType?: string;
  eventTime?: string;
  job?: { name?: string };
}

/**
 * Pure: when each step ran. A runner's run has exact times in its OpenLineage events (START, then COMPLETE or FAIL per
 * step job; a step's second START is its second attempt); a cluster run has the PipelineRun's step statuses (first
 * attempt's start, completion, attempts started). run_history itself keeps only durations.
 */
export function stepTimeline(run: Pick<RunHistoryRow, 'lineage' | 'steps'>): StepTimeline {
  const spans: StepSpan[] = [];
  const open = new Map<string, StepSpan>();
  const attempts = new Map<string, number>();
  for (const e of run.lineage as Event[]) {
    const name = e.job?.name;
    if (!name || !e.eventTime || !name.includes('.')) continue; // the parent (pipeline) job has no step suffix
    const step = name.slice(name.lastIndexOf('.') + 1);
    if (e.eventType === 'START') {
      const attempt = (attempts.get(step) ?? 0) + 1;
      attempts.set(step, attempt);
      const span = { step, attempt, started_at: e.eventTime, finished_at: null, phase: 'Running' };
      open.set(step, span);
      spans.push(span);
    } else if (open.has(step)) {
      const span = open.get(step)!;
      span.finished_at = e.eventTime;
      span.phase =
        e.eventType === 'COMPLETE' ? 'Succeeded' : e.eventType === 'FAIL' ? 'Failed' : String(e.eventType);
      open.delete(step);
    }
  }
  if (spans.length > 0) return { source: 'lineage', spans };
  const fromSteps = run.steps
    .filter((s) => s.startedAt)
    .map((s) => ({
      step: s.name,
      attempt: Math.max(1, s.attempts ?? 1),
      started_at: s.startedAt!,
      finished_at: s.finishedAt ?? null,
      phase: s.phase,
    }));
  return { source: fromSteps.length ? 'steps' : 'none', spans: fromSteps };
}
