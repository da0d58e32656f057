{{/* Names, labels and shared pieces of the accrete chart. */}}

{{- define "accrete.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release's full name; role objects are "<fullname>-<role>", so keep room for "-aggregator". */}}
{{- define "accrete.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 52 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "accrete.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "accrete.selectorLabels" -}}
app.kubernetes.io/name: {{ include "accrete.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "accrete.labels" -}}
helm.sh/chart: {{ include "accrete.chart" . }}
{{ include "accrete.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: accrete
{{- end -}}

{{/* Labels of one role's objects: call with (dict "root" $ "role" "gateway"). */}}
{{- define "accrete.roleLabels" -}}
{{ include "accrete.labels" .root }}
app.kubernetes.io/component: {{ .role }}
{{- end -}}

{{- define "accrete.roleSelectorLabels" -}}
{{ include "accrete.selectorLabels" .root }}
app.kubernetes.io/component: {{ .role }}
{{- end -}}

{{- define "accrete.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "accrete.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "accrete.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "accrete.secretName" -}}
{{- if .Values.existingSecret.name -}}
{{- .Values.existingSecret.name -}}
{{- else -}}
{{- printf "%s-secret" (include "accrete.fullname" .) -}}
{{- end -}}
{{- end -}}

{{- define "accrete.secretKey" -}}
{{- if .Values.existingSecret.name -}}{{ .Values.existingSecret.key }}{{- else -}}secret.toml{{- end -}}
{{- end -}}

{{/* A TOML basic string: JSON string escapes are valid TOML. */}}
{{- define "accrete.tomlString" -}}
{{- toJson (toString .) -}}
{{- end -}}

{{/* A TOML float with a decimal point (1 -> 1.000000). */}}
{{- define "accrete.tomlFloat" -}}
{{- printf "%f" (float64 .) -}}
{{- end -}}

{{/* Fails on values that the schema cannot express. */}}
{{- define "accrete.validate" -}}
{{- $a := .Values.classifier.autoscaling -}}
{{- if and .Values.classifier.enabled $a.enabled (gt (int64 $a.minReplicas) (int64 $a.maxReplicas)) -}}
{{- fail (printf "classifier.autoscaling.minReplicas (%d) must be <= classifier.autoscaling.maxReplicas (%d)" (int64 $a.minReplicas) (int64 $a.maxReplicas)) -}}
{{- end -}}
{{- if and .Values.gateway.enabled .Values.gateway.tls.enabled (not .Values.gateway.tls.secretName) -}}
{{- fail "gateway.tls.secretName is required when gateway.tls.enabled is true (a Secret of type kubernetes.io/tls)" -}}
{{- end -}}
{{- if and .Values.gateway.ingress.enabled (not .Values.gateway.enabled) -}}
{{- fail "gateway.ingress.enabled needs gateway.enabled" -}}
{{- end -}}
{{- if and .Values.api.ingress.enabled (not .Values.api.enabled) -}}
{{- fail "api.ingress.enabled needs api.enabled" -}}
{{- end -}}
{{- $seen := dict -}}
{{- range $i, $t := .Values.api.tokens -}}
{{- if hasKey $seen $t.token -}}
{{- fail (printf "api.tokens[%d].token is the same as an earlier token" $i) -}}
{{- end -}}
{{- $_ := set $seen $t.token true -}}
{{- end -}}
{{- end -}}
