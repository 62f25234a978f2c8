import type { Logger } from 'pino';
import { LABELS } from '../core/names.js';
import type { PipelineRunObject, PipelineScheduleObject } from '../core/resources.js';
import type { KubeClient } from '../kube/kube-client.js';
import type { OperatorMetrics } from '../metrics.js';
import { reconcileSchedule } from '../schedule/reconcile-schedule.js';
import {
  countMissedRuns,
  forgetSchedule,
  recordSchedule,
  type ScheduleLabels,
} from '../schedule/schedule-metrics.js';
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
    return result.requeueAfterMs !== undefined ? { requeueAfterMs: result.requeueAfterMs } : {};
  };
}
