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
the tag falls back to image.tag, then to the chart's appVersion; `<component>.image.digest` pins it
(`<repository>:<tag>@<digest>`: the runtime pulls the digest, the tag stays for people reading it).
Usage: include "parakey-bridge.image" (dict "root" $ "component" "ingress")
*/}}
{{- define "parakey-bridge.image" -}}
{{- $own := (index .root.Values .component).image | default dict }}
{{- $repository := $own.repository | default (printf "%s-%s" .root.Values.image.repository .component) }}
{{- $tag := $own.tag | default .root.Values.image.tag | default .root.Chart.AppVersion }}
{{- printf "%s:%s" $repository (toString $tag) }}
{{- with $own.digest }}@{{ . }}{{ end }}
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
The prefix of this release's names on the Kafka cluster, with its trailing dot: "" (the historical
names, which every release shares) unless kafka.names.scopeByRelease, then kafka.names.prefix or
`<namespace>.<release>`, unique per cluster (Helm allows one release of a name per namespace).
*/}}
{{- define "parakey-bridge.kafkaNamePrefix" -}}
{{- $names := .Values.kafka.names }}
{{- if $names.scopeByRelease }}
{{- printf "%s." ($names.prefix | default (printf "%s.%s" .Release.Namespace .Release.Name)) }}
{{- end }}
{{- end }}

{{/*
The consumer group a consumer joins (KAFKA_GROUP_ID): its kafkaGroupId behind the release's prefix.
Usage: include "parakey-bridge.consumerGroupId" (dict "root" $ "component" "checkin")
*/}}
{{- define "parakey-bridge.consumerGroupId" -}}
{{- printf "%s%s" (include "parakey-bridge.kafkaNamePrefix" .root) (index .root.Values .component).kafkaGroupId }}
{{- end }}

{{/*
With kafka.names.topics, the names of the topics a component uses, behind the release's prefix (the
services default to the unprefixed names); nothing otherwise. The same TOPIC_* variables the services
and the topic Job ("topics": every topic) read (TopicNamesEnv in @parakey-bridge/kafka), so the Job
creates exactly the names the services use.
Usage: include "parakey-bridge.topicNameEnv" (dict "root" $ "component" "ingress")
*/}}
{{- define "parakey-bridge.topicNameEnv" -}}
{{- $names := .root.Values.kafka.names }}
{{- if $names.topics }}
{{- if not $names.scopeByRelease }}
{{- fail "kafka.names.topics needs kafka.names.scopeByRelease (the prefix comes from it)" }}
{{- end }}
{{- if .root.Values.topics.ensureOnServiceStart }}
{{- fail "kafka.names.topics needs topics.ensureOnServiceStart=false: the services create only the default topic names, the topic Job creates the prefixed ones" }}
{{- end }}
{{- $prefix := include "parakey-bridge.kafkaNamePrefix" .root }}
{{- $topics := dict
  "TOPIC_EVENT_LOGS" "parakey.event-logs.v1"
  "TOPIC_REJECTED" "parakey.event-logs.rejected.v1"
  "TOPIC_CHECKINS" "parakey.checkins.v1"
  "TOPIC_DOOR_EVENTS" "parakey.door-events.v1"
  "TOPIC_DOOR_EVENTS_ANONYMOUS" "parakey.door-events.anonymous.v1"
  "TOPIC_DOOR_EVENTS_STATE" "parakey-bridge.door-events.seen"
  "TOPIC_POLLER_STATE" "parakey-bridge.poller-state" }}
{{- $uses := dict
  "ingress" (list "TOPIC_EVENT_LOGS" "TOPIC_REJECTED" "TOPIC_POLLER_STATE")
  "checkin" (list "TOPIC_EVENT_LOGS" "TOPIC_CHECKINS")
  "billing" (list "TOPIC_EVENT_LOGS")
  "audit" (list "TOPIC_EVENT_LOGS")
  "streams" (list "TOPIC_EVENT_LOGS" "TOPIC_DOOR_EVENTS" "TOPIC_DOOR_EVENTS_ANONYMOUS" "TOPIC_DOOR_EVENTS_STATE")
  "console" (list "TOPIC_EVENT_LOGS" "TOPIC_REJECTED" "TOPIC_POLLER_STATE")
  "topics" (keys $topics | sortAlpha) }}
{{- range $name := (get $uses .component | default list) }}
- name: {{ $name }}
  value: {{ printf "%s%s" $prefix (get $topics $name) | quote }}
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
{{- $groups = append $groups (include "parakey-bridge.consumerGroupId" (dict "root" $ "component" $component)) }}
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

