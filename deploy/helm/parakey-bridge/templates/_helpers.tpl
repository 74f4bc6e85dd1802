{{/*
Names and labels shared by every template. A component's resources are named
`<fullname>-<component>` and selected by name + instance + component.
*/}}

{{- define "parakey-bridge.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "parakey-bridge.fullname" -}}
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

{{- define "parakey-bridge.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Selector labels of the whole release (no component): used by NetworkPolicy peers. */}}
{{- define "parakey-bridge.releaseSelectorLabels" -}}
app.kubernetes.io/name: {{ include "parakey-bridge.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Standard labels of the release; `parakey-bridge.labels` adds the component. */}}
{{- define "parakey-bridge.commonLabels" -}}
helm.sh/chart: {{ include "parakey-bridge.chart" . }}
{{ include "parakey-bridge.releaseSelectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: parakey-bridge
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* Usage: include "parakey-bridge.labels" (dict "root" $ "component" "ingress") */}}
{{- define "parakey-bridge.labels" -}}
{{ include "parakey-bridge.commonLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Usage: include "parakey-bridge.selectorLabels" (dict "root" $ "component" "ingress") */}}
{{- define "parakey-bridge.selectorLabels" -}}
{{ include "parakey-bridge.releaseSelectorLabels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{/* Usage: include "parakey-bridge.componentName" (dict "root" $ "component" "ingress") */}}
{{- define "parakey-bridge.componentName" -}}
{{- printf "%s-%s" (include "parakey-bridge.fullname" .root | trunc 50 | trimSuffix "-") .component }}
{{- end }}

{{- define "parakey-bridge.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "parakey-bridge.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The image of a component: `<component>.image.repository` when set, else `<image.repository>-<component>`;
the tag falls back to image.tag, then to the chart's appVersion.
Usage: include "parakey-bridge.image" (dict "root" $ "component" "ingress")
*/}}
{{- define "parakey-bridge.image" -}}
{{- $own := (index .root.Values .component).image | default dict }}
{{- $repository := $own.repository | default (printf "%s-%s" .root.Values.image.repository .component) }}
{{- $tag := $own.tag | default .root.Values.image.tag | default .root.Chart.AppVersion }}
{{- printf "%s:%s" $repository (toString $tag) }}
{{- end }}

{{/* Pod security context shared by every pod of the chart (restricted Pod Security Standard). */}}
{{- define "parakey-bridge.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "parakey-bridge.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{/*
Kafka connection environment, the same for every component and the topic Job.
Usage: include "parakey-bridge.kafkaEnv" (dict "root" $ "component" "ingress")
*/}}
{{- define "parakey-bridge.kafkaEnv" -}}
{{- $kafka := .root.Values.kafka -}}
- name: KAFKA_BROKERS
  value: {{ join "," $kafka.brokers | quote }}
- name: KAFKA_CLIENT_ID
  value: {{ printf "%s-%s" $kafka.clientIdPrefix .component | quote }}
- name: KAFKA_SSL
  value: {{ ternary "true" "false" (or $kafka.ssl $kafka.tls.enabled) | quote }}
{{- if $kafka.tls.enabled }}
{{- if $kafka.tls.caKey }}
- name: KAFKA_SSL_CA_FILE
  value: {{ printf "%s/ca.crt" (include "parakey-bridge.kafkaTlsDir" .root) | quote }}
{{- end }}
{{- if $kafka.tls.clientCertificate }}
- name: KAFKA_SSL_CERT_FILE
  value: {{ printf "%s/tls.crt" (include "parakey-bridge.kafkaTlsDir" .root) | quote }}
- name: KAFKA_SSL_KEY_FILE
  value: {{ printf "%s/tls.key" (include "parakey-bridge.kafkaTlsDir" .root) | quote }}
{{- end }}
{{- end }}
{{- if $kafka.sasl.mechanism }}
- name: KAFKA_SASL_MECHANISM
  value: {{ $kafka.sasl.mechanism | quote }}
- name: KAFKA_SASL_USERNAME
  valueFrom:
    secretKeyRef:
      name: {{ $kafka.sasl.existingSecret }}
      key: {{ $kafka.sasl.usernameKey }}
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $kafka.sasl.existingSecret }}
      key: {{ $kafka.sasl.passwordKey }}
{{- end }}
{{- end }}

{{/* Where kafka.tls.existingSecret is mounted (read-only) in every pod that talks to Kafka. */}}
{{- define "parakey-bridge.kafkaTlsDir" -}}
/etc/parakey-bridge/kafka-tls
{{- end }}

{{/*
The volumeMount and volume of kafka.tls.existingSecret, each a list item ("" when kafka.tls is off).
Only the keys in use are projected, under fixed names (ca.crt, tls.crt, tls.key) that the kafkaEnv
variables point at; readable by the pods' group (fsGroup 10001) only.
Usage: include "parakey-bridge.kafkaTlsVolumeMount" $ / include "parakey-bridge.kafkaTlsVolume" $
*/}}
{{- define "parakey-bridge.kafkaTlsVolumeMount" -}}
{{- if .Values.kafka.tls.enabled -}}
- name: kafka-tls
  mountPath: {{ include "parakey-bridge.kafkaTlsDir" . }}
  readOnly: true
{{- end }}
{{- end }}

{{- define "parakey-bridge.kafkaTlsVolume" -}}
{{- $tls := .Values.kafka.tls }}
{{- if $tls.enabled -}}
- name: kafka-tls
  secret:
    secretName: {{ $tls.existingSecret }}
    # 0440: the private key is readable by the pod's group (fsGroup) only, never by others.
    defaultMode: 288
    items:
      {{- if $tls.caKey }}
      - key: {{ $tls.caKey }}
        path: ca.crt
      {{- end }}
      {{- if $tls.clientCertificate }}
      - key: {{ $tls.certKey }}
        path: tls.crt
      - key: {{ $tls.keyKey }}
        path: tls.key
      {{- end }}
{{- end }}
{{- end }}

{{/*
The consumer groups of the enabled consumers (checkin, billing, audit), comma-separated: each
component's KAFKA_GROUP_ID, and the groups whose dead-letter and redrive topics the topic Job creates.
Two components in one group would split the partitions between them (each would see only part of the
stream), so a repeated group id fails the render.
*/}}
{{- define "parakey-bridge.consumerGroupIds" -}}
{{- $groups := list }}
{{- range $component := list "checkin" "billing" "audit" "streams" }}
{{- $values := index $.Values $component }}
{{- if $values.enabled }}
{{- if has $values.kafkaGroupId $groups }}
{{- fail (printf "%s.kafkaGroupId %q is already the consumer group of another component: every consumer needs its own" $component $values.kafkaGroupId) }}
{{- end }}
{{- $groups = append $groups $values.kafkaGroupId }}
{{- end }}
{{- end }}
{{- join "," $groups }}
{{- end }}

{{/* Topic settings, for the Job and for services that ensure topics at start. */}}
{{- define "parakey-bridge.topicEnv" -}}
{{- $topics := .Values.topics -}}
- name: TOPIC_PARTITIONS
  value: {{ int64 $topics.partitions | quote }}
- name: TOPIC_REPLICATION_FACTOR
  value: {{ int64 $topics.replicationFactor | quote }}
- name: TOPIC_RETENTION_MS
  value: {{ int64 $topics.retentionMs | quote }}
{{- end }}

{{/*
Effective replica count of a component: the HPA's minimum when autoscaling, else replicas. Decides
whether a PodDisruptionBudget makes sense (one replica with maxUnavailable 1 protects nothing, and
minAvailable 1 would block every node drain).
*/}}
{{- define "parakey-bridge.minReplicas" -}}
{{- $autoscaling := .values.autoscaling | default dict }}
{{- if $autoscaling.enabled }}{{ int64 $autoscaling.minReplicas }}{{ else }}{{ int64 .values.replicas }}{{ end }}
{{- end }}
