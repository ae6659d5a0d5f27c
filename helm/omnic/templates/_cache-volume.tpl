{{/* The cache volume: node-local emptyDir, a per-pod ephemeral claim, or a claim you manage. */}}
{{- define "omnic.cacheVolume" -}}
- name: cache
{{- if eq .Values.cache.volume "emptyDir" }}
  emptyDir:
    sizeLimit: {{ .Values.cache.sizeLimit }}
{{- else if eq .Values.cache.volume "ephemeral" }}
  ephemeral:
    volumeClaimTemplate:
      metadata:
        labels:
          {{- include "omnic.selectorLabels" . | nindent 10 }}
      spec:
        accessModes: [ReadWriteOnce]
        {{- with .Values.cache.storageClassName }}
        storageClassName: {{ . }}
        {{- end }}
        resources:
          requests:
            storage: {{ .Values.cache.sizeLimit }}
{{- else if eq .Values.cache.volume "existingClaim" }}
  {{- if not .Values.cache.existingClaim }}
  {{- fail "cache.volume=existingClaim needs cache.existingClaim (the PersistentVolumeClaim's name)" }}
  {{- end }}
  persistentVolumeClaim:
    claimName: {{ .Values.cache.existingClaim }}
{{- end }}
{{- end }}