{{/*
NODE_OPTIONS sizing Node's old-space heap from the container's memory limit: heapPercentOfMemoryLimit
of resources.limits.memory, in MiB (rounded down). Without it Node sizes its heap from the node's
memory, not the container's, and the kernel kills the pod (OOMKilled) before V8 ever collects hard.
Nothing when the container has no memory limit or the percentage is 0.
Usage: include "parakey-bridge.nodeOptionsEnv" (dict "root" $ "resources" $values.resources "what" "checkin")
*/}}
{{- define "parakey-bridge.nodeOptionsEnv" -}}
{{- $percent := int64 .root.Values.heapPercentOfMemoryLimit }}
{{- $limit := ((.resources | default dict).limits | default dict).memory }}
{{- if and $limit (gt $percent 0) }}
{{- $quantity := toString $limit }}
{{- $number := regexFind "^[0-9]+(\\.[0-9]+)?" $quantity }}
{{- $unit := trimPrefix $number $quantity }}
{{- $bytesPer := dict "" 1.0 "k" 1000.0 "M" 1000000.0 "G" 1000000000.0 "T" 1000000000000.0 "Ki" 1024.0 "Mi" 1048576.0 "Gi" 1073741824.0 "Ti" 1099511627776.0 }}
{{- if or (not $number) (not (hasKey $bytesPer $unit)) }}
{{- fail (printf "%s.resources.limits.memory %q: the heap is derived from it, so it must be a number with one of the units k, M, G, T, Ki, Mi, Gi, Ti (or none: bytes)" .what $quantity) }}
{{- end }}
{{- $heapMiB := int64 (floor (divf (mulf (float64 $number) (get $bytesPer $unit) $percent) 104857600.0)) }}
{{- if lt $heapMiB 64 }}
{{- fail (printf "%s.resources.limits.memory %q leaves a heap of %d MiB at heapPercentOfMemoryLimit %d%%: Node needs at least 64 MiB" .what $quantity $heapMiB $percent) }}
{{- end }}
- name: NODE_OPTIONS
  value: {{ printf "--max-old-space-size=%d" $heapMiB | quote }}
{{- end }}
{{- end }}

{{/*
The API authentication environment of checkin, billing and audit (ApiAuthEnv in @parakey-bridge/auth):
OpenID Connect settings as values, API keys and the pseudonym key from Secrets.
*/}}
{{- define "parakey-bridge.apiAuthEnv" -}}
{{- $auth := .Values.auth -}}
{{- if $auth.disabledForDevelopment }}
- name: AUTH_DISABLED
  value: "true"
{{- end }}
{{- with $auth.jwt }}
{{- if .issuer }}
- name: AUTH_JWT_ISSUER
  value: {{ .issuer | quote }}
- name: AUTH_JWT_AUDIENCE
  value: {{ .audience | quote }}
- name: AUTH_JWKS_URL
  value: {{ .jwksUrl | quote }}
- name: AUTH_JWT_ALGORITHMS
  value: {{ join "," .algorithms | quote }}
- name: AUTH_ROLE_CLAIM
  value: {{ .roleClaim | quote }}
{{- with .domainsClaim }}
- name: AUTH_DOMAINS_CLAIM
  value: {{ . | quote }}
{{- end }}
- name: AUTH_CLOCK_TOLERANCE_SEC
  value: {{ int64 .clockToleranceSeconds | quote }}
{{- end }}
{{- end }}
{{- with $auth.apiKeys.existingSecret }}
- name: API_KEYS
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $auth.apiKeys.key }}
{{- end }}
{{- with $auth.pseudonymKey.existingSecret }}
- name: PSEUDONYM_KEY
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $auth.pseudonymKey.key }}
{{- end }}
- name: API_RATE_LIMIT_PER_MINUTE
  value: {{ int64 $auth.rateLimitPerMinute | quote }}
{{- end }}

{{/*
The TCP ports a component needs to reach (networkPolicy.egress.neededPorts): the Kafka brokers', the
database's (consumers), 443, and those of the JWKS URL, the OTLP endpoint and the Parakey API URL.
One port per line.
*/}}
{{- define "parakey-bridge.neededEgressPorts" -}}
{{- $root := .root -}}
{{- $ports := list 443 -}}
{{- range $root.Values.kafka.brokers }}
{{- $ports = append $ports (regexReplaceAll "^.*:" . "" | int) }}
{{- end }}
{{- if ne .component "ingress" }}
{{- $ports = append $ports (int $root.Values.networkPolicy.egress.databasePort) }}
{{- end }}
{{- range list $root.Values.auth.jwt.jwksUrl $root.Values.telemetry.otlpEndpoint $root.Values.parakey.apiUrl }}
{{- if . }}
{{- $url := urlParse . }}
{{- $port := regexFind "[0-9]+$" (regexFind ":[0-9]+$" $url.host) }}
{{- $ports = append $ports (ternary ($port | int) (ternary 443 80 (eq $url.scheme "https")) (ne $port "")) }}
{{- end }}
{{- end }}
{{- range uniq $ports }}
{{ . }}
{{- end }}
{{- end }}
