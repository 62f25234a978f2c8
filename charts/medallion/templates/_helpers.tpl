{{/* Names and labels, in the style of the prometheus-community charts. */}}

{{- define "medallion.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/*
Fully qualified app name, truncated to 63 characters (DNS-1123 label limit). When the release name already contains
the chart name it is used alone ("medallion", not "medallion-medallion").
*/}}
{{- define "medallion.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "medallion.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "medallion.namespace" -}}
{{- .Release.Namespace -}}
{{- end -}}

{{/* Labels on every object. Call with (dict "ctx" $ "component" "operator"). */}}
{{- define "medallion.labels" -}}
helm.sh/chart: {{ include "medallion.chart" .ctx }}
{{ include "medallion.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
app.kubernetes.io/part-of: medallion
{{- with .ctx.Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Immutable selector labels (a Deployment's selector cannot change after install). */}}
{{- define "medallion.selectorLabels" -}}
app.kubernetes.io/name: {{ include "medallion.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
{{- if .component }}
app.kubernetes.io/component: {{ .component }}
{{- end }}
{{- end -}}

{{- define "medallion.operator.fullname" -}}
{{- printf "%s-operator" (include "medallion.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "medallion.api.fullname" -}}
{{- printf "%s-api" (include "medallion.fullname" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "medallion.operator.serviceAccountName" -}}
{{- if .Values.operator.serviceAccount.create -}}
{{- default (include "medallion.operator.fullname" .) .Values.operator.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.operator.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "medallion.api.serviceAccountName" -}}
{{- if .Values.api.serviceAccount.create -}}
{{- default (include "medallion.api.fullname" .) .Values.api.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.api.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* The account Pipelines name in spec.job.serviceAccountName; it has no API permissions at all. */}}
{{- define "medallion.steps.serviceAccountName" -}}
{{- default (printf "%s-step" (include "medallion.fullname" .) | trunc 63 | trimSuffix "-") .Values.steps.serviceAccount.name -}}
{{- end -}}

{{/* The step ServiceAccount's annotations: the values' own, plus IRSA's role annotation from steps.serviceAccount.awsRoleArn. */}}
{{- define "medallion.steps.serviceAccountAnnotations" -}}
{{- $a := deepCopy (default (dict) .Values.steps.serviceAccount.annotations) -}}
{{- with .Values.steps.serviceAccount.awsRoleArn -}}
{{- $_ := set $a "eks.amazonaws.com/role-arn" . -}}
{{- end -}}
{{- toYaml $a -}}
{{- end -}}

{{/* namespace scope: the one namespace the operator watches (the release's by default). */}}
{{- define "medallion.watchNamespace" -}}
{{- default .Release.Namespace .Values.watchNamespace -}}
{{- end -}}

{{/* Namespaces that get the step ServiceAccount and the step NetworkPolicy, as a JSON list. */}}
{{- define "medallion.stepNamespaces" -}}
{{- if eq .Values.rbac.scope "namespace" -}}
{{- list (include "medallion.watchNamespace" .) | toJson -}}
{{- else -}}
{{- default (list .Release.Namespace) .Values.steps.namespaces | uniq | toJson -}}
{{- end -}}
{{- end -}}

{{- define "medallion.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* RBAC kind for the watched resources: ClusterRole in cluster scope, Role in the watched namespace otherwise. */}}
{{- define "medallion.roleKind" -}}
{{- if eq .Values.rbac.scope "cluster" -}}ClusterRole{{- else -}}Role{{- end -}}
{{- end -}}
