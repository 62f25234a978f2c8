import type {
  PipelineObject,
  PipelineRunObject,
  PipelineScheduleObject,
} from '../../operator/core/resources.js';
import type { KubeObject } from '../../operator/kube/kube-client.js';
import { MedallionError } from '../../runner/errors.js';
import type { PluginKube } from './plugin-kube.js';

/** Reads of the custom resources in the plugin's namespace, with the not-found errors a user can act on. */

const list = async <T>(kube: PluginKube, plural: string): Promise<T[]> =>
  (await kube.client.list<KubeObject>(kube.collection(plural))).items as unknown as T[];

export const listPipelines = (kube: PluginKube) => list<PipelineObject>(kube, 'pipelines');
export const listRuns = (kube: PluginKube) => list<PipelineRunObject>(kube, 'pipelineruns');
export const listSchedules = (kube: PluginKube) => list<PipelineScheduleObject>(kube, 'pipelineschedules');

export async function getPipeline(kube: PluginKube, name: string): Promise<PipelineObject> {
  const p = await kube.client.get<KubeObject>(kube.collection('pipelines'), name);
  if (p) return p as unknown as PipelineObject;
  // Listing tells a missing CRD (CRDS_MISSING) from a missing pipeline, and names the ones there are.
  const names = (await listPipelines(kube)).map((x) => x.metadata.name);
  throw new MedallionError('NOT_FOUND', `pipeline "${name}" not found in namespace ${kube.namespace}`, {
    hint: names.length
      ? `Pipelines in ${kube.namespace}: ${names.join(', ')}. Use -n NAMESPACE for another namespace.`
      : `There are no pipelines in ${kube.namespace}; use -n NAMESPACE, or kubectl apply -f a Pipeline.`,
  });
}

export async function getRun(kube: PluginKube, name: string): Promise<PipelineRunObject> {
  const r = await kube.client.get<KubeObject>(kube.collection('pipelineruns'), name);
  if (r) return r as unknown as PipelineRunObject;
  await listRuns(kube); // CRDS_MISSING when the resource type is not served at all
  throw new MedallionError('NOT_FOUND', `pipelinerun "${name}" not found in namespace ${kube.namespace}`, {
    hint: 'kubectl medallion runs lists the runs; use -n NAMESPACE for another namespace.',
  });
}
