import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import { boundedName, LABELS } from '../../operator/core/names.js';
import type {
  PipelineObject,
  PipelineRunObject,
  PipelineScheduleObject,
} from '../../operator/core/resources.js';
import type { KubeClient, KubeObject } from '../../operator/kube/kube-client.js';
import type { RunHistoryRow } from '../../runner/history/history-row.js';
import type { RunFilter, RunRepository } from '../data/run-repository.js';
import { ApiError } from '../errors.js';
import { historyRowFromPipelineRun, parseClusterRunId } from './cluster-run-row.js';

const GROUP = 'medallion.dev/v1alpha1';

export interface PipelineInfo {
  namespace: string | null;
  name: string;
  source: 'cluster' | 'history';
  ready: boolean | null;
  last_run: { id: string; phase: string; started_at: string | null } | null;
  runs_recorded: number | null;
}

interface TriggerInput {
  steps?: string[] | undefined;
  parameters?: { sourceUri?: string | undefined } | undefined;
}

/** A PipelineSchedule, as the console's freshness column needs it. */
export interface ScheduleInfo {
  namespace: string;
  pipeline: string;
  schedule: string;
  timeZone: string;
  suspended: boolean;
}

export interface RunsService {
  mode: 'cluster' | 'local';
  /** The cluster's PipelineSchedules (cluster mode only: local runs have no schedule). */
  schedules?(): Promise<ScheduleInfo[]>;
  list(filter: RunFilter): ReturnType<RunRepository['list']>;
  get(id: string): Promise<RunHistoryRow | undefined>;
  pipelines(): Promise<PipelineInfo[]>;
  trigger(namespace: string, name: string, input: TriggerInput, requestedBy: string): Promise<RunHistoryRow>;
}

const NO_CLUSTER_HINT =
  'This API is not connected to a Kubernetes cluster. Run the pipeline locally with `medallion run -f pipeline.yaml` ' +
  '(it records the run here when the warehouse is configured), or start the API with --kubeconfig.';

/** Local mode: the run history table only. Triggering needs a cluster. */
export function createLocalRunsService(repo: RunRepository): RunsService {
  return {
    mode: 'local',
    list: (filter) => repo.list(filter),
    get: (id) => repo.get(id),
    async pipelines() {
      return (await repo.pipelines()).map((p) => ({
        namespace: p.namespace,
        name: p.pipeline,
        source: 'history' as const,
        ready: null,
        last_run: { id: p.last.runId, phase: p.last.phase, started_at: p.last.startedAt },
        runs_recorded: p.runs,
      }));
    },
    async trigger() {
      throw new ApiError('NO_CLUSTER', 'runs can only be triggered in a Kubernetes cluster', NO_CLUSTER_HINT);
    },
  };
}

/**
 * Cluster mode: PipelineRuns are read from the apiserver (read-only use of the operator's KubeClient) and mirrored
 * into the run history, so the history keeps them after the operator prunes them; lists are then served from the
 * table, which gives one keyset order over live and pruned runs. The apiserver is listed at most once per
 * `syncIntervalMs` (default 2 s) however many requests come in.
 */
