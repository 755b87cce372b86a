{{/*
Names, labels, images and the pieces every Deployment shares. Every object is
{release}-{service}; its pods carry app.kubernetes.io/component = service.
*/}}

{{- define "orchestra.name" -}}
{{- printf "%s-%s" .root.Release.Name .service | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "orchestra.selectorLabels" -}}
app.kubernetes.io/name: orchestra
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .service }}
{{- end -}}

{{- define "orchestra.labels" -}}
{{ include "orchestra.selectorLabels" . }}
app.kubernetes.io/part-of: orchestra
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- end -}}

{{- define "orchestra.image" -}}
{{- $tag := .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- printf "%s/orchestra-%s:%s" .root.Values.image.registry .service $tag -}}
{{- end -}}

{{/* The public origin of the dashboard and the api. */}}
{{- define "orchestra.origin" -}}
{{- printf "%s://%s" (ternary "https" "http" .Values.ingress.tls.enabled) .Values.ingress.host -}}
{{- end -}}

{{/* Pod-level security: the restricted Pod Security profile. */}}
{{- define "orchestra.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .uid | default 10001 }}
runAsGroup: {{ .uid | default 10001 }}
fsGroup: {{ .uid | default 10001 }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "orchestra.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* The pod template's metadata and spec preamble. */}}
{{- define "orchestra.podMetadata" -}}
metadata:
  labels:
    {{- include "orchestra.labels" . | nindent 4 }}
  {{- with .annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}

{{- define "orchestra.imagePullSecrets" -}}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Environment from the shared settings mixins (orchestra_shared.settings). */}}
{{- define "orchestra.natsEnv" -}}
{{- $prefix := printf "ORCHESTRA_%s_" (upper .service) -}}
{{- $credentials := index .root.Values.natsAuth.services .service -}}
- name: {{ $prefix }}NATS_URL
  value: {{ .root.Values.natsAuth.url | quote }}
- name: {{ $prefix }}NATS_USER
  value: {{ $credentials.user | quote }}
- name: {{ $prefix }}NATS_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .root.Values.natsAuth.secretName }}
      key: {{ $credentials.passwordKey }}
{{- end -}}

{{- define "orchestra.databaseEnv" -}}
{{- $prefix := printf "ORCHESTRA_%s_" (upper .service) -}}
- name: {{ $prefix }}DATABASE_DSN
  valueFrom:
    secretKeyRef:
      name: {{ .root.Values.database.secretName }}
      key: {{ .root.Values.database.dsnKey }}
- name: {{ $prefix }}DATABASE_POOL_SIZE
  value: {{ .root.Values.database.poolSize | quote }}
{{- end -}}

{{- define "orchestra.metricsEnv" -}}
- name: {{ printf "ORCHESTRA_%s_METRICS_PORT" (upper .service) }}
  value: {{ .root.Values.observability.metricsPort | quote }}
{{- end -}}

{{- define "orchestra.catalogEnv" -}}
{{- $prefix := printf "ORCHESTRA_%s_" (upper .service) -}}
- name: {{ $prefix }}CATALOG_DIR
  value: /etc/orchestra/catalog/templates
- name: {{ $prefix }}CATALOG_PROFILES
  value: /etc/orchestra/catalog/security-profiles.yaml
{{- end -}}

{{/* OpenTelemetry's own variables (the SDK reads them; no setting of ours). */}}
{{- define "orchestra.otelEnv" -}}
{{- with .root.Values.observability.otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- end -}}

{{/* A service's free-form `settings` values, as ORCHESTRA_<SERVICE>_<FIELD> (JSON for lists and maps). */}}
{{- define "orchestra.settingsEnv" -}}
{{- $prefix := printf "ORCHESTRA_%s_" (upper .service) -}}
{{- range $field, $value := .settings }}
- name: {{ printf "%s%s" $prefix (upper $field) }}
  value: {{ ternary ($value | toJson) ($value | toString) (or (kindIs "map" $value) (kindIs "slice" $value)) | quote }}
{{- end }}
{{- end -}}

