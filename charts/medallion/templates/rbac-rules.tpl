{{/*
What the operator does, derived from operator/controller (informers, handlers, kube-writes) and operator/kube:
informers list+watch the three kinds, step Jobs and their Pods; the run handler creates the spec ConfigMap and Jobs,
deletes Jobs (cancel, timeout), re-reads a finished run whole before writing its status (the cache keeps it trimmed)
and replaces run status; the schedule handler creates, merge-patches (cancel under
Replace) and deletes (history) runs; every kind's status goes through the status subresource; Events record phase
changes. With spark.enabled it manages SparkApplications as it does Jobs (list, watch, create, patch spec.suspend,
delete); their driver Pods are Pods it already watches. Objects it creates carry ownerReferences with blockOwnerDeletion, which clusters running the
OwnerReferencesPermissionEnforcement admission plugin (OpenShift) only allow with update on the owner's finalizers.
No get but that one (the rest is read from informer caches), no Secrets, no wildcards. test/chart/rbac.chart-test.ts proves it.
*/}}
{{- define "medallion.operator.rules" -}}
- apiGroups: [medallion.dev]
  resources: [pipelines, pipelineschedules]
  verbs: [list, watch]
- apiGroups: [medallion.dev]
  resources: [pipelineruns]
  verbs: [get, list, watch, create, patch, delete]
- apiGroups: [medallion.dev]
  resources: [pipelines/status, pipelineschedules/status, pipelineruns/status]
  verbs: [update]
- apiGroups: [medallion.dev]
  resources: [pipelineschedules/finalizers, pipelineruns/finalizers]
  verbs: [update]
- apiGroups: [batch]
  resources: [jobs]
  verbs: [list, watch, create, patch, delete]
- apiGroups: [""]
  resources: [pods]
  verbs: [list, watch]
- apiGroups: [""]
  resources: [configmaps, events]
  verbs: [create]
{{- if .Values.spark.enabled }}
- apiGroups: [sparkoperator.k8s.io]
  resources: [sparkapplications]
  verbs: [list, watch, create, patch, delete]
{{- end }}
{{- end -}}

{{/*
The API (api/runs/runs-service.ts, api/server.ts) lists and gets Pipelines and PipelineRuns and, when allowed, creates
a run (POST /api/v1/pipelines/{namespace}/{name}/runs). It neither watches nor reads schedules.
*/}}
{{- define "medallion.api.rules" -}}
- apiGroups: [medallion.dev]
  resources: [pipelines, pipelineruns]
  verbs: [get, list]
{{- if .Values.api.allowCreateRuns }}
- apiGroups: [medallion.dev]
  resources: [pipelineruns]
  verbs: [create]
{{- end }}
{{- end -}}
