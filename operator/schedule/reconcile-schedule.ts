import { k8sTime, setCondition } from '../core/conditions.js';
import { ANNOTATIONS, LABELS, boundedName } from '../core/names.js';
import {
  ownerReference,
  type EventAction,
  type PipelineRunObject,
  type PipelineScheduleObject,
} from '../core/resources.js';
import type { PipelineScheduleStatus } from '../spec/pipeline-schedule.js';
import { CronError, parseCron, type CronSpec } from './cron.js';
import { isTimeZone, nextTime, previousTime } from './cron-times.js';

/**
 * PipelineSchedule reconciliation with CronJob's semantics, as a pure function of the schedule, the runs it owns and
 * the time. The adapter executes the actions (creates are idempotent: run names derive from the scheduled minute).
 */

type ScheduleAction =
  | { type: 'createRun'; run: PipelineRunObject }
  /** Replace policy: the run's own reconciler deletes its Jobs once spec.cancelled is set. */
  | { type: 'cancelRun'; name: string }
  /** History pruning. */
  | { type: 'deleteRun'; name: string }
  | EventAction;

type MissedReason = 'starting_deadline_exceeded' | 'concurrency_forbid';

/** A schedule time that produced no run, and never will. */
export interface MissedRun {
  scheduledTime: string;
  reason: MissedReason;
}

export interface ScheduleResult {
  actions: ScheduleAction[];
  status: PipelineScheduleStatus;
  /** Reconcile again after this long (the next schedule time), if nothing else triggers it first. */
  requeueAfterMs?: number;
  /**
   * Times that became final misses in this reconcile; each appears in exactly one result, because the status
   * written with it (lastScheduleTime / lastMissedTime) moves the window past it. Count them once that is stored.
   */
  missed: MissedRun[];
  /** Seconds between the next two schedule times (absent for an invalid or exhausted schedule). */
  intervalSeconds?: number;
}

const SUCCESS = new Set(['Succeeded', 'Degraded']);
const FAILURE = new Set(['Failed', 'Cancelled']);
// Counting missed times only serves the event text; cap it like CronJob does (it warns past 100).
const MISSED_COUNT_CAP = 100;
// Superseded times examined per reconcile for the missed-runs metric (a minutely schedule down for 16 hours).
const MISSED_LIST_CAP = 1000;

const isFinished = (r: PipelineRunObject) =>
  SUCCESS.has(r.status?.phase ?? '') || FAILURE.has(r.status?.phase ?? '');
const finishedAt = (r: PipelineRunObject) =>
  Date.parse(r.status?.completionTime ?? r.metadata.creationTimestamp ?? '') || 0;

/** The deterministic run name for one scheduled time (minutes since the epoch, as CronJob names its Jobs). */
export function scheduledRunName(scheduleName: string, scheduled: Date): string {
  return boundedName([scheduleName, Math.floor(scheduled.getTime() / 60_000)]);
}

function prune(runs: PipelineRunObject[], keep: number): string[] {
  return runs
    .sort((a, b) => finishedAt(b) - finishedAt(a))
    .slice(keep)
    .map((r) => r.metadata.name);
}

function countMissed(spec: CronSpec, tz: string, after: Date, until: Date): number {
  let n = 0;
  for (let t = nextTime(spec, tz, after); t && t <= until && n < MISSED_COUNT_CAP; t = nextTime(spec, tz, t))
    n++;
  return n;
}

/**
 * Why a schedule time produced no run: Forbid, when a run of the schedule was active at that time (the operator, had
 * it looked then, would have skipped it); otherwise it came too late (operator down, deadline passed).
 */
function missReason(spec: PipelineScheduleObject['spec'], runs: PipelineRunObject[], t: Date): MissedReason {
  const ms = t.getTime();
  const activeAt = (r: PipelineRunObject) =>
    (Date.parse(r.metadata.creationTimestamp ?? '') || Infinity) <= ms &&
    (!isFinished(r) || finishedAt(r) > ms);
  return spec.concurrencyPolicy === 'Forbid' && runs.some(activeAt)
    ? 'concurrency_forbid'
    : 'starting_deadline_exceeded';
}

