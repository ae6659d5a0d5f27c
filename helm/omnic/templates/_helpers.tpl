{{/* Names, labels and derived values shared by every template of the omnic chart. */}}

{{- define "omnic.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "omnic.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "omnic.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "omnic.selectorLabels" -}}
app.kubernetes.io/name: {{ include "omnic.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "omnic.labels" -}}
helm.sh/chart: {{ include "omnic.chart" . }}
{{ include "omnic.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "omnic.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "omnic.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "omnic.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/* Where a custom profile from the ConfigMap is mounted; OMNIC_PROFILE points at the file. */}}
{{- define "omnic.profileDir" -}}/etc/omnic/profile{{- end }}

{{- define "omnic.profile" -}}
{{- if .Values.profile.custom }}
{{- printf "%s/profile.json" (include "omnic.profileDir" .) }}
{{- else }}
{{- .Values.profile.name }}
{{- end }}
{{- end }}

{{/* The chart creates a Secret only when it holds something and none is supplied. */}}
{{- define "omnic.createSecret" -}}
{{- if and (not .Values.existingSecret) (or .Values.signingKeys .Values.adminToken) }}true{{- end }}
{{- end }}

{{- define "omnic.secretName" -}}
{{- .Values.existingSecret | default (include "omnic.fullname" .) }}
{{- end }}

{{/* Ports the Service and ServiceMonitor name: "metrics" only when it has its own listener. */}}
{{- define "omnic.metricsPortName" -}}
{{- if .Values.metrics.port }}metrics{{- else }}http{{- end }}
{{- end }}

{{/* Enough time for the preStop pause, the app's own drain and a margin before SIGKILL. */}}
{{- define "omnic.terminationGrace" -}}
{{- if kindIs "invalid" .Values.terminationGracePeriodSeconds }}
{{- add .Values.preStopSeconds (div (add .Values.config.shutdownGraceMs 999) 1000) 10 }}
{{- else }}
{{- .Values.terminationGracePeriodSeconds }}
{{- end }}
{{- end }}

{{/* Every OMNIC_* variable the chart derives from a dedicated value; `env` may not repeat them. */}}
{{- define "omnic.managedEnv" -}}
{{- list "OMNIC_PROFILE" "OMNIC_PORT" "OMNIC_METRICS_PORT" "OMNIC_CACHE_DIR" "OMNIC_CACHE_MAX_BYTES" "OMNIC_CONCURRENCY" "OMNIC_QUEUE_SIZE" "OMNIC_WAIT_MS" "OMNIC_SHUTDOWN_GRACE_MS" "OMNIC_ALLOWED_HOSTS" "OMNIC_LOG_LEVEL" "OMNIC_LOG_FORMAT" "OMNIC_SIGNING_KEYS" "OMNIC_ADMIN_TOKEN" | toJson }}
{{- end }}
