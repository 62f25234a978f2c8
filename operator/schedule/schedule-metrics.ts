import type { OperatorMetrics } from '../metrics.js';
import type { PipelineScheduleStatus } from '../spec/pipeline-schedule.js';
import type { MissedRun } from './reconcile-schedule.js';

/** A schedule's series: bounded by the PipelineSchedule objects, removed when the schedule is deleted. */
export interface ScheduleLabels {
  namespace: string;
  schedule: string;
  pipeline: string;
}

const REASONS = ['starting_deadline_exceeded', 'concurrency_forbid'] as const;
const seconds = (iso: string | undefined) => (iso ? Date.parse(iso) / 1000 : NaN);

function setOrRemove(
  gauge: OperatorMetrics['scheduleLast'],
  labels: ScheduleLabels,
  value: number | undefined,
) {
  if (value === undefined || Number.isNaN(value)) gauge.remove(labels);
  else gauge.set(labels, value);
}

/** Gauges from the schedule's computed status and spec (also restores them after an operator restart). */
export function recordSchedule(
  m: OperatorMetrics,
  labels: ScheduleLabels,
  s: { status: PipelineScheduleStatus; suspended: boolean; intervalSeconds?: number | undefined },
) {
  setOrRemove(m.scheduleInterval, labels, s.intervalSeconds);
  setOrRemove(m.scheduleLast, labels, seconds(s.status.lastScheduleTime));
  setOrRemove(m.scheduleNext, labels, seconds(s.status.nextScheduleTime));
  m.scheduleSuspended.set(labels, s.suspended ? 1 : 0);
  // Present at 0 from the start, so rate() and increase() see the first miss.
  for (const reason of REASONS) m.scheduleMissed.inc({ ...labels, reason }, 0);
}

/** Counts missed schedule times; call once the status that moves past them is stored. */
export function countMissedRuns(m: OperatorMetrics, labels: ScheduleLabels, missed: MissedRun[]) {
  for (const x of missed) m.scheduleMissed.inc({ ...labels, reason: x.reason });
}

export function forgetSchedule(m: OperatorMetrics, labels: ScheduleLabels) {
  for (const g of [m.scheduleInterval, m.scheduleLast, m.scheduleNext, m.scheduleSuspended]) g.remove(labels);
  for (const reason of REASONS) m.scheduleMissed.remove({ ...labels, reason });
}
