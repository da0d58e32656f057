{{/*
The non-secret part of the binary's TOML config (common/src/config.rs).
Every key here must be a real key: the binary refuses unknown ones.
*/}}
{{- define "accrete.configToml" -}}
{{- $v := .Values -}}
# Rendered by the accrete Helm chart {{ .Chart.Version }}; secrets are in /etc/accrete/secret/secret.toml.
data_dir = "/tmp/accrete"
listen = "0.0.0.0:7430"

[log]
level = {{ include "accrete.tomlString" $v.log.level }}
format = {{ include "accrete.tomlString" $v.log.format }}

[telemetry]
admin_listen = "0.0.0.0:9464"
otlp_endpoint = {{ include "accrete.tomlString" $v.telemetry.otlpEndpoint }}
trace_sample_ratio = {{ include "accrete.tomlFloat" $v.telemetry.traceSampleRatio }}
metrics_interval_ms = {{ $v.telemetry.metricsIntervalMs | int64 }}

[kafka]
brokers = {{ include "accrete.tomlString" $v.kafka.brokers }}
events_topic = {{ include "accrete.tomlString" $v.kafka.eventsTopic }}
marks_topic = {{ include "accrete.tomlString" $v.kafka.marksTopic }}
coaching_topic = {{ include "accrete.tomlString" $v.kafka.coachingTopic }}
partitions = {{ $v.kafka.partitions | int64 }}
classifier_group = {{ include "accrete.tomlString" $v.kafka.classifierGroup }}
aggregator_group = {{ include "accrete.tomlString" $v.kafka.aggregatorGroup }}
batch_max_messages = {{ $v.kafka.batchMaxMessages | int64 }}
batch_max_wait_ms = {{ $v.kafka.batchMaxWaitMs | int64 }}

[clickhouse]
url = {{ include "accrete.tomlString" $v.clickhouse.url }}
database = {{ include "accrete.tomlString" $v.clickhouse.database }}
user = {{ include "accrete.tomlString" $v.clickhouse.user }}
validation = {{ $v.clickhouse.validation }}
compression = {{ $v.clickhouse.compression }}
rollups = {{ $v.clickhouse.rollups }}
compact_interval_ms = {{ $v.clickhouse.compactIntervalMs | int64 }}

[gateway]
listen = "0.0.0.0:7440"
max_batch_bytes = {{ $v.gateway.maxBatchBytes | int64 }}
max_batch_events = {{ $v.gateway.maxBatchEvents | int64 }}
rate_limit_events_per_s = {{ $v.gateway.rateLimitEventsPerS | int64 }}
{{- if $v.gateway.tls.enabled }}
tls_cert = "/etc/accrete/tls/tls.crt"
tls_key = "/etc/accrete/tls/tls.key"
{{- end }}
{{- if $v.teams }}

[teams]
{{- range $person, $team := $v.teams }}
{{ include "accrete.tomlString" $person }} = {{ include "accrete.tomlString" $team }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The secret part: the ClickHouse password and the tokens. */}}
{{- define "accrete.secretToml" -}}
{{- $v := .Values -}}
# Rendered by the accrete Helm chart {{ .Chart.Version }}.
[clickhouse]
password = {{ include "accrete.tomlString" $v.clickhouse.password }}
{{- range $v.gateway.tokens }}

[[gateway.tokens]]
team = {{ include "accrete.tomlString" .team }}
token = {{ include "accrete.tomlString" .token }}
{{- end }}
{{- range $v.api.tokens }}

[[api.tokens]]
token = {{ include "accrete.tomlString" .token }}
role = {{ include "accrete.tomlString" .role }}
{{- if .teams }}
teams = {{ toJson .teams }}
{{- end }}
{{- if .person }}
person = {{ include "accrete.tomlString" .person }}
{{- end }}
{{- end }}
{{- end -}}
