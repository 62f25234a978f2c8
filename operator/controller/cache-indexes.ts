import { LABELS } from '../core/names.js';
import type { KubeObject } from '../kube/kube-client.js';

/** Secondary keys of the informer caches, so a reconcile reads its own objects instead of scanning everything. */
export const INDEX = {
  /** runs by `namespace/pipeline` */
  runsByPipeline: 'pipeline',
  /** runs by `namespace/schedule` (the schedule label; the handler still checks the owner uid) */
  runsBySchedule: 'schedule',
  /** Jobs by the uid of the PipelineRun that controls them */
  jobsByRunUid: 'run-uid',
  /** Pods by `namespace/job name` */
  podsByJob: 'job',
} as const;

type Meta = {
  namespace?: string;
  labels?: Record<string, string>;
  ownerReferences?: { kind: string; uid: string; controller?: boolean }[];
};
const meta = (o: KubeObject) => o.metadata as KubeObject['metadata'] & Meta;

export const RUN_INDEXERS = {
  [INDEX.runsByPipeline]: (o: KubeObject) => {
    const name = (o.spec as { pipelineRef?: { name?: string } } | undefined)?.pipelineRef?.name;
    return name ? `${meta(o).namespace}/${name}` : undefined;
  },
  [INDEX.runsBySchedule]: (o: KubeObject) => {
    const schedule = meta(o).labels?.[LABELS.schedule];
    return schedule ? `${meta(o).namespace}/${schedule}` : undefined;
  },
};

export const JOB_INDEXERS = {
  [INDEX.jobsByRunUid]: (o: KubeObject) =>
    meta(o).ownerReferences?.find((r) => r.kind === 'PipelineRun' && r.controller)?.uid,
};

export const POD_INDEXERS = {
  [INDEX.podsByJob]: (o: KubeObject) => {
    const labels = meta(o).labels;
    const job = labels?.['batch.kubernetes.io/job-name'] ?? labels?.['job-name'];
    return job ? `${meta(o).namespace}/${job}` : undefined;
  },
};
