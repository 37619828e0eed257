{{/*
The base of every object name: the release name when it already says "corridor", else "<release>-corridor".
Cut to 50 characters so that "<base>-webhook-tls" and the Service "<base>-webhook" stay valid names.
*/}}
{{- define "corridor.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* The operator's Deployment, ServiceAccount, RBAC objects and leader-election Lease. */}}
{{- define "corridor.operatorName" -}}
{{- printf "%s-operator" (include "corridor.fullname" .) -}}
{{- end -}}

{{/* The Service in front of the webhook: the serving certificate names <service>.<namespace>.svc. */}}
{{- define "corridor.webhookServiceName" -}}
{{- printf "%s-webhook" (include "corridor.fullname" .) -}}
{{- end -}}

{{/* The Secret holding the webhook's serving certificate (made by the operator or by cert-manager). */}}
{{- define "corridor.webhookSecretName" -}}
{{- printf "%s-webhook-tls" (include "corridor.fullname" .) -}}
{{- end -}}

{{/* The Secret holding the CA that signs the serving certificate, apart from it (source generate). */}}
{{- define "corridor.webhookCaSecretName" -}}
{{- printf "%s-webhook-ca" (include "corridor.fullname" .) -}}
{{- end -}}

{{/* The MutatingWebhookConfiguration, cluster-scoped. */}}
{{- define "corridor.webhookConfigurationName" -}}
{{- include "corridor.fullname" . -}}
{{- end -}}

{{- define "corridor.certificateName" -}}
{{- printf "%s-webhook" (include "corridor.fullname" .) -}}
{{- end -}}

{{- define "corridor.selfSignedIssuerName" -}}
{{- printf "%s-selfsigned" (include "corridor.fullname" .) -}}
{{- end -}}

{{/* cert-manager's bootstrap (source certManager without an issuerRef): the CA Certificate and its Secret. */}}
{{- define "corridor.caCertificateName" -}}
{{- printf "%s-ca" (include "corridor.fullname" .) -}}
{{- end -}}

{{/* The Issuer that signs the serving certificate with that CA. */}}
{{- define "corridor.caIssuerName" -}}
{{- printf "%s-ca-issuer" (include "corridor.fullname" .) -}}
{{- end -}}

{{- define "corridor.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end -}}

{{- define "corridor.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{ include "corridor.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{/* An image reference from {repository, tag}; the tag defaults to the chart's appVersion. */}}
{{- define "corridor.image" -}}
{{- printf "%s:%s" .image.repository (.image.tag | default .chart.AppVersion) -}}
{{- end -}}

{{/* The Service in front of the operator's /metrics, which the ServiceMonitor selects. */}}
{{- define "corridor.metricsServiceName" -}}
{{- printf "%s-metrics" (include "corridor.fullname" .) -}}
{{- end -}}

{{/* "true" when the cluster serves the Prometheus Operator's API, whose CRDs the PodMonitor, ServiceMonitor and PrometheusRule need. */}}
{{- define "corridor.prometheusOperatorServed" -}}
{{- .Capabilities.APIVersions.Has "monitoring.coreos.com/v1" -}}
{{- end -}}

{{/*
What the operator does with tunnels: in a ClusterRole, or in a Role per namespace of watchNamespaces.
*/}}
{{- define "corridor.tunnelRules" -}}
- apiGroups: ["corridor.dev"]
  resources: ["vpntunnels"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["corridor.dev"]
  resources: ["vpntunnels/status"]
  verbs: ["patch"]
# The per-tunnel ConfigMap corridor-<tunnel> holding the sidecar's configuration, written by server-side apply.
- apiGroups: [""]
  resources: ["configmaps"]
  verbs: ["get", "list", "watch", "create", "patch"]
# The credential and CA Secrets a VpnTunnel names: the operator checks that they exist and have the keys. And each
# tunnel's status-token Secret corridor-<tunnel>-status-token, created once and then only read.
- apiGroups: [""]
  resources: ["secrets"]
  verbs: ["get", "create"]
# A tunnel's shared egress (spec.egress), written by server-side apply and deleted when the spec drops it: the
# Deployment of egress pods, a Service per forward and proxy, the NetworkPolicy that admits the allowed namespaces,
# the PodDisruptionBudget.
- apiGroups: ["apps"]
  resources: ["deployments"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
- apiGroups: [""]
  resources: ["services"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
- apiGroups: ["networking.k8s.io"]
  resources: ["networkpolicies"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
- apiGroups: ["policy"]
  resources: ["poddisruptionbudgets"]
  verbs: ["get", "list", "watch", "create", "patch", "delete"]
# Pods carrying the corridor.dev/tunnel label, for the tunnels' status.
- apiGroups: [""]
  resources: ["pods"]
  verbs: ["list", "watch"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create"]
{{- end -}}