/** Schedule times strictly between `after` and `before` that got no run: a newer due time supersedes them. */
function superseded(
  schedule: PipelineScheduleObject,
  cron: CronSpec,
  runs: PipelineRunObject[],
  after: Date,
  before: Date,
): MissedRun[] {
  const names = new Set(runs.map((r) => r.metadata.name));
  const out: MissedRun[] = [];
  const tz = schedule.spec.timeZone;
  for (
    let t = nextTime(cron, tz, after);
    t && t < before && out.length < MISSED_LIST_CAP;
    t = nextTime(cron, tz, t)
  ) {
    if (!names.has(scheduledRunName(schedule.metadata.name, t)))
      out.push({ scheduledTime: k8sTime(t), reason: missReason(schedule.spec, runs, t) });
  }
  return out;
}

function buildRun(schedule: PipelineScheduleObject, scheduled: Date): PipelineRunObject {
  const { metadata, spec } = schedule;
  return {
    apiVersion: 'medallion.dev/v1alpha1',
    kind: 'PipelineRun',
    metadata: {
      name: scheduledRunName(metadata.name, scheduled),
      namespace: metadata.namespace,
      labels: { [LABELS.pipeline]: spec.pipelineRef.name, [LABELS.schedule]: metadata.name },
      annotations: { [ANNOTATIONS.scheduledTime]: k8sTime(scheduled) },
      ownerReferences: [ownerReference(schedule)],
    },
    spec: { pipelineRef: spec.pipelineRef, ...spec.runOverrides, cancelled: false, suspend: false },
  };
}

