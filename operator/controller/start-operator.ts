import type { Logger } from 'pino';
import { LABELS } from '../core/names.js';
import type { PipelineObject, PipelineRunObject, PipelineScheduleObject } from '../core/resources.js';
import type { Collection, KubeClient } from '../kube/kube-client.js';
import { instrument, type OperatorMetrics } from '../metrics.js';
import { stripMetadata, trimJob, trimPod, trimRun, trimSparkApplication } from './cache-transforms.js';
import { SPARK_API_VERSION, SPARK_PLURAL } from '../run/spark-application.js';
import { INDEX, JOB_INDEXERS, POD_INDEXERS, RUN_INDEXERS } from './cache-indexes.js';
import { keyOf, startInformer, type Informer, type InformerOptions, type KubeObject } from './informer.js';
import { createPipelineHandler } from './pipeline-handler.js';
import { createRunHandler } from './run-handler.js';
import { createScheduleHandler } from './schedule-handler.js';
import { createSlotTracker } from './slot-tracker.js';
import { createWorkQueue, type WorkQueue } from './work-queue.js';
import type { StepS3Defaults } from '../run/step-job.js';
import { createTriggerPoller } from '../trigger/trigger-poller.js';
import { createTriggerSource } from '../trigger/trigger-source.js';

/**
 * Wires informers, work queues and handlers for PipelineRuns and PipelineSchedules. Every watch event is turned into
 * the key of the object to reconcile (a Job's owning run, a run's owning schedule, the runs of a changed Pipeline).
 */

interface OperatorOptions {
  client: KubeClient;
  logger: Logger;
  defaultImage: string;
  /** Endpoint, region and credentials Secret for s3:// Pipelines that name none. */
  s3Defaults?: StepS3Defaults;
  /** Watch one namespace; all namespaces when unset. */
  namespace?: string;
  /** Global cap on concurrent reconciles per controller. */
  concurrency?: number;
  /** Cluster-wide cap on PipelineRuns running at once (unlimited when unset); runs over it wait for a slot. */
  maxConcurrentRuns?: number;
  now?: () => Date;
  metrics?: OperatorMetrics;
  /** Lists trigger sources (tests and the benchmark count or replace it); the runner's storage by default. */
  triggerSource?: Parameters<typeof createTriggerPoller>[0]['source'];
}

export interface RunningOperator {
  runQueue: WorkQueue;
  scheduleQueue: WorkQueue;
  pipelineQueue: WorkQueue;
  synced: Promise<void>;
  stop(): Promise<void>;
}

type Owned = KubeObject & {
  metadata: { ownerReferences?: { kind: string; name: string; controller?: boolean }[] };
};

/** The label the Spark Operator puts on an application's driver and executor Pods. */
const SPARK_APP_LABEL = 'sparkoperator.k8s.io/app-name';

const TERMINAL = new Set(['Succeeded', 'Degraded', 'Failed', 'Cancelled']);

const controllerOwner = (o: Owned, kind: string) =>
  o.metadata.ownerReferences?.find((r) => r.kind === kind && r.controller)?.name;

