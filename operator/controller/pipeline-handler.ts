import type { PipelineObject, PipelineRunObject } from '../core/resources.js';
import type { KubeClient } from '../kube/kube-client.js';
import { forgetPipeline, recordPipelineStatus, type OperatorMetrics } from '../metrics.js';
import { reconcilePipeline } from '../pipeline/reconcile-pipeline.js';
import type { Informer, KubeObject } from './informer.js';
import { collection, writeStatus } from './kube-writes.js';
import { sameJson } from './run-handler.js';

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
      .list()
      .filter((r) => r.metadata.namespace === namespace && r.spec.pipelineRef.name === name);
    const status = reconcilePipeline(pipeline, runs, deps.now());
    if (deps.metrics) recordPipelineStatus(deps.metrics, { namespace, pipeline: name }, status);
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
