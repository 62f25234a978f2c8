import type { KubeObject } from '../kube/kube-client.js';

/**
 * What the informer caches keep of each object: only the fields the reconcilers read. With 10,000 PipelineRuns in a
 * cluster, managedFields (a second copy of every field's structure), kubectl's last-applied annotation, finished
 * runs' step lists, and Jobs' and Pods' specs would otherwise be most of the operator's memory.
 */

const LAST_APPLIED = 'kubectl.kubernetes.io/last-applied-configuration';
const TERMINAL = new Set(['Succeeded', 'Degraded', 'Failed', 'Cancelled']);
type Obj = Record<string, unknown>;
type Meta = KubeObject['metadata'] & { annotations?: Record<string, string>; managedFields?: unknown };

/** Objects whose status was trimmed: never write their status back without reading the whole object first. */
const trimmed = new WeakSet<object>();
export const isTrimmed = (o: object) => trimmed.has(o);

export function stripMetadata<T extends KubeObject>(o: T): T {
  const { managedFields: _m, ...metadata } = o.metadata as Meta;
  void _m;
  if (metadata.annotations?.[LAST_APPLIED] !== undefined) {
    const { [LAST_APPLIED]: _a, ...annotations } = metadata.annotations;
    void _a;
    metadata.annotations = annotations;
  }
  return { ...o, metadata };
}

/**
 * A finished run keeps what the Pipeline and schedule reconcilers read (phase, times, quality score, failing checks,
 * breakers) and
 * drops steps, KPIs, lineage and conditions; the run reconciler only re-reads the whole object if it must write.
 */
export function trimRun<T extends KubeObject>(o: T): T {
  const s = stripMetadata(o);
  const status = s.status as Obj | undefined;
  if (!status || !TERMINAL.has(String(status.phase))) return s;
  const quality = status.quality as { score?: number; checks?: { failing?: unknown[] } } | undefined;
  const keep: Obj = {};
  for (const k of ['observedGeneration', 'phase', 'startTime', 'completionTime', 'enrichment'])
    if (status[k] !== undefined) keep[k] = status[k];
  if (quality?.score !== undefined) keep.quality = { score: quality.score };
  // The failing checks (at most 64) feed medallion_quality_check_failures; an empty list still says "all passed".
  if (quality?.checks)
    keep.quality = { ...(keep.quality as Obj), checks: { failing: quality.checks.failing ?? [] } };
  const out = { ...s, status: keep };
  trimmed.add(out);
  return out;
}

/**
 * Jobs: metadata, status and spec.suspend (the pod template, with its env and args, is the operator's own and not
 * re-read; suspend is Kueue's and the run's to move).
 */
export function trimJob<T extends KubeObject>(o: T): T {
  const { spec, ...rest } = stripMetadata(o) as T & { spec?: { suspend?: boolean } };
  return (spec?.suspend === true ? { ...rest, spec: { suspend: true } } : rest) as T;
}

/** Pods: metadata and the step container's terminated state (its report). */
export function trimPod<T extends KubeObject>(o: T): T {
  const s = stripMetadata(o) as T & { spec?: unknown; status?: { containerStatuses?: Obj[] } };
  const statuses = s.status?.containerStatuses?.map((c) => ({
    name: c.name,
    state: { terminated: (c.state as { terminated?: unknown } | undefined)?.terminated },
  }));
  const { spec: _spec, status: _status, ...rest } = s;
  void _spec;
  void _status;
  return { ...rest, status: statuses ? { containerStatuses: statuses } : {} } as unknown as T;
}

/** SparkApplications: metadata, spec.suspend and the status fields a step reads (state, driver Pod, times). */
export function trimSparkApplication<T extends KubeObject>(o: T): T {
  const { spec, status, ...rest } = stripMetadata(o) as T & {
    spec?: { suspend?: boolean };
    status?: Obj & { driverInfo?: { podName?: string } };
  };
  const keep: Obj = {};
  for (const k of ['applicationState', 'lastSubmissionAttemptTime', 'terminationTime'])
    if (status?.[k] !== undefined) keep[k] = status[k];
  if (status?.driverInfo?.podName) keep.driverInfo = { podName: status.driverInfo.podName };
  return {
    ...rest,
    ...(spec?.suspend === true ? { spec: { suspend: true } } : {}),
    status: keep,
  } as unknown as T;
}
