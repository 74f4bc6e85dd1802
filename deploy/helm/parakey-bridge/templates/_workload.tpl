{{/*
The Deployment, Service and PodDisruptionBudget of one component. Each component's own template
(ingress.yaml, checkin.yaml, ...) calls it with the environment only that component needs:

  include "parakey-bridge.workload" (dict "root" $ "component" "checkin" "env" $envYaml)

Shutdown timeline of a pod: preStop sleeps preStopSleepSeconds while endpoint controllers and ingress
controllers stop sending traffic; then SIGTERM starts the service's drain, which takes up to
shutdownGraceMs; terminationMarginSeconds covers the process exit and telemetry flush. The grace period
is the sum of the three, so Kubernetes never SIGKILLs a drain that keeps its own deadline.
*/}}
{{- define "parakey-bridge.workload" -}}
{{- $root := .root }}
{{- $component := .component }}
{{- $values := index $root.Values $component }}
{{- $ctx := dict "root" $root "component" $component }}
{{- $name := include "parakey-bridge.componentName" $ctx }}
{{- $drainSeconds := div (add (int64 $values.shutdownGraceMs) 999) 1000 }}
{{- $grace := add $drainSeconds (int64 $values.preStopSleepSeconds) (int64 $values.terminationMarginSeconds) }}
{{- $autoscaling := $values.autoscaling | default dict }}
{{- /* A component without autoscaling values (streams) is never autoscaled. */}}
{{- $autoscaled := $autoscaling.enabled | default false }}
{{- $minReplicas := include "parakey-bridge.minReplicas" (dict "values" $values) | int64 }}
{{- if hasKey $values "kafkaGroupId" }}
{{- /* A consumer replica beyond the partition count gets no partition: it only idles. */}}
{{- $partitions := int64 $root.Values.topics.partitions }}
{{- $most := ternary (int64 ($autoscaling.maxReplicas | default 0)) (int64 $values.replicas) $autoscaled }}
{{- if gt $most $partitions }}
{{- fail (printf "%s.%s (%d) is more than topics.partitions (%d): a consumer replica beyond the partition count gets no partition and idles" $component (ternary "autoscaling.maxReplicas" "replicas" $autoscaled) $most $partitions) }}
{{- end }}
{{- end }}
{{- $probes := $values.probes | default dict }}
{{- $startup := merge (deepCopy ($probes.startup | default dict)) (dict "periodSeconds" 2 "timeoutSeconds" 2 "failureThreshold" 30) }}
{{- $liveness := merge (deepCopy ($probes.liveness | default dict)) (dict "periodSeconds" 10 "timeoutSeconds" 3 "failureThreshold" 3) }}
{{- $readiness := merge (deepCopy ($probes.readiness | default dict)) (dict "periodSeconds" 5 "timeoutSeconds" 3 "failureThreshold" 2) }}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "parakey-bridge.labels" $ctx | nindent 4 }}
spec:
  {{- if not $autoscaling.enabled }}
  replicas: {{ int64 $values.replicas }}
  {{- end }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "parakey-bridge.selectorLabels" $ctx | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate:
      # A new pod must be ready before an old one drains: capacity never dips during a rollout.
      maxSurge: 1
      maxUnavailable: 0
  template:
    metadata:
      labels:
        {{- include "parakey-bridge.labels" $ctx | nindent 8 }}
        {{- with $values.podLabels }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
      {{- with $values.podAnnotations }}
      annotations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
    spec:
      serviceAccountName: {{ include "parakey-bridge.serviceAccountName" $root }}
      automountServiceAccountToken: false
      # Service links would add <SERVICE>_PORT variables for every Service in the namespace; a
      # Service named "kafka" would then set KAFKA_PORT in our environment.
      enableServiceLinks: false
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.priorityClassName }}
      priorityClassName: {{ . }}
      {{- end }}
      terminationGracePeriodSeconds: {{ $grace }}
      securityContext:
        {{- include "parakey-bridge.podSecurityContext" $root | nindent 8 }}
      containers:
        - name: {{ $component }}
          image: {{ include "parakey-bridge.image" $ctx | quote }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          ports:
            - name: http
              containerPort: 8080
              protocol: TCP
            - name: admin
              containerPort: 9464
              protocol: TCP
          env:
            - name: PORT
              value: "8080"
            - name: ADMIN_PORT
              value: "9464"
            - name: LOG_LEVEL
              value: {{ $values.logLevel | default $root.Values.logLevel | quote }}
            - name: OTEL_SERVICE_NAME
              value: {{ printf "parakey-bridge-%s" $component | quote }}
            {{- with $root.Values.telemetry.otlpEndpoint }}
            - name: OTEL_EXPORTER_OTLP_ENDPOINT
              value: {{ . | quote }}
            {{- end }}
            - name: OTEL_TRACES_SAMPLER
              value: parentbased_traceidratio
            - name: OTEL_TRACES_SAMPLER_ARG
              value: {{ $root.Values.telemetry.traceSampleRatio | toString | quote }}
            - name: SHUTDOWN_GRACE_MS
              value: {{ int64 $values.shutdownGraceMs | quote }}
            {{- with include "parakey-bridge.nodeOptionsEnv" (dict "root" $root "resources" $values.resources "what" $component) }}
            {{- . | nindent 12 }}
            {{- end }}
            {{- include "parakey-bridge.kafkaEnv" $ctx | nindent 12 }}
            - name: ENSURE_TOPICS
              value: {{ ternary "true" "false" $root.Values.topics.ensureOnServiceStart | quote }}
            {{- if $root.Values.topics.ensureOnServiceStart }}
            {{- include "parakey-bridge.topicEnv" $root | nindent 12 }}
            {{- end }}
            {{- with include "parakey-bridge.topicNameEnv" $ctx }}
            {{- . | nindent 12 }}
            {{- end }}
            {{- with .env }}
            {{- . | nindent 12 }}
            {{- end }}
            {{- with $values.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          startupProbe:
            httpGet:
              path: /healthz
              port: admin
            {{- toYaml $startup | nindent 12 }}
          # Liveness is the process and its loops only, never Kafka or PostgreSQL: a broker outage
          # must not restart every pod at once.
          livenessProbe:
            httpGet:
              path: /healthz
              port: admin
            {{- toYaml $liveness | nindent 12 }}
          readinessProbe:
            httpGet:
              path: /readyz
              port: admin
            {{- toYaml $readiness | nindent 12 }}
          lifecycle:
            preStop:
              sleep:
                seconds: {{ int64 $values.preStopSleepSeconds }}
          {{- with $values.resources }}
          resources:
            {{- toYaml . | nindent 12 }}
          {{- end }}
          securityContext:
            {{- include "parakey-bridge.containerSecurityContext" $root | nindent 12 }}
          volumeMounts:
            - name: tmp
              mountPath: /tmp
            {{- with include "parakey-bridge.kafkaTlsVolumeMount" $root }}
            {{- . | nindent 12 }}
            {{- end }}
      volumes:
        # The root filesystem is read-only; Node and its libraries may still write temporary files.
        - name: tmp
          emptyDir:
            sizeLimit: 64Mi
        {{- with include "parakey-bridge.kafkaTlsVolume" $root }}
        {{- . | nindent 8 }}
        {{- end }}
      {{- with $values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- if $values.topologySpreadConstraints }}
      topologySpreadConstraints:
        {{- toYaml $values.topologySpreadConstraints | nindent 8 }}
      {{- else if or (gt $minReplicas 1) $autoscaling.enabled }}
      # Default: spread replicas over zones and over nodes when the scheduler can, so one zone or
      # node loss takes as few replicas as possible (ScheduleAnyway: a single-zone cluster still runs).
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: topology.kubernetes.io/zone
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "parakey-bridge.selectorLabels" $ctx | nindent 14 }}
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "parakey-bridge.selectorLabels" $ctx | nindent 14 }}
      {{- end }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "parakey-bridge.labels" $ctx | nindent 4 }}
  {{- with $values.service.annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  type: {{ $values.service.type }}
  selector:
    {{- include "parakey-bridge.selectorLabels" $ctx | nindent 4 }}
  ports:
    - name: http
      port: 8080
      targetPort: http
      protocol: TCP
    - name: admin
      port: 9464
      targetPort: admin
      protocol: TCP
{{- if and $values.podDisruptionBudget.enabled (gt $minReplicas 1) }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "parakey-bridge.labels" $ctx | nindent 4 }}
spec:
  maxUnavailable: {{ $values.podDisruptionBudget.maxUnavailable }}
  # Pods that are not ready yet (stuck on a broker outage) may still be evicted, so they never block
  # a node drain.
  unhealthyPodEvictionPolicy: AlwaysAllow
  selector:
    matchLabels:
      {{- include "parakey-bridge.selectorLabels" $ctx | nindent 6 }}
{{- end }}
{{- end }}
