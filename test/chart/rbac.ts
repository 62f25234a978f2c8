import { inject } from 'vitest';
import { kubeRest, type KubeRest } from '../k8s/kube-rest.js';
import { kubectl, type KubeDoc } from './chart.js';

/**
 * What each Medallion component needs from the apiserver, written from the code (not from the chart), and helpers
 * that ask the real apiserver what a ServiceAccount may do (SelfSubjectRulesReview / SelfSubjectAccessReview with the
 * account's own token, so authentication and group membership are the real ones).
 */

/** `group|resource[/subresource]|verb|resourceName` ("" for any name); core group is "". */
export type Permission = string;

type Need = [group: string, resources: string[], verbs: string[], resourceName?: string];

const expand = (needs: Need[]): Set<Permission> =>
  new Set(
    needs.flatMap(([g, rs, vs, name]) => rs.flatMap((r) => vs.map((v) => `${g}|${r}|${v}|${name ?? ''}`))),
  );

/** operator/controller + operator/kube: every call the operator makes in a watched namespace. */
export const OPERATOR_NEEDS = expand([
  // start-operator.ts informers: list then watch (informer.ts), for all three kinds, step Jobs and their Pods.
  ['medallion.dev', ['pipelines', 'pipelineschedules'], ['list', 'watch']],
  // + run-handler.ts: a finished run, trimmed in the cache, is re-read (get) before its status is written;
  // schedule-handler.ts: createRun (create), cancelRun (merge patch spec.cancelled), deleteRun (history limits).
  ['medallion.dev', ['pipelineruns'], ['get', 'list', 'watch', 'create', 'patch', 'delete']],
  // kube-writes.ts writeStatus: PUT of the status subresource (replaceNamespacedCustomObjectStatus) for each kind.
  ['medallion.dev', ['pipelines/status', 'pipelineschedules/status', 'pipelineruns/status'], ['update']],
  // core/resources.ts ownerReference(): blockOwnerDeletion on Jobs/ConfigMaps (owner: run) and runs (owner:
  // schedule) needs update on the owner's finalizers where OwnerReferencesPermissionEnforcement is on (OpenShift).
  ['medallion.dev', ['pipelineschedules/finalizers', 'pipelineruns/finalizers'], ['update']],
  // run-handler.ts: createJob, deleteJob (cancel, timeouts), suspendJob (merge patch spec.suspend); informer on Jobs.
  ['batch', ['jobs'], ['list', 'watch', 'create', 'patch', 'delete']],
  // start-operator.ts: Pods are watched for the step container's termination message (run-handler.ts).
  ['', ['pods'], ['list', 'watch']],
  // run-handler.ts createConfigMap (the spec snapshot); kube-writes.ts recordEvent.
  ['', ['configmaps', 'events'], ['create']],
]);

/**
 * With spark.enabled: start-operator.ts watches SparkApplications (an optional informer: list, watch); run-actions.ts
 * creates them, merge-patches spec.suspend and deletes them, as for Jobs.
 */
export const SPARK_OPERATOR_NEEDS = expand([
  ['sparkoperator.k8s.io', ['sparkapplications'], ['list', 'watch', 'create', 'patch', 'delete']],
]);

/** controller/leader-election.ts: get the Lease, create it when absent, replace it to renew or release. */
export const LEASE_NEEDS = expand([
  ['coordination.k8s.io', ['leases'], ['create']],
  ['coordination.k8s.io', ['leases'], ['get', 'update'], 'medallion-operator'],
]);

/**
 * api/runs/runs-service.ts and api/server.ts: list and get Pipelines and PipelineRuns (the readiness check lists
 * Pipelines), create a run (POST /api/v1/pipelines/{namespace}/{name}/runs, then get it back).
 */
export const apiNeeds = (allowCreateRuns: boolean) =>
  expand([
    ['medallion.dev', ['pipelines', 'pipelineruns'], ['get', 'list']],
    ...(allowCreateRuns ? ([['medallion.dev', ['pipelineruns'], ['create']]] as Need[]) : []),
  ]);

export const union = (...sets: Set<Permission>[]) => new Set(sets.flatMap((s) => [...s]));

export const admin = () => kubeRest(inject('kubeconfig'));

/** A short-lived token of the ServiceAccount (TokenRequest), and a client authenticating with it. */
export async function serviceAccountClient(
  namespace: string,
  name: string,
): Promise<KubeRest & { token: string }> {
  const res = await admin().call('POST', `/api/v1/namespaces/${namespace}/serviceaccounts/${name}/token`, {
    apiVersion: 'authentication.k8s.io/v1',
    kind: 'TokenRequest',
    spec: { expirationSeconds: 3600 },
  });
  if (res.status !== 201) throw new Error(`token for ${namespace}/${name}: ${JSON.stringify(res.body)}`);
  const token = (res.body.status as { token: string }).token;
  return { ...kubeRest(inject('kubeconfig'), token), token };
}

interface ResourceRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
}

/** Everything the client's identity may do in `namespace` (cluster-wide grants included), as flat permissions. */
export async function permissions(client: KubeRest, namespace: string): Promise<Set<Permission>> {
  const res = await client.call('POST', '/apis/authorization.k8s.io/v1/selfsubjectrulesreviews', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectRulesReview',
    spec: { namespace },
  });
  if (res.status !== 201) throw new Error(`rules review: ${JSON.stringify(res.body)}`);
  const status = res.body.status as { resourceRules: ResourceRule[]; incomplete: boolean };
  if (status.incomplete) throw new Error('rules review incomplete: the authorizer cannot list rules');
  const out = new Set<Permission>();
  for (const r of status.resourceRules)
    for (const g of r.apiGroups ?? [''])
      for (const res of r.resources ?? [])
        for (const v of r.verbs)
          for (const n of r.resourceNames?.length ? r.resourceNames : ['']) out.add(`${g}|${res}|${v}|${n}`);
  return out;
}

export interface Access {
  verb: string;
  group?: string;
  resource: string;
  subresource?: string;
  namespace?: string;
  name?: string;
}

/** SelfSubjectAccessReview: may the client's identity do this? (namespace unset: cluster-wide / all namespaces) */
export async function can(client: KubeRest, a: Access): Promise<boolean> {
  const res = await client.call('POST', '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews', {
    apiVersion: 'authorization.k8s.io/v1',
    kind: 'SelfSubjectAccessReview',
    spec: { resourceAttributes: { group: '', ...a } },
  });
  if (res.status !== 201) throw new Error(`access review: ${JSON.stringify(res.body)}`);
  return (res.body.status as { allowed: boolean }).allowed;
}

/** Applies rendered manifests for real (RBAC must exist to be evaluated). */
export function apply(docs: KubeDoc[]): void {
  const r = kubectl(['apply', '-f', '-'], JSON.stringify({ apiVersion: 'v1', kind: 'List', items: docs }));
  if (r.status !== 0) throw new Error(`kubectl apply: ${r.stderr}`);
}

/** A ServiceAccount with no bindings: what any account may do anyway (discovery, self reviews). */
export async function baselineAccount(namespace: string): Promise<KubeRest> {
  const r = kubectl(['-n', namespace, 'create', 'serviceaccount', 'rbac-baseline']);
  if (r.status !== 0 && !r.stderr.includes('AlreadyExists')) throw new Error(r.stderr);
  return serviceAccountClient(namespace, 'rbac-baseline');
}
