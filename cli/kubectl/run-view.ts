import type {
  PipelineObject,
  PipelineRunObject,
  PipelineScheduleObject,
} from '../../operator/core/resources.js';
import { nextTime } from '../../operator/schedule/cron-times.js';
import { parseCron } from '../../operator/schedule/cron.js';
import { formatDateSet } from '../../runner/lake/date-set.js';
import { age, renderTable, shortDuration } from './output.js';

/** Pure views of the custom resources for `status` and `runs`: what the tables print and `-o json` returns. */

const SUCCESS = new Set(['Succeeded', 'Degraded']);
export const TERMINAL = new Set(['Succeeded', 'Degraded', 'Failed', 'Cancelled']);

interface Partitions {
  from: string;
  to: string;
  /** A retry's subset of the range (spec.partitions.only). */
  only?: string[];
}

/** The outcome per partition of a backfill, from status.partitions (absent until the silver step reported). */
interface PartitionOutcome {
  requested: number;
  succeeded: number;
  failed: number;
  /** Failed dates as ranges (2011-03-08,2011-03-15); every reason's dates together. */
  failedDates: string;
}

export interface RunRow {
  name: string;
  pipeline: string;
  phase: string;
  /** The step running now, else the last step that started. */
  step: string | null;
  stepsDone: number;
  stepsTotal: number;
  qualityScore: number | null;
  partitions: Partitions | null;
  partitionOutcome: PartitionOutcome | null;
  cancelled: boolean;
  createdAt: string | null;
  startTime: string | null;
  completionTime: string | null;
  durationSeconds: number | null;
}

export function runRow(run: PipelineRunObject, now: Date): RunRow {
  const st = run.status ?? {};
  const steps = st.steps ?? [];
  const started = steps.filter((s) => s.jobName || s.startTime);
  const end = st.completionTime ? Date.parse(st.completionTime) : now.getTime();
  const partitions = (run.spec as { partitions?: Partitions }).partitions;
  const outcome = st.partitions;
  return {
    name: run.metadata.name,
    pipeline: run.spec.pipelineRef.name,
    phase: st.phase ?? 'Pending',
    step: st.currentStep ?? started.at(-1)?.name ?? null,
    stepsDone: steps.filter((s) => SUCCESS.has(s.phase)).length,
    stepsTotal: steps.length || (run.spec.steps?.length ?? 0),
    qualityScore: st.quality?.score ?? null,
    partitions: partitions
      ? { from: partitions.from, to: partitions.to, ...(partitions.only ? { only: partitions.only } : {}) }
      : null,
    partitionOutcome: outcome
      ? { ...outcome.counts, failedDates: (outcome.failed ?? []).map((f) => f.dates).join(',') }
      : null,
    cancelled: run.spec.cancelled === true,
    createdAt: run.metadata.creationTimestamp ?? null,
    startTime: st.startTime ?? null,
    completionTime: st.completionTime ?? null,
    durationSeconds: st.startTime ? Math.max(0, Math.round((end - Date.parse(st.startTime)) / 1000)) : null,
  };
}

/** Newest first, as `kubectl medallion runs` lists them. */
export const byNewest = (a: PipelineRunObject, b: PipelineRunObject): number =>
  (b.metadata.creationTimestamp ?? '').localeCompare(a.metadata.creationTimestamp ?? '') ||
  b.metadata.name.localeCompare(a.metadata.name);

/** `2011-03-01..2011-03-31 29/31 ok, failed 2011-03-08,2011-03-15`; a retry shows the dates it retries. */
function partitionsCell(r: RunRow): string | undefined {
  if (!r.partitions) return undefined;
  const p = r.partitions;
  const range = p.only ? formatDateSet(p.only) : `${p.from}..${p.to}`;
  const o = r.partitionOutcome;
  if (!o) return range;
  return `${range} ${o.succeeded}/${o.requested} ok${o.failed ? `, failed ${o.failedDates}` : ''}`;
}

export function runsTable(rows: RunRow[], now: Date): string {
  return renderTable(
    ['name', 'pipeline', 'phase', 'step', 'steps', 'quality', 'partitions', 'duration', 'age'],
    rows.map((r) => [
      r.name,
      r.pipeline,
      r.cancelled && !TERMINAL.has(r.phase) ? `${r.phase} (cancelling)` : r.phase,
      r.step,
      `${r.stepsDone}/${r.stepsTotal}`,
      r.qualityScore?.toFixed(3),
      partitionsCell(r),
      r.durationSeconds === null ? undefined : shortDuration(r.durationSeconds * 1000),
      age(r.createdAt, now),
    ]),
  );
}

