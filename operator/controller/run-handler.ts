import { isDeepStrictEqual } from 'node:util';
import type { Logger } from 'pino';
import type { PipelineObject, PipelineRunObject } from '../core/resources.js';
import type { KubeClient } from '../kube/kube-client.js';
import { recordRunTransition, type OperatorMetrics } from '../metrics.js';
import { finishedInTransition } from '../run/finished-in-transition.js';
import type { ObservedJob } from '../run/observed-job.js';
import { reconcileRun } from '../run/reconcile-run.js';
import { observeSparkApplication, type SparkApplicationLike } from '../run/observed-spark-application.js';
import { DRIVER_CONTAINER, SPARK_API_VERSION, SPARK_PLURAL } from '../run/spark-application.js';
import { isStatus, type KubeError } from '../kube/kube-client.js';
import type { StepS3Defaults } from '../run/step-job.js';
import { INDEX } from './cache-indexes.js';
import type { HeldReason, SlotTracker } from './slot-tracker.js';
import { isTrimmed } from './cache-transforms.js';
import type { Informer, KubeObject } from './informer.js';
import { collection, recordEvent, writeStatus } from './kube-writes.js';
import { executeRunActions } from './run-actions.js';

/** Adapter around reconcileRun: reads the caches, executes the actions, writes the status. */

interface RunHandlerDeps {
  client: KubeClient;
  runs: Informer<PipelineRunObject & KubeObject>;
  pipelines: Informer<PipelineObject & KubeObject>;
  jobs: Informer<KubeObject>;
  pods: Informer<KubeObject>;
  /** SparkApplications (optional collection: absent without the Spark Operator's CRD or RBAC). */
  sparkApps?: Informer<KubeObject>;
  defaultImage: string;
  s3Defaults?: StepS3Defaults;
  logger: Logger;
  now: () => Date;
  metrics?: OperatorMetrics;
  slots?: SlotTracker;
}

interface JobLike extends KubeObject {
  metadata: KubeObject['metadata'] & {
    uid?: string;
    labels?: Record<string, string>;
    deletionTimestamp?: string;
    ownerReferences?: { uid: string }[];
  };
  spec?: { suspend?: boolean };
  status?: ObservedJob['status'];
}

interface PodLike extends KubeObject {
  metadata: KubeObject['metadata'] & { labels?: Record<string, string>; creationTimestamp?: string };
  status?: { containerStatuses?: { name: string; state?: { terminated?: { message?: string } } }[] };
}

/**
 * The step container's termination message, from the newest of the Job's Pods (or a Spark driver Pod) that has one,
 * and whether any Pod's container was seen terminated at all (else its final status may still be on its way through
 * the Pod watch).
 */
function terminationReport(
  pods: PodLike[],
  job: string | undefined,
  container = 'step',
): { message?: string; terminated: boolean } {
  const mine = pods
    .filter(
      (p) =>
        job === undefined ||
        p.metadata.labels?.['batch.kubernetes.io/job-name'] === job ||
        p.metadata.labels?.['job-name'] === job,
    )
    .sort((a, b) => String(b.metadata.creationTimestamp).localeCompare(String(a.metadata.creationTimestamp)));
  let terminated = false;
  for (const p of mine) {
    const state = p.status?.containerStatuses?.find((c) => c.name === container)?.state?.terminated;
    if (state) terminated = true;
    if (state?.message !== undefined) return { message: state.message, terminated };
  }
  return { terminated };
}

/** Why a Spark step cannot be started, in words a user can act on. */
export function sparkUnavailableMessage(e: KubeError | undefined): string | undefined {
  if (!e) return undefined;
  return isStatus(e, 403)
    ? 'the operator may not use sparkapplications.sparkoperator.k8s.io (RBAC): install the chart with spark.enabled=true, or use spec.engine.type duckdb'
    : `the SparkApplication CRD (${SPARK_PLURAL}.${SPARK_API_VERSION}) is not installed: install the Kubeflow Spark Operator, or use spec.engine.type duckdb`;
}

const reasonOf = (s: PipelineRunObject['status']) =>
  s?.conditions?.find((c) => c.type === 'Succeeded')?.reason;

/** Equal as the apiserver would store them (undefined fields dropped), so unchanged status is not rewritten. */
export const sameJson = (a: unknown, b: unknown) =>
  isDeepStrictEqual(JSON.parse(JSON.stringify(a)), JSON.parse(JSON.stringify(b)));

