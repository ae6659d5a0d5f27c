{{/* The container environment: only OMNIC_* names the app's configuration schema declares (tested). */}}
{{- define "omnic.env" -}}
- name: OMNIC_PROFILE
  value: {{ include "omnic.profile" . | quote }}
- name: OMNIC_PORT
  value: {{ .Values.port | quote }}
{{- if .Values.metrics.port }}
- name: OMNIC_METRICS_PORT
  value: {{ .Values.metrics.port | quote }}
{{- end }}
- name: OMNIC_CACHE_DIR
  value: {{ .Values.cache.dir | quote }}
- name: OMNIC_CACHE_MAX_BYTES
  value: {{ .Values.cache.maxBytes | quote }}
- name: OMNIC_CONCURRENCY
  value: {{ .Values.config.concurrency | quote }}
- name: OMNIC_QUEUE_SIZE
  value: {{ .Values.config.queueSize | quote }}
- name: OMNIC_WAIT_MS
  value: {{ .Values.config.waitMs | quote }}
- name: OMNIC_SHUTDOWN_GRACE_MS
  value: {{ .Values.config.shutdownGraceMs | quote }}
{{- with .Values.config.allowedHosts }}
- name: OMNIC_ALLOWED_HOSTS
  value: {{ join "," . | quote }}
{{- end }}
- name: OMNIC_LOG_LEVEL
  value: {{ .Values.config.logLevel | quote }}
- name: OMNIC_LOG_FORMAT
  value: {{ .Values.config.logFormat | quote }}
{{- if or .Values.existingSecret .Values.signingKeys }}
- name: OMNIC_SIGNING_KEYS
  valueFrom:
    secretKeyRef:
      name: {{ include "omnic.secretName" . }}
      key: signing-keys
{{- end }}
{{- if or .Values.existingSecret .Values.adminToken }}
- name: OMNIC_ADMIN_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ include "omnic.secretName" . }}
      key: admin-token
      optional: {{ not (empty .Values.existingSecret) }}
{{- end }}
{{- $managed := include "omnic.managedEnv" . | fromJsonArray }}
{{- range $name, $value := .Values.env }}
{{- if has $name $managed }}
{{- fail (printf "env.%s: the chart sets %s from its own value; set that value instead (see values.yaml)" $name $name) }}
{{- end }}
- name: {{ $name }}
  value: {{ $value | toString | quote }}
{{- end }}
{{- end }}
