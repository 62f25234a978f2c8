import type { Logger } from 'pino';
import { LABELS } from '../core/names.js';
import type { PipelineObject, PipelineRunObject, PipelineScheduleObject } from '../core/resources.js';
import { isStatus, type KubeClient } from '../kube/kube-client.js';
import type { OperatorMetrics } from '../metrics.js';
import { reconcileSchedule } from '../schedule/reconcile-schedule.js';
import {
  countMissedRuns,
  forgetSchedule,
  recordSchedule,
  type ScheduleLabels,
} from '../schedule/schedule-metrics.js';
import type { TriggerDecision } from '../trigger/decide-trigger.js';
import type { createTriggerPoller } from '../trigger/trigger-poller.js';
import { INDEX } from './cache-indexes.js';
import type { Informer, KubeObject } from './informer.js';
import {
  collection,
  createIfAbsent,
  deleteIfPresent,
  mergePatch,
  recordEvent,
  writeStatus,
} from './kube-writes.js';
import { sameJson } from './run-handler.js';

/** Adapter around reconcileSchedule: reads the caches, executes the actions, writes the status. */

interface ScheduleHandlerDeps {
  client: KubeClient;
  schedules: Informer<PipelineScheduleObject & KubeObject>;
  runs: Informer<PipelineRunObject & KubeObject>;
  logger: Logger;
  now: () => Date;
  metrics?: OperatorMetrics;
  /** File-arrival triggers (spec.trigger): polled here, on this queue, when due. */
  pipelines?: Informer<PipelineObject & KubeObject>;
  triggers?: ReturnType<typeof createTriggerPoller>;
}

export function createScheduleHandler(deps: ScheduleHandlerDeps) {
  // The label set each schedule's series were last written with, to remove them when it goes (or changes pipeline).
  const seriesOf = new Map<string, ScheduleLabels>();
  const forget = (key: string) => {
    const labels = seriesOf.get(key);
    if (labels && deps.metrics) forgetSchedule(deps.metrics, labels);
    seriesOf.delete(key);
  };
  return async (key: string): Promise<{ requeueAfterMs?: number }> => {
    const schedule = deps.schedules.get(key);
    if (!schedule || schedule.metadata.deletionTimestamp) {
      forget(key);
      deps.triggers?.forget(key, schedule);
      return {};
    }
    const ns = schedule.metadata.namespace;
    const log = deps.logger.child({ pipelineSchedule: key, generation: schedule.metadata.generation });
    const owned = deps.runs
      .byIndex(INDEX.runsBySchedule, key)
      .filter(
        (r) =>
          r.metadata.namespace === ns &&
          r.metadata.labels?.[LABELS.schedule] === schedule.metadata.name &&
          r.metadata.ownerReferences?.some((o) => o.uid === schedule.metadata.uid),
      );
    const now = deps.now();
    const result = reconcileSchedule(schedule, owned, now);
    const runs = collection(schedule.apiVersion, ns, 'pipelineruns');
    const trigger = await pollTrigger(deps, key, schedule, owned, result, now);
    for (const a of result.actions) {
      if (a.type === 'createRun') {
        await createIfAbsent(deps.client, runs, a.run);
        log.info({ run: a.run.metadata.name }, 'created scheduled run');
      } else if (a.type === 'cancelRun') {
        await mergePatch(deps.client, runs, a.name, { spec: { cancelled: true } });
      } else if (a.type === 'deleteRun') {
        await deleteIfPresent(deps.client, runs, a.name);
      } else {
        await recordEvent(deps.client, schedule, a, now).catch((e: unknown) =>
          log.warn({ err: e }, 'event not recorded'),
        );
      }
    }
    if (trigger.run) {
      try {
        await deps.client.create(runs, { ...trigger.run });
      } catch (e) {
        if (!isStatus(e, 409)) {
          deps.triggers?.retrySoon(key);
          throw e;
        }
        // The name is the file set's hash: another replica (or this one before a restart) claimed these files.
        trigger.event = {
          eventType: 'Normal',
          reason: 'RunAlreadyClaimed',
          message: `${trigger.run.metadata.name} already exists for these files; not created again`,
        };
      }
      deps.triggers?.claimed(key, { run: trigger.run.metadata.name, files: trigger.files });
      log.info({ run: trigger.run.metadata.name, files: trigger.files.length }, 'created triggered run');
    }
    if (trigger.event) {
      await recordEvent(deps.client, schedule, { type: 'event', ...trigger.event }, now).catch((e: unknown) =>
        log.warn({ err: e }, 'event not recorded'),
      );
    }
    if (!sameJson(schedule.status ?? {}, result.status)) {
      await writeStatus(
        deps.client,
        collection(schedule.apiVersion, ns, 'pipelineschedules'),
        schedule,
        result.status,
      );
    }
    if (deps.metrics) {
      const labels = {
        namespace: ns,
        schedule: schedule.metadata.name,
        pipeline: schedule.spec.pipelineRef.name,
      };
      if (seriesOf.get(key)?.pipeline !== labels.pipeline) forget(key);
      seriesOf.set(key, labels);
      recordSchedule(deps.metrics, labels, {
        status: result.status,
        suspended: schedule.spec.suspend,
        intervalSeconds: result.intervalSeconds,
      });
      // After the status write: a 409 recomputes the same misses and counts them then, not twice.
      countMissedRuns(deps.metrics, labels, result.missed);
    }
    const requeue = Math.min(result.requeueAfterMs ?? Infinity, trigger.requeueAfterMs ?? Infinity);
    return Number.isFinite(requeue) ? { requeueAfterMs: requeue } : {};
  };
}

type TriggerOutcome = Partial<Pick<TriggerDecision, 'run' | 'event'>> & {
  files: string[];
  requeueAfterMs?: number;
};

/** Polls the schedule's file trigger when due and folds its status into the schedule's (see operator/trigger). */
async function pollTrigger(
  deps: ScheduleHandlerDeps,
  key: string,
  schedule: PipelineScheduleObject,
  owned: PipelineRunObject[],
  result: ReturnType<typeof reconcileSchedule>,
  now: Date,
): Promise<TriggerOutcome> {
  if (!deps.triggers) return { files: [] };
  if (!schedule.spec.trigger || schedule.spec.suspend) {
    deps.triggers.forget(key, schedule);
    return { files: [] };
  }
  const pipeline = deps.pipelines?.get(`${schedule.metadata.namespace}/${schedule.spec.pipelineRef.name}`);
  // A run the cron part creates in this reconcile counts as active for the trigger's concurrency policy.
  const created = result.actions.flatMap((a) => (a.type === 'createRun' ? [a.run] : []));
  const { decision, requeueAfterMs } = await deps.triggers.pollIfDue(
    key,
    schedule,
    pipeline,
    [...owned, ...created],
    now,
  );
  if (!decision) return { files: [], requeueAfterMs };
  const prev = schedule.status?.trigger;
  // A poll that changes nothing but its time is not written: 1,000 quiet schedules would otherwise write every poll.
  const { lastPollTime: _a, ...was } = prev ?? {};
  const { lastPollTime: _b, ...is } = decision.status;
  void _a;
  void _b;
  result.status.trigger = prev && sameJson(was, is) ? prev : decision.status;
  return {
    files: decision.files,
    requeueAfterMs,
    ...(decision.run ? { run: decision.run } : {}),
    ...(decision.event ? { event: decision.event } : {}),
  };
}