export function createRunHandler(deps: RunHandlerDeps) {
  return async (key: string): Promise<{ requeueAfterMs?: number }> => {
    const cached = deps.runs.get(key);
    if (!cached || cached.metadata.deletionTimestamp) return {};
    let run = cached;
    const ns = run.metadata.namespace;
    const uid = run.metadata.uid;
    const log = deps.logger.child({ pipelineRun: key, generation: run.metadata.generation });
    const pipeline = deps.pipelines.get(`${ns}/${run.spec.pipelineRef.name}`);
    const observed: ObservedJob[] = (deps.jobs.byIndex(INDEX.jobsByRunUid, uid ?? '') as JobLike[])
      .filter((j) => j.metadata.namespace === ns && j.metadata.ownerReferences?.some((o) => o.uid === uid))
      .map((j) => {
        const pods = deps.pods.byIndex(INDEX.podsByJob, `${ns}/${j.metadata.name}`) as PodLike[];
        const report = terminationReport(pods, j.metadata.name);
        return {
          name: j.metadata.name,
          labels: j.metadata.labels ?? {},
          deleting: j.metadata.deletionTimestamp !== undefined,
          suspended: j.spec?.suspend === true,
          status: j.status ?? {},
          ...(report.message !== undefined ? { terminationMessage: report.message } : {}),
          reportPending: !report.terminated,
        };
      });
    for (const app of (deps.sparkApps?.byIndex(INDEX.jobsByRunUid, uid ?? '') ?? []) as (JobLike &
      SparkApplicationLike)[]) {
      if (app.metadata.namespace !== ns || !app.metadata.ownerReferences?.some((o) => o.uid === uid))
        continue;
      const podName = app.status?.driverInfo?.podName;
      const driver = podName ? (deps.pods.get(`${ns}/${podName}`) as PodLike | undefined) : undefined;
      const report = driver
        ? terminationReport([driver], undefined, DRIVER_CONTAINER)
        : { terminated: false };
      observed.push(observeSparkApplication(app, report));
    }
    // Set when a create found the CRD gone before the informer noticed: decide again with that knowledge.
    let createdMissing: KubeError | undefined;

    const now = deps.now();
    // Decided (and reserved) before the first await, so parallel workers never hand out one slot twice.
    const slot = observed.length === 0 ? deps.slots?.decide(run, pipeline) : undefined;
    const desired = () => ({
      run,
      pipeline,
      defaultImage: deps.defaultImage,
      s3Defaults: deps.s3Defaults ?? {},
      ...(slot ? { slot } : {}),
      ...sparkUnavailable(),
    });
    const sparkUnavailable = () => {
      const message = sparkUnavailableMessage(
        createdMissing ?? (deps.sparkApps ? deps.sparkApps.absent?.() : undefined),
      );
      return message ? { sparkUnavailable: message } : {};
    };
    let result = reconcileRun(desired(), observed, now);
    if (isTrimmed(run) && !sameJson(run.status ?? {}, result.status)) {
      // The cache holds a finished run's status in brief: decide and write from the whole object.
      const whole = await deps.client.get<PipelineRunObject & KubeObject>(
        collection(run.apiVersion, ns, 'pipelineruns'),
        run.metadata.name,
      );
      if (!whole) return {};
      run = whole;
      result = reconcileRun(desired(), observed, now);
    }
    const { sparkMissing } = await executeRunActions(deps.client, ns, result.actions, log);
    if (sparkMissing) {
      createdMissing = sparkMissing;
      result = reconcileRun(desired(), observed, now);
      await executeRunActions(deps.client, ns, result.actions, log);
    }
    const events = result.actions.filter((a) => a.type === 'event');
    if (!sameJson(run.status ?? {}, result.status)) {
      await writeStatus(deps.client, collection(run.apiVersion, ns, 'pipelineruns'), run, result.status);
      // Counted only once the status holding the transition is stored: a 409 retries without double counting.
      if (deps.metrics) {
        const labels = { namespace: ns, pipeline: run.spec.pipelineRef.name };
        recordRunTransition(deps.metrics, labels, finishedInTransition(run.status, result.status));
        const waited = reasonOf(run.status) === 'WaitingForSlot';
        const created = Date.parse(run.metadata.creationTimestamp ?? '');
        if (waited && !run.status?.startTime && result.status.startTime && !Number.isNaN(created))
          deps.metrics.slotWait.observe(labels, Math.max(0, (now.getTime() - created) / 1000));
      }
      if (result.status.phase !== run.status?.phase)
        log.info({ phase: result.status.phase }, 'run phase changed');
    }
    const reason = reasonOf(result.status);
    deps.slots?.noteHeld(
      run,
      result.status.phase === 'Pending' && (reason === 'WaitingForSlot' || reason === 'Suspended')
        ? (reason as HeldReason)
        : undefined,
    );
    // Events describe transitions that are stored: after a 409 the retry recomputes them, so they are sent once.
    for (const e of events)
      await recordEvent(deps.client, run, e, now).catch((err: unknown) =>
        log.warn({ err }, 'event not recorded'),
      );
    return result.requeueAfterMs !== undefined ? { requeueAfterMs: result.requeueAfterMs } : {};
  };
}