export function reconcileSchedule(
  schedule: PipelineScheduleObject,
  observedRuns: PipelineRunObject[],
  now: Date,
): ScheduleResult {
  const { spec, metadata } = schedule;
  const prev = schedule.status ?? {};
  const actions: ScheduleAction[] = [];
  const event = (eventType: EventAction['eventType'], reason: string, message: string) =>
    actions.push({ type: 'event', eventType, reason, message });

  const active = observedRuns.filter((r) => !isFinished(r));
  const succeeded = observedRuns.filter((r) => SUCCESS.has(r.status?.phase ?? ''));
  const failed = observedRuns.filter((r) => FAILURE.has(r.status?.phase ?? ''));
  for (const name of prune([...succeeded], spec.successfulRunsHistoryLimit))
    actions.push({ type: 'deleteRun', name });
  for (const name of prune([...failed], spec.failedRunsHistoryLimit))
    actions.push({ type: 'deleteRun', name });

  const latestSuccess = Math.max(
    0,
    Date.parse(prev.lastSuccessfulTime ?? '') || 0,
    ...succeeded.map(finishedAt),
  );
  const status: PipelineScheduleStatus = {
    ...prev,
    observedGeneration: metadata.generation,
    active: active.map((r) => ({
      name: r.metadata.name,
      ...(r.metadata.annotations?.[ANNOTATIONS.scheduledTime]
        ? { scheduledTime: r.metadata.annotations[ANNOTATIONS.scheduledTime] }
        : {}),
    })),
    ...(latestSuccess > 0 ? { lastSuccessfulTime: k8sTime(new Date(latestSuccess)) } : {}),
  };
  const ready = (ok: boolean, reason: string, message: string) => {
    status.conditions = setCondition(
      prev.conditions,
      {
        type: 'Ready',
        status: ok ? 'True' : 'False',
        reason,
        message,
        observedGeneration: metadata.generation,
      },
      now,
    );
  };

  if (spec.schedule === undefined) {
    // No cron: only the file trigger (operator/trigger) creates runs; history and active runs are kept here.
    delete status.nextScheduleTime;
    if (spec.suspend) ready(true, 'Suspended', 'suspended: no new runs are created');
    else ready(true, 'Triggered', 'runs are created when new source files arrive');
    return { actions, status, missed: [] };
  }
  let cron: CronSpec;
  try {
    cron = parseCron(spec.schedule);
    if (!isTimeZone(spec.timeZone)) throw new CronError(`unknown time zone "${spec.timeZone}"`);
  } catch (e) {
    if (!(e instanceof CronError)) throw e;
    delete status.nextScheduleTime;
    ready(false, 'InvalidSchedule', e.message);
    return { actions, status, missed: [] };
  }

  const next = nextTime(cron, spec.timeZone, now);
  const afterNext = next && nextTime(cron, spec.timeZone, next);
  const interval =
    next && afterNext ? { intervalSeconds: (afterNext.getTime() - next.getTime()) / 1000 } : {};
  const resumed = prev.conditions?.find((c) => c.type === 'Ready')?.reason === 'Suspended';
  if (spec.suspend) {
    delete status.nextScheduleTime;
    ready(true, 'Suspended', 'suspended: no new runs are created');
    return { actions, status, missed: [], ...interval };
  }

  if (next) status.nextScheduleTime = k8sTime(next);
  const requeueAfterMs = next ? next.getTime() - now.getTime() : undefined;
  ready(true, 'Scheduled', next ? `next run at ${k8sTime(next)}` : 'the schedule has no future times');
  const missed: MissedRun[] = [];
  const miss = (m: MissedRun[]) => {
    missed.push(...m);
    const last = m.at(-1);
    if (last) status.lastMissedTime = last.scheduledTime;
  };
  const result = (): ScheduleResult => ({
    actions,
    status,
    // Times skipped while suspended are intended, not missed (CronJob still runs the latest one on resume).
    missed: resumed ? [] : missed,
    ...interval,
    ...(requeueAfterMs !== undefined ? { requeueAfterMs } : {}),
  });

  // Only the most recent due time runs; anything older since the last run, the last miss (or creation) is missed.
  const since = new Date(
    Math.max(
      Date.parse(prev.lastScheduleTime ?? metadata.creationTimestamp ?? '') || now.getTime(),
      Date.parse(prev.lastMissedTime ?? '') || 0,
    ),
  );
  const due = previousTime(cron, spec.timeZone, now);
  if (!due || due <= since) return result();
  const older = () => superseded(schedule, cron, observedRuns, since, due);

  const name = scheduledRunName(metadata.name, due);
  if (observedRuns.some((r) => r.metadata.name === name)) {
    // Created before a crash that lost the status write: just record it.
    miss(older());
    status.lastScheduleTime = k8sTime(due);
    return result();
  }
  const deadline = spec.startingDeadlineSeconds;
  if (deadline !== undefined && due.getTime() + deadline * 1000 < now.getTime()) {
    event('Warning', 'MissedSchedule', `missed the run due at ${k8sTime(due)}: past startingDeadlineSeconds`);
    miss([...older(), { scheduledTime: k8sTime(due), reason: missReason(spec, observedRuns, due) }]);
    return result();
  }
  const earlier = countMissed(cron, spec.timeZone, since, due) - 1;
  if (earlier > 0 && prev.lastScheduleTime) {
    const count = earlier >= MISSED_COUNT_CAP - 1 ? `${earlier} or more` : String(earlier);
    event(
      'Warning',
      'MissedSchedule',
      `${count} earlier run time(s) missed; running only the one due at ${k8sTime(due)}`,
    );
  }

  miss(older());
  if (active.length > 0 && spec.concurrencyPolicy === 'Forbid') {
    // Not recorded as scheduled: like CronJob, it starts later if the active run ends within the deadline (so it
    // is counted as missed only once a newer time supersedes it or its deadline passes).
    event(
      'Normal',
      'RunSkipped',
      `run due at ${k8sTime(due)} skipped: ${active[0]?.metadata.name} is still active`,
    );
    return result();
  }
  if (spec.concurrencyPolicy === 'Replace') {
    for (const r of active.filter((a) => !a.spec.cancelled)) {
      actions.push({ type: 'cancelRun', name: r.metadata.name });
      event('Normal', 'RunReplaced', `cancelled ${r.metadata.name} to start the run due at ${k8sTime(due)}`);
    }
  }
  const run = buildRun(schedule, due);
  actions.push({ type: 'createRun', run });
  event('Normal', 'RunCreated', `created ${run.metadata.name} for ${k8sTime(due)}`);
  status.lastScheduleTime = k8sTime(due);
  status.active = [...(status.active ?? []), { name: run.metadata.name, scheduledTime: k8sTime(due) }];
  return result();
}