export function createClusterRunsService(deps: {
  kube: KubeClient;
  repo: RunRepository;
  namespace?: string | undefined;
  logger: Logger;
  syncIntervalMs?: number;
}): RunsService {
  const interval = deps.syncIntervalMs ?? 2_000;
  const runs = {
    apiVersion: GROUP,
    plural: 'pipelineruns',
    ...(deps.namespace ? { namespace: deps.namespace } : {}),
  };
  let lastSync = 0;
  let syncing: Promise<void> | undefined;

  const sync = async (): Promise<void> => {
    if (Date.now() - lastSync < interval) return;
    syncing ??= (async () => {
      const { items } = await deps.kube.list<KubeObject>(runs);
      await deps.repo.upsert(items.map((r) => historyRowFromPipelineRun(r as unknown as PipelineRunObject)));
      lastSync = Date.now();
    })().finally(() => {
      syncing = undefined;
    });
    return syncing;
  };

  return {
    mode: 'cluster',
    async schedules() {
      const { items } = await deps.kube.list<KubeObject>({
        apiVersion: GROUP,
        plural: 'pipelineschedules',
        ...(deps.namespace ? { namespace: deps.namespace } : {}),
      });
      // Freshness is judged against a cron; a schedule with only a file trigger has none.
      return items.flatMap((o) => {
        const obj = o as unknown as PipelineScheduleObject;
        if (obj.spec.schedule === undefined) return [];
        return {
          namespace: obj.metadata.namespace,
          pipeline: obj.spec.pipelineRef.name,
          schedule: obj.spec.schedule,
          timeZone: obj.spec.timeZone ?? 'UTC',
          suspended: obj.spec.suspend === true,
        };
      });
    },
    async list(filter) {
      await sync();
      return deps.repo.list(filter);
    },
    async get(id) {
      const ref = parseClusterRunId(id);
      if (ref && (!deps.namespace || deps.namespace === ref.namespace)) {
        const live = await deps.kube.get<KubeObject>(
          { apiVersion: GROUP, plural: 'pipelineruns', namespace: ref.namespace },
          ref.name,
        );
        if (live) {
          const row = historyRowFromPipelineRun(live as unknown as PipelineRunObject);
          await deps.repo.upsert([row]);
          return row;
        }
      }
      return deps.repo.get(id);
    },
    async pipelines() {
      const { items } = await deps.kube.list<KubeObject>({
        apiVersion: GROUP,
        plural: 'pipelines',
        ...(deps.namespace ? { namespace: deps.namespace } : {}),
      });
      return items.map((p) => {
        const obj = p as unknown as PipelineObject;
        const ready = obj.status?.conditions?.find((c) => c.type === 'Ready');
        const last = obj.status?.lastRun;
        return {
          namespace: obj.metadata.namespace,
          name: obj.metadata.name,
          source: 'cluster' as const,
          ready: ready ? ready.status === 'True' : null,
          last_run: last
            ? {
                id: `${obj.metadata.namespace}:${last.name}`,
                phase: String(last.phase ?? 'Pending'),
                started_at: last.startTime ?? null,
              }
            : null,
          runs_recorded: null,
        };
      });
    },
    async trigger(namespace, name, input, requestedBy) {
      if (deps.namespace && deps.namespace !== namespace) {
        throw new ApiError(
          'NOT_FOUND',
          `pipeline ${namespace}/${name} not found (this API watches ${deps.namespace})`,
        );
      }
      const pipeline = await deps.kube.get({ apiVersion: GROUP, plural: 'pipelines', namespace }, name);
      if (!pipeline) throw new ApiError('NOT_FOUND', `pipeline ${namespace}/${name} not found`);
      const stamp = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
      const runName = boundedName([name, 'api', stamp]);
      const collection = { apiVersion: GROUP, plural: 'pipelineruns', namespace };
      const body = {
        apiVersion: GROUP,
        kind: 'PipelineRun',
        metadata: {
          name: runName,
          namespace,
          labels: { [LABELS.pipeline]: name },
          annotations: { 'medallion.dev/requested-by': requestedBy },
        },
        spec: {
          pipelineRef: { name },
          ...(input.steps ? { steps: input.steps } : {}),
          ...(input.parameters ? { parameters: input.parameters } : {}),
        },
      };
      await deps.kube.create(collection, body);
      const created = await deps.kube.get<KubeObject>(collection, runName);
      if (!created) throw new Error(`PipelineRun ${namespace}/${runName} vanished right after creation`);
      const row = historyRowFromPipelineRun(created as unknown as PipelineRunObject);
      await deps.repo.upsert([row]);
      deps.logger.info({ namespace, pipeline: name, run: runName }, 'PipelineRun created');
      return row;
    },
  };
}