{{/* /tmp as an emptyDir: the root filesystem is read-only. */}}
{{- define "orchestra.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- end -}}

{{- define "orchestra.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- end -}}

{{- define "orchestra.catalogVolume" -}}
- name: catalog
  configMap:
    name: {{ include "orchestra.name" (dict "root" .root "service" "catalog") }}
    items:
      {{- range $key, $_ := (include "orchestra.catalogFiles" .root | fromYaml) }}
      - key: {{ $key }}
        path: {{ ternary "security-profiles.yaml" (printf "templates/%s" $key) (eq $key "security-profiles.yaml") }}
      {{- end }}
{{- end -}}

{{- define "orchestra.catalogMount" -}}
- name: catalog
  mountPath: /etc/orchestra/catalog
  readOnly: true
{{- end -}}

{{/* The catalog's files, key -> content: the default templates (less the excluded), the operator's own, the profiles. */}}
{{- define "orchestra.catalogFiles" -}}
{{- $root := . -}}
{{- $files := dict -}}
{{- range $path, $_ := .Files.Glob "files/templates/*.yaml" }}
{{- $name := base $path }}
{{- if not (has (trimSuffix ".yaml" $name) $root.Values.catalog.excludeTemplates) }}
{{- $_ := set $files $name ($root.Files.Get $path) }}
{{- end }}
{{- end }}
{{- range $slug, $template := .Values.catalog.extraTemplates }}
{{- $_ := set $files (printf "%s.yaml" $slug) (toYaml (merge (dict "slug" $slug) $template)) }}
{{- end }}
{{- $profiles := .Files.Get "files/security-profiles.yaml" }}
{{- if or .Values.catalog.extraProfiles .Values.catalog.excludeTemplates }}
{{- /* The loader refuses a profile of a template that is not there: excluded ones go too. */}}
{{- $merged := fromYaml $profiles }}
{{- $entries := merge (deepCopy .Values.catalog.extraProfiles) ($merged.templates | default dict) }}
{{- range .Values.catalog.excludeTemplates }}{{ $_ := unset $entries . }}{{ end }}
{{- $_ := set $merged "templates" $entries }}
{{- $profiles = toYaml $merged }}
{{- end }}
{{- $_ := set $files "security-profiles.yaml" $profiles }}
{{- toYaml $files }}
{{- end -}}

{{/* The checksum that rolls the api and the operator when the catalog changes (ADR-0006 of the design). */}}
{{- define "orchestra.catalogChecksum" -}}
{{- include "orchestra.catalogFiles" . | sha256sum -}}
{{- end -}}

{{/* Probes on the metrics endpoint: operator, sync, expiry and the gate serve nothing else of their own. */}}
{{- define "orchestra.metricsProbes" -}}
startupProbe:
  httpGet: {path: /metrics, port: metrics}
  periodSeconds: 2
  failureThreshold: 30
livenessProbe:
  httpGet: {path: /metrics, port: metrics}
  periodSeconds: 10
  timeoutSeconds: 5
  failureThreshold: 3
readinessProbe:
  httpGet: {path: /metrics, port: metrics}
  periodSeconds: 10
  timeoutSeconds: 5
{{- end -}}

{{/* Every retention period (ORCHESTRA_RETENTION_*: a group shared by the services that
enforce one; the names are the settings', not the service's). */}}
{{- define "orchestra.retentionEnv" -}}
{{- with .root.Values.retention }}
- {name: ORCHESTRA_RETENTION_HISTORY, value: {{ .history | toString | quote }}}
- {name: ORCHESTRA_RETENTION_ARCHIVES, value: {{ .archives | toString | quote }}}
- {name: ORCHESTRA_RETENTION_WORKSPACES, value: {{ .workspaces | toString | quote }}}
- {name: ORCHESTRA_RETENTION_WORKSPACE_WARNING, value: {{ .workspaceWarning | toString | quote }}}
- {name: ORCHESTRA_RETENTION_AUDIT, value: {{ .audit | toString | quote }}}
- {name: ORCHESTRA_RETENTION_REAP_INTERVAL, value: {{ .reapInterval | toString | quote }}}
- {name: ORCHESTRA_RETENTION_REAP_BATCH, value: {{ .reapBatch | toString | quote }}}
{{- end }}
{{- end -}}

{{/* The archive store (ORCHESTRA_ARCHIVES_*, the api and the operator); S3 credentials
only from a Secret. */}}
{{- define "orchestra.archivesEnv" -}}
{{- with .root.Values.archives }}
- {name: ORCHESTRA_ARCHIVES_BACKEND, value: {{ .backend | quote }}}
- {name: ORCHESTRA_ARCHIVES_MAX_BYTES, value: {{ .maxBytes | int64 | toString | quote }}}
{{- if eq .backend "filesystem" }}
- {name: ORCHESTRA_ARCHIVES_DIRECTORY, value: {{ .filesystem.mountPath | quote }}}
{{- end }}
{{- if eq .backend "s3" }}
- {name: ORCHESTRA_ARCHIVES_BUCKET, value: {{ required "archives.s3.bucket is required for the s3 backend" .s3.bucket | quote }}}
- {name: ORCHESTRA_ARCHIVES_PREFIX, value: {{ .s3.prefix | quote }}}
- {name: ORCHESTRA_ARCHIVES_REGION, value: {{ .s3.region | quote }}}
{{- with .s3.endpointUrl }}
- {name: ORCHESTRA_ARCHIVES_ENDPOINT_URL, value: {{ . | quote }}}
{{- end }}
{{- with .s3.secretName }}
- name: ORCHESTRA_ARCHIVES_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef: {name: {{ . }}, key: {{ $.root.Values.archives.s3.accessKeyIdKey }}}
- name: ORCHESTRA_ARCHIVES_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef: {name: {{ . }}, key: {{ $.root.Values.archives.s3.secretAccessKeyKey }}}
{{- end }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "orchestra.archivesClaim" -}}
{{- .Values.archives.filesystem.existingClaim | default (printf "%s-archives" .Release.Name | trunc 63 | trimSuffix "-") -}}
{{- end -}}

{{- define "orchestra.archivesVolume" -}}
{{- if eq .Values.archives.backend "filesystem" }}
- name: archives
  persistentVolumeClaim:
    claimName: {{ include "orchestra.archivesClaim" . }}
{{- end }}
{{- end -}}

{{- define "orchestra.archivesMount" -}}
{{- if eq .Values.archives.backend "filesystem" }}
- name: archives
  mountPath: {{ .Values.archives.filesystem.mountPath }}
{{- end }}
{{- end -}}
