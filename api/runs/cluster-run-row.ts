import type { PipelineRunObject } from '../../operator/core/resources.js';
import type { RunHistoryRow } from '../../runner/history/history-row.js';

/** Cluster runs are named `<namespace>:<name>` in the API (a colon never appears in a namespace or a runner run id). */
export const clusterRunId = (namespace: string, name: string): string => `${namespace}:${name}`;

export const parseClusterRunId = (id: string): { namespace: string; name: string } | undefined => {
  const i = id.indexOf(':');
  if (i <= 0 || i === id.length - 1) return undefined;
  return { namespace: id.slice(0, i), name: id.slice(i + 1) };
};

/** RFC 3339 from the apiserver (seconds) to the API's ISO form (milliseconds), as the history table returns it. */
const iso = (t: string | undefined): string | null => (t ? new Date(t).toISOString() : null);

/** Pure: a PipelineRun as the apiserver returns it, as a history row (what the API serves and keeps). */
export function historyRowFromPipelineRun(run: PipelineRunObject): RunHistoryRow {
  const st = run.status ?? {};
  const steps = (st.steps ?? []).map((s) => ({
    name: s.name,
    phase: s.phase,
    rowsIn: s.rowsIn ?? null,
    rowsOut: s.rowsOut ?? null,
    durationMs: s.durationSeconds === undefined ? null : Math.round(s.durationSeconds * 1000),
    message: s.message ?? null,
    startedAt: iso(s.startTime),
    finishedAt: iso(s.completionTime),
    attempts: s.attempts ?? null,
  }));
  const failed = steps.find((s) => s.phase === 'Failed');
  return {
    runId: clusterRunId(run.metadata.namespace, run.metadata.name),
    source: 'cluster',
    namespace: run.metadata.namespace,
    name: run.metadata.name,
    pipeline: run.spec.pipelineRef.name,
    phase: st.phase ?? 'Pending',
    startedAt: iso(st.startTime ?? run.metadata.creationTimestamp) ?? new Date(0).toISOString(),
    finishedAt: iso(st.completionTime),
    steps,
    quality: st.quality ?? null,
    kpis: st.kpis ?? null,
    enrichment: null,
    lineage: [],
    error: failed ? { code: 'STEP_FAILED', message: `${failed.name}: ${failed.message ?? 'failed'}` } : null,
    lake: null,
  };
}