export type Freshness = 'fresh' | 'late' | 'never' | 'unscheduled';

export interface PipelineStatusRow {
  name: string;
  namespace: string;
  ready: boolean | null;
  lastRun: { name: string; phase: string; startTime: string | null; completionTime: string | null } | null;
  qualityScore: number | null;
  lastSuccessAt: string | null;
  /** Late when a schedule time after the last success has passed (the console's rule, api/console). */
  freshness: Freshness;
  nextDueAt: string | null;
  schedules: {
    name: string;
    schedule: string;
    timeZone: string;
    suspended: boolean;
    nextScheduleTime: string | null;
  }[];
  nextScheduleTime: string | null;
  activeRuns: number;
}

export function pipelineStatusRow(
  p: PipelineObject,
  runs: PipelineRunObject[],
  schedules: PipelineScheduleObject[],
  now: Date,
): PipelineStatusRow {
  const mine = runs.filter((r) => r.spec.pipelineRef.name === p.metadata.name).sort(byNewest);
  const st = p.status ?? {};
  const newest = mine[0];
  const lastRun = newest
    ? {
        name: newest.metadata.name,
        phase: newest.status?.phase ?? 'Pending',
        startTime: newest.status?.startTime ?? null,
        completionTime: newest.status?.completionTime ?? null,
      }
    : st.lastRun
      ? {
          name: st.lastRun.name,
          phase: st.lastRun.phase ?? 'Pending',
          startTime: st.lastRun.startTime ?? null,
          completionTime: st.lastRun.completionTime ?? null,
        }
      : null;
  const successes = [
    st.lastSuccessfulRun?.completionTime,
    ...mine.filter((r) => SUCCESS.has(r.status?.phase ?? '')).map((r) => r.status?.completionTime),
  ].filter((t): t is string => Boolean(t));
  const lastSuccessAt = successes.sort().at(-1) ?? null;
  const scheds = schedules
    .filter((s) => s.spec.pipelineRef.name === p.metadata.name)
    .map((s) => ({
      name: s.metadata.name,
      // A schedule with only a file trigger shows as such; it has no due time.
      schedule: s.spec.schedule ?? 'on new files',
      timeZone: s.spec.timeZone ?? 'UTC',
      suspended: s.spec.suspend === true,
      nextScheduleTime: s.spec.suspend ? null : (s.status?.nextScheduleTime ?? null),
    }));
  const active = scheds.filter((s) => !s.suspended);
  let nextDue: number | undefined;
  if (lastSuccessAt) {
    for (const s of active) {
      try {
        const t = nextTime(parseCron(s.schedule), s.timeZone, new Date(lastSuccessAt))?.getTime();
        if (t !== undefined && (nextDue === undefined || t < nextDue)) nextDue = t;
      } catch {
        // An invalid cron is reported on the schedule's own status; it gives no due time here.
      }
    }
  }
  const ready = st.conditions?.find((c) => c.type === 'Ready');
  const nextTimes = active.map((s) => s.nextScheduleTime).filter((t): t is string => Boolean(t));
  return {
    name: p.metadata.name,
    namespace: p.metadata.namespace,
    ready: ready ? ready.status === 'True' : null,
    lastRun,
    qualityScore: st.lastQualityScore ?? null,
    lastSuccessAt,
    freshness:
      active.length === 0
        ? 'unscheduled'
        : !lastSuccessAt
          ? 'never'
          : nextDue !== undefined && nextDue < now.getTime()
            ? 'late'
            : 'fresh',
    nextDueAt: nextDue === undefined ? null : new Date(nextDue).toISOString(),
    schedules: scheds,
    nextScheduleTime: nextTimes.sort()[0] ?? null,
    activeRuns: mine.filter((r) => !TERMINAL.has(r.status?.phase ?? 'Pending')).length,
  };
}

export function statusTable(rows: PipelineStatusRow[], now: Date): string {
  return renderTable(
    [
      'pipeline',
      'ready',
      'last run',
      'phase',
      'quality',
      'last success',
      'freshness',
      'next schedule',
      'active',
    ],
    rows.map((r) => [
      r.name,
      r.ready === null ? undefined : String(r.ready),
      r.lastRun?.name,
      r.lastRun?.phase,
      r.qualityScore?.toFixed(3),
      r.lastSuccessAt ? `${age(r.lastSuccessAt, now)} ago` : undefined,
      r.freshness,
      r.nextScheduleTime ?? undefined,
      r.activeRuns,
    ]),
  );
}
