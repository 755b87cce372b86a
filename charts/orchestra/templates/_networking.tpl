{{/* Peers of the NetworkPolicies (networkpolicies.yaml). */}}

{{- define "orchestra.np.pod" -}}
podSelector:
  matchLabels:
    {{- include "orchestra.selectorLabels" . | nindent 4 }}
{{- end -}}
{{- define "orchestra.np.namespace" -}}
namespaceSelector:
  matchLabels:
    kubernetes.io/metadata.name: {{ . }}
{{- end -}}