export function startOperator(opts: OperatorOptions): RunningOperator {
  const { client, logger } = opts;
  const now = opts.now ?? (() => new Date());
  const watched = (apiVersion: string, plural: string): Collection =>
    opts.namespace ? { apiVersion, plural, namespace: opts.namespace } : { apiVersion, plural };
  const crd = 'medallion.dev/v1alpha1';
  const onError = (what: string) => (e: unknown) =>
    logger.warn({ err: e, informer: what }, 'watch failed; retrying');
  const informers: Informer<KubeObject>[] = [];
  const inform = <T extends KubeObject>(
    collection: Collection,
    onChange: (key: string) => void,
    more: Pick<InformerOptions, 'labelSelector' | 'transform' | 'indexers' | 'optional'>,
  ) => {
    const i = startInformer<T>({
      client,
      collection,
      onChange,
      onError: onError(collection.plural),
      ...more,
    });
    informers.push(i as unknown as Informer<KubeObject>);
    return i;
  };
  // Late-bound: the queues need the handlers, the handlers need the informers, the informers enqueue into the queues.
  const enqueueRun = (key: string) => runQueue.add(key);
  const enqueueSchedule = (key: string) => scheduleQueue.add(key);
  const enqueuePipeline = (key: string) => pipelineQueue.add(key);
  const nsOf = (key: string) => key.slice(0, key.indexOf('/'));

  const runs = inform<PipelineRunObject & KubeObject>(
    watched(crd, 'pipelineruns'),
    (key) => {
      slots.noteSeen(key);
      enqueueRun(key);
      const run = runs.get(key);
      // A finished or deleted run frees its slot: the runs waiting for one try again, in queue order.
      if (!run || TERMINAL.has(String(run.status?.phase))) for (const k of slots.released(key)) enqueueRun(k);
      const owner = run && controllerOwner(run as Owned, 'PipelineSchedule');
      if (owner) enqueueSchedule(`${nsOf(key)}/${owner}`);
      if (run) enqueuePipeline(`${nsOf(key)}/${run.spec.pipelineRef.name}`);
      // A deleted run is gone from the cache; its schedule resyncs on its own requeue.
    },
    { transform: trimRun, indexers: RUN_INDEXERS },
  );
  const schedules = inform<PipelineScheduleObject & KubeObject>(
    watched(crd, 'pipelineschedules'),
    enqueueSchedule,
    { transform: stripMetadata },
  );
  const pipelines = inform<PipelineObject & KubeObject>(
    watched(crd, 'pipelines'),
    (key) => {
      enqueuePipeline(key);
      for (const r of runs.byIndex(INDEX.runsByPipeline, key)) enqueueRun(keyOf(r));
    },
    { transform: stripMetadata },
  );
  const slots = createSlotTracker({
    runs,
    pipelines,
    ...(opts.maxConcurrentRuns !== undefined ? { clusterMax: opts.maxConcurrentRuns } : {}),
  });
  // A deleted Job is gone from the cache by the time its key arrives: remember whose it was.
  const jobRun = new Map<string, string>();
  const jobs = inform<Owned>(
    watched('batch/v1', 'jobs'),
    (key) => {
      const job = jobs.get(key);
      const owner = job && controllerOwner(job, 'PipelineRun');
      if (owner) jobRun.set(key, `${nsOf(key)}/${owner}`);
      const runKey = jobRun.get(key);
      if (runKey) enqueueRun(runKey);
      if (!job) jobRun.delete(key);
    },
    { labelSelector: LABELS.run, transform: trimJob, indexers: JOB_INDEXERS },
  );
  // Spark steps' SparkApplications; without the Spark Operator's CRD (or RBAC for it) an empty, synced cache.
  const sparkRun = new Map<string, string>();
  const sparkApps = inform<Owned>(
    watched(SPARK_API_VERSION, SPARK_PLURAL),
    (key) => {
      const app = sparkApps.get(key);
      const owner = app && controllerOwner(app, 'PipelineRun');
      if (owner) sparkRun.set(key, `${nsOf(key)}/${owner}`);
      const runKey = sparkRun.get(key);
      if (runKey) enqueueRun(runKey);
      if (!app) sparkRun.delete(key);
    },
    { labelSelector: LABELS.run, transform: trimSparkApplication, indexers: JOB_INDEXERS, optional: true },
  );
  const pods = inform<Owned>(
    watched('v1', 'pods'),
    (key) => {
      const pod = pods.get(key);
      const jobName = pod && controllerOwner(pod, 'Job');
      const job = jobName ? jobs.get(`${nsOf(key)}/${jobName}`) : undefined;
      // A Spark driver Pod carries its application's name (and, copied from it, the run labels); executors' changes
      // do not concern the run.
      const labels = pod?.metadata.labels as Record<string, string> | undefined;
      const appName = labels?.['spark-role'] === 'driver' ? labels[SPARK_APP_LABEL] : undefined;
      const app = appName ? sparkApps.get(`${nsOf(key)}/${appName}`) : undefined;
      const owner =
        (job && controllerOwner(job, 'PipelineRun')) ?? (app && controllerOwner(app, 'PipelineRun'));
      if (owner) enqueueRun(`${nsOf(key)}/${owner}`);
    },
    { labelSelector: LABELS.run, transform: trimPod, indexers: POD_INDEXERS },
  );

  const onQueueError = (kind: string) => (key: string, e: unknown, retries: number) =>
    logger.warn({ err: e, [kind]: key, retries }, 'reconcile failed; requeued');
  const concurrency = opts.concurrency ?? 4;
  // Workers start once every informer has listed: reconciling against a half-filled cache makes wrong decisions.
  const cachesSynced = Promise.all(informers.map((i) => i.synced)).then(() => undefined);
  const runQueue = createWorkQueue({
    concurrency,
    startAfter: cachesSynced,
    handler: instrument(
      opts.metrics,
      'pipelinerun',
      createRunHandler({
        client,
        runs,
        pipelines,
        jobs,
        pods,
        sparkApps,
        defaultImage: opts.defaultImage,
        ...(opts.s3Defaults ? { s3Defaults: opts.s3Defaults } : {}),
        logger,
        now,
        ...(opts.metrics ? { metrics: opts.metrics } : {}),
        slots,
      }),
    ),
    onError: onQueueError('pipelineRun'),
  });
  const scheduleQueue = createWorkQueue({
    concurrency,
    startAfter: cachesSynced,
    handler: instrument(
      opts.metrics,
      'pipelineschedule',
      createScheduleHandler({
        client,
        schedules,
        runs,
        pipelines,
        triggers: createTriggerPoller({
          source:
            opts.triggerSource ?? createTriggerSource(opts.s3Defaults ? { s3Defaults: opts.s3Defaults } : {}),
          ...(opts.metrics ? { metrics: opts.metrics } : {}),
        }),
        logger,
        now,
        ...(opts.metrics ? { metrics: opts.metrics } : {}),
      }),
    ),
    onError: onQueueError('pipelineSchedule'),
  });

  const pipelineQueue = createWorkQueue({
    concurrency,
    startAfter: cachesSynced,
    handler: instrument(
      opts.metrics,
      'pipeline',
      createPipelineHandler({
        client,
        pipelines,
        runs,
        now,
        ...(opts.metrics ? { metrics: opts.metrics } : {}),
      }),
    ),
    onError: onQueueError('pipeline'),
  });

  const depthTimer = opts.metrics
    ? setInterval(() => {
        opts.metrics?.queueDepth.set({ controller: 'pipelinerun' }, runQueue.depth());
        opts.metrics?.queueDepth.set({ controller: 'pipelineschedule' }, scheduleQueue.depth());
        opts.metrics?.queueDepth.set({ controller: 'pipeline' }, pipelineQueue.depth());
        if (opts.metrics) slots.updateMetrics(opts.metrics, now());
      }, 1000).unref()
    : undefined;

  return {
    runQueue,
    scheduleQueue,
    pipelineQueue,
    synced: cachesSynced,
    async stop() {
      if (depthTimer) clearInterval(depthTimer);
      for (const i of informers) i.stop();
      await Promise.all([runQueue.stop(), scheduleQueue.stop(), pipelineQueue.stop()]);
    },
  };
}
