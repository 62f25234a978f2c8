import type { PipelineObject, PipelineRunObject } from '../core/resources.js';
import type { KubeClient } from '../kube/kube-client.js';
import { QualitySchema } from '../../runner/spec/pipeline-spec.js';
import type { BreakerStates } from '../spec/pipeline-run.js';
import {
  forgetPipeline,
  recordBreakers,
  recordCheckFailures,
  type CheckFailure,
  recordPipelineStatus,
  recordQualityMinScore,
  type OperatorMetrics,
} from '../metrics.js';
import { reconcilePipeline } from '../pipeline/reconcile-pipeline.js';
import { INDEX } from './cache-indexes.js';
import type { Informer, KubeObject } from './informer.js';
import { collection, writeStatus } from './kube-writes.js';
import { sameJson } from './run-handler.js';

const DEFAULT_MIN_SCORE = QualitySchema.parse({}).minScore;

/**
 * The run that finished last. Kubernetes times have second precision, so two runs can share a completion time: the
 * one started later wins, then the later-created one, then the greater name, whatever the informer cache's order.
 */
export function lastFinished(runs: PipelineRunObject[]): PipelineRunObject | undefined {
  const key = (r: PipelineRunObject) => [
    r.status?.completionTime ?? '',
    r.status?.startTime ?? '',
    r.metadata.creationTimestamp ?? '',
    r.metadata.name,
  ];
  const later = (a: string[], b: string[]) => {
    const i = a.findIndex((v, k) => v !== b[k]);
    return i >= 0 && a[i]! > b[i]!;
  };
  let last: PipelineRunObject | undefined;
  for (const r of runs) if (!last || later(key(r), key(last))) last = r;
  return last;
}

/** Breaker states of the last finished run (by completion time) whose steps reported them. */
export function lastBreakers(runs: PipelineRunObject[]): BreakerStates | undefined {
  return lastFinished(runs.filter((r) => r.status?.completionTime && r.status.enrichment?.breakers))?.status
    ?.enrichment?.breakers;
}

/**
 * Failing checks of the last finished run (by completion, then start time) that reported checks, and every check that failed in
 * any finished run in the cache (those that pass now read 0).
 */
export function checkFailures(runs: PipelineRunObject[]): { failing: CheckFailure[]; known: CheckFailure[] } {
  const finished = runs.filter((r) => r.status?.completionTime && r.status.quality?.checks);
  const of = (r: PipelineRunObject | undefined): CheckFailure[] =>
    (r?.status?.quality?.checks?.failing ?? []).map((f) => ({ check: f.name, severity: f.severity }));
  return { failing: of(lastFinished(finished)), known: finished.flatMap(of) };
}

/**
 * The checks the Pipeline declares (`spec.quality.checks`, name and severity), read structurally: every declared check
 * gets a series (0 until it fails), which keeps the gauge's label sets exactly the spec's check names.
 */
export function declaredChecks(pipeline: PipelineObject): CheckFailure[] {
  const checks = (pipeline.spec.quality as { checks?: unknown } | undefined)?.checks;
  if (!Array.isArray(checks)) return [];
  return checks.flatMap((c: { name?: unknown; severity?: unknown }) =>
    typeof c?.name === 'string' && (c.severity === 'error' || c.severity === 'warn')
      ? [{ check: c.name, severity: c.severity }]
      : [],
  );
}

/** Adapter around reconcilePipeline: the Pipeline's status summarises its runs. */
export function createPipelineHandler(deps: {
  client: KubeClient;
  pipelines: Informer<PipelineObject & KubeObject>;
  runs: Informer<PipelineRunObject & KubeObject>;
  now: () => Date;
  metrics?: OperatorMetrics;
}) {
  return async (key: string): Promise<void> => {
    const pipeline = deps.pipelines.get(key);
    if (!pipeline || pipeline.metadata.deletionTimestamp) {
      const slash = key.indexOf('/');
      if (deps.metrics)
        forgetPipeline(deps.metrics, { namespace: key.slice(0, slash), pipeline: key.slice(slash + 1) });
      return;
    }
    const { namespace, name } = pipeline.metadata;
    const runs = deps.runs
      .byIndex(INDEX.runsByPipeline, key)
      .filter((r) => r.metadata.namespace === namespace && r.spec.pipelineRef.name === name);
    const status = reconcilePipeline(pipeline, runs, deps.now());
    if (deps.metrics) {
      const labels = { namespace, pipeline: name };
      recordPipelineStatus(deps.metrics, labels, status);
      // The apiserver stores the CRD default; an object from before that default existed gets the runner's.
      const minScore = pipeline.spec.quality?.minScore ?? DEFAULT_MIN_SCORE;
      recordQualityMinScore(deps.metrics, labels, minScore);
      recordBreakers(deps.metrics, labels, lastBreakers(runs));
      const checks = checkFailures(runs);
      recordCheckFailures(deps.metrics, labels, checks.failing, [
        ...declaredChecks(pipeline),
        ...checks.known,
      ]);
    }
    if (!sameJson(pipeline.status ?? {}, status)) {
      await writeStatus(
        deps.client,
        collection(pipeline.apiVersion, namespace, 'pipelines'),
        pipeline,
        status,
      );
    }
  };
}
