{{/*
Names and labels of the services' Kubernetes identities (serviceaccounts.yaml, rbac.yaml).

Every service runs as the ServiceAccount "<release>-<service>" in the release namespace;
the Deployments name it with `include "orchestra.rbac.serviceAccount" (list . "operator")`.
The operator's leader Lease is "<release>-operator" in the release namespace: its Role grants
get and patch of that one Lease, so the operator's Deployment must set
ORCHESTRA_OPERATOR_LEASE_NAME to `include "orchestra.rbac.leaseName" .` and
ORCHESTRA_OPERATOR_LEASE_NAMESPACE to the release namespace.
*/}}

{{- define "orchestra.rbac.services" -}}
api operator sync expiry gate dashboard
{{- end -}}

{{- define "orchestra.rbac.serviceAccount" -}}
{{- $root := index . 0 -}}
{{- printf "%s-%s" $root.Release.Name (index . 1) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "orchestra.rbac.leaseName" -}}
{{- printf "%s-operator" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "orchestra.rbac.labels" -}}
{{- $root := index . 0 -}}
app.kubernetes.io/name: orchestra
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/managed-by: {{ $root.Release.Service }}
app.kubernetes.io/component: {{ index . 1 }}
helm.sh/chart: {{ printf "%s-%s" $root.Chart.Name $root.Chart.Version | replace "+" "_" }}
{{- end -}}
