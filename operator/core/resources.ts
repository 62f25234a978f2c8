import type { PipelineResourceSpec, PipelineStatus } from '../spec/pipeline-resource.js';
import type { PipelineRunSpec, PipelineRunStatus } from '../spec/pipeline-run.js';
import type { PipelineScheduleSpec, PipelineScheduleStatus } from '../spec/pipeline-schedule.js';

/** Plain-object shapes of the resources the reconcilers read and produce (no client library types in the core). */

interface ObjectMeta {
  name: string;
  namespace: string;
  uid?: string;
  generation?: number;
  resourceVersion?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
}

interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface Resource<Spec, Status> {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  spec: Spec;
  status?: Status;
}

/** Specs are as stored by the apiserver, i.e. with the CRD defaults applied. */
export type PipelineObject = Resource<PipelineResourceSpec, PipelineStatus>;
export type PipelineRunObject = Resource<PipelineRunSpec, PipelineRunStatus>;
export type PipelineScheduleObject = Resource<PipelineScheduleSpec, PipelineScheduleStatus>;

export interface EventAction {
  type: 'event';
  eventType: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

export function ownerReference(owner: Resource<unknown, unknown>): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name,
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}
