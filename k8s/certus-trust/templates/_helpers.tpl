{{/* Chart name, truncated to the 63 characters Kubernetes names allow. */}}
{{- define "certus-trust.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Full name: release-chart unless the release name already contains the chart name. */}}
{{- define "certus-trust.fullname" -}}
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

{{- define "certus-trust.selectorLabels" -}}
app.kubernetes.io/name: {{ include "certus-trust.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "certus-trust.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "certus-trust.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: certus-tap
certus.cloud/trust-mode: {{ .Values.mode }}
{{- end -}}

{{- define "certus-trust.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "certus-trust.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
Checks the values together, once: embedded mode keeps a SQLite log on one volume, so it is one
replica without an autoscaler; the mode is one of the two the service knows.
*/}}
{{- define "certus-trust.validate" -}}
{{- if not (has .Values.mode (list "embedded" "sigstore")) -}}
{{- fail (printf "mode: %q is not embedded or sigstore" .Values.mode) -}}
{{- end -}}
{{- if eq .Values.mode "embedded" -}}
{{- if ne (int .Values.replicaCount) 1 -}}
{{- fail (printf "replicaCount: embedded mode runs exactly 1 replica (its transparency log is SQLite on one volume), got %v" .Values.replicaCount) -}}
{{- end -}}
{{- if .Values.autoscaling.enabled -}}
{{- fail "autoscaling.enabled: embedded mode cannot scale (one SQLite log); use mode: sigstore" -}}
{{- end -}}
{{- end -}}
{{- if and (eq .Values.mode "sigstore") .Values.autoscaling.enabled (lt (int .Values.autoscaling.minReplicas) 1) -}}
{{- fail "autoscaling.minReplicas: at least 1" -}}
{{- end -}}
{{- if not (has .Values.stateStore (list "file" "postgres")) -}}
{{- fail (printf "stateStore: %q is not file or postgres" .Values.stateStore) -}}
{{- end -}}
{{- if eq .Values.stateStore "file" -}}
{{- if or (gt (int .Values.replicaCount) 1) (and .Values.autoscaling.enabled (gt (int .Values.autoscaling.maxReplicas) 1)) -}}
{{- fail "stateStore: more than one replica needs stateStore: postgres (with file state every replica would keep its own audit chain, permissions and API keys)" -}}
{{- end -}}
{{- else -}}
{{- if not .Values.database.existingSecret -}}
{{- fail "database.existingSecret: stateStore postgres reads the database URL from a Secret (key database.urlKey, default url)" -}}
{{- end -}}
{{- if .Values.secrets.apiKeys.existingSecret -}}
{{- fail "secrets.apiKeys.existingSecret: with stateStore postgres the API keys live in the database (certus-trust apikey create in a pod); leave it empty" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "certus-trust.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
