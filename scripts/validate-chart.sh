#!/usr/bin/env bash
# Checks the Helm chart without a cluster (nothing here needs Kubernetes, Docker or the network once
# the tools are built):
#   1. `helm lint --strict` of the defaults (plus the values every install must give), of each example
#      and of each tests/valid case;
#   2. `helm template` of the same, every rendered manifest validated by kubectl-validate against the
#      Kubernetes OpenAPI schemas built into it (ServiceMonitor and PrometheusRule against the subset
#      CRDs in deploy/helm/tests/crds), and the kinds each case must (not) render;
#   3. every deploy/helm/tests/invalid/*.yaml must make both `helm template` and `helm lint` fail on the
#      values schema, with the message its `# expect:` line names; every tests/invalid-template/*.yaml
#      (what a draft-07 schema cannot express) must make `helm template` fail with its message;
#   4. every environment variable a rendered pod sets (beyond the case's own extraEnv) is one its
#      component reads (scripts/lib/service-env-names.ts lists them from the services' zod schemas, so
#      this needs `pnpm install`), and the topic Job creates the dead-letter topics of exactly the
#      consumer groups the Deployments join;
#   5. the alert rules: deploy/observability/alerts.yaml is not stale (generated from the chart's
#      files/prometheus-rules.yaml), `promtool check rules` accepts both, and `promtool test rules`
#      runs deploy/observability/tests/*.test.yaml against the rules as the chart renders them, where
#      every alert needs a case that fires and one that must not; a release without a component has
#      none of its rules;
#   6. two releases in one namespace share no consumer group, poller group, topic or alert;
#   7. sizing: the heap (NODE_OPTIONS) derived from each memory limit in several units, the ingress HPA
#      on request rate where the custom metrics API exists, the topic Job's deadline inside Helm's
#      timeout (consumer replicas above the partitions are tests/invalid-template cases).
# Ends with `N passed, M failed` on a line of its own; exits non-zero on any failure.
#
#   bash scripts/validate-chart.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

CHART=deploy/helm/parakey-bridge
TESTS=deploy/helm/tests
RELEASE=parakey-bridge
NAMESPACE=parakey-bridge
# The newest Kubernetes whose schemas the pinned kubectl-validate embeds (it has 1.23 to 1.35); helm
# renders for the same version so .Capabilities and the validation agree.
KUBE_VERSION=1.35

tools="$(bash deploy/tools/install.sh)"
HELM="$(sed -n 's/^HELM=//p' <<<"${tools}")"
KUBECTL_VALIDATE="$(sed -n 's/^KUBECTL_VALIDATE=//p' <<<"${tools}")"
PROMTOOL="$(sed -n 's/^PROMTOOL=//p' <<<"${tools}")"
printf '%s, kubectl-validate %s, %s, Kubernetes %s schemas\n' \
  "$("${HELM}" version --short)" "$(basename "$(dirname "${KUBECTL_VALIDATE}")" | sed 's/^kubectl-validate-//')" \
  "$("${PROMTOOL}" --version 2>&1 | head -n 1)" "${KUBE_VERSION}"

work="$(mktemp -d)"
trap 'rm -rf "${work}"' EXIT
# No helm state from the machine (repositories, plugins) takes part, and none is left behind.
export HELM_CACHE_HOME="${work}/helm/cache" HELM_CONFIG_HOME="${work}/helm/config" HELM_DATA_HOME="${work}/helm/data"
# kubectl-validate must never reach for a cluster: it validates against its built-in schemas only.
export KUBECONFIG=/dev/null

# What each component reads: `<component> <NAME>` lines, from the zod schemas in the sources.
env_names="${work}/env-names.txt"
node_modules/.bin/tsx --conditions=@parakey-bridge/source scripts/lib/service-env-names.ts >"${env_names}"

passed=0
failed=0
ok() {
  passed=$((passed + 1))
  printf '  ok    %s\n' "$1"
}
bad() {
  failed=$((failed + 1))
  printf '  FAIL  %s\n' "$1"
  if [[ -n "${2:-}" ]]; then sed 's/^/        /' <<<"$2" | head -n 40; fi
}
section() { printf '\n== %s\n' "$*"; }
# verdict PROBLEMS OK_MESSAGE FAIL_TITLE: ok when a check found no problems, else FAIL listing them.
verdict() {
  if [[ -z "$1" ]]; then ok "$2"; else bad "$3" "${1%$'\n'}"; fi
}

# The values arguments of a test file: on top of the required values, unless it says `# base: none`.
values_args() {
  local file="$1"
  if ! grep -q '^# base: none' "${file}"; then printf '%s\n' -f "${TESTS}/required-values.yaml"; fi
  printf '%s\n' -f "${file}"
}

# split_manifests FILE DIR: one file per rendered document, named <n>-<Kind>-<name>.yaml.
split_manifests() {
  mkdir -p "$2"
  awk -v dir="$2" '
    function flush() {
      if (kind != "") {
        n++
        f = sprintf("%s/%03d-%s-%s.yaml", dir, n, kind, name)
        printf "%s", buf > f
        close(f)
      }
      buf = ""; kind = ""; name = "unnamed"; inmeta = 0
    }
    BEGIN { kind = ""; name = "unnamed" }
    /^---/ { flush(); next }
    /^kind: / { kind = $2 }
    /^metadata:/ { inmeta = 1 }
    /^[^ #]/ && !/^metadata:/ { inmeta = 0 }
    inmeta && /^  name: / && name == "unnamed" { name = $2; gsub(/"/, "", name) }
    { buf = buf $0 "\n" }
    END { flush() }
  ' "$1"
}

# pod_policy MANIFEST: what kubectl-validate cannot see (it checks types, not these rules). Prints one
# line per problem, nothing when the manifest follows them.
pod_policy() {
  local file="$1" short setting
  short="$(basename "${file}" .yaml)"
  # The restricted Pod Security Standard, on the pod and on every container.
  for setting in 'runAsNonRoot: true' 'runAsUser: 10001' 'allowPrivilegeEscalation: false' \
    'readOnlyRootFilesystem: true' 'drop: \["ALL"\]' 'type: RuntimeDefault'; do
    grep -qE "^ +${setting}$" "${file}" || printf '%s: no %s\n' "${short}" "${setting//\\/}"
  done
  # Every container (one `image:` each) has its own read-only root and dropped capabilities.
  local containers
  containers="$(grep -cE '^ +image: ' "${file}")"
  for setting in 'readOnlyRootFilesystem: true' 'drop: \["ALL"\]'; do
    [[ "$(grep -cE "^ +${setting}$" "${file}")" == "${containers}" ]] ||
      printf '%s: a container without %s\n' "${short}" "${setting//\\/}"
  done
  # Credentials only by secretKeyRef: the line after such a variable's name must be valueFrom.
  awk -v short="${short}" '
    prev ~ /- name: (KAFKA_SASL_USERNAME|KAFKA_SASL_PASSWORD|DATABASE_URL|WEBHOOK_BASIC_AUTH|WEBHOOK_SECRETS|PARAKEY_API_TOKENS|API_KEYS|PSEUDONYM_KEY)$/ && $1 != "valueFrom:" {
      sub(/.*- name: /, "", prev); printf "%s: %s is not read from a Secret\n", short, prev
    }
    { prev = $0 }' "${file}"
  if [[ "${short}" == *-Job-* ]]; then
    # The topic Job is a Helm hook: Helm waits for it up to its --timeout (5m by default), so its own
    # deadline must come first, or Helm reports a timeout instead of the Job's failure.
    awk -v short="${short}" '/activeDeadlineSeconds:/ { d = $2 } END { if (d == "" || d >= 300) printf "%s: activeDeadlineSeconds %s is not below Helm'"'"'s default timeout of 300 s\n", short, d }' "${file}"
  fi
  if [[ "${short}" == *-Deployment-* ]]; then
    grep -qE '^ +mountPath: /tmp$' "${file}" || printf '%s: no writable /tmp\n' "${short}"
    # Liveness on /healthz (never Kafka or the database), readiness on /readyz, both on the admin port.
    for probe in 'startupProbe /healthz' 'livenessProbe /healthz' 'readinessProbe /readyz'; do
      set -- ${probe}
      grep -A3 -E "^ +$1:$" "${file}" | grep -qE "path: $2$" || printf '%s: %s is not %s\n' "${short}" "$1" "$2"
      grep -A3 -E "^ +$1:$" "${file}" | grep -qE 'port: admin$' || printf '%s: %s not on the admin port\n' "${short}" "$1"
    done
    # preStop sleep + SHUTDOWN_GRACE_MS + the services' bounded trace flush after the drain (2 s) must
    # fit in terminationGracePeriodSeconds, or Kubernetes kills a pod that keeps its own deadline.
    awk -v short="${short}" -v flush=2 '
      /terminationGracePeriodSeconds:/ { grace = $2 }
      prev ~ /- name: SHUTDOWN_GRACE_MS$/ { gsub(/"/, "", $2); drain = $2 / 1000 }
      prev ~ /^ +sleep:$/ && /seconds:/ { sleep = $2 }
      { prev = $0 }
      END {
        if (grace == "" || drain == "" || sleep == "") { printf "%s: no terminationGracePeriodSeconds, SHUTDOWN_GRACE_MS or preStop sleep\n", short }
        else if (sleep + drain + flush >= grace) { printf "%s: preStop %ss + drain %ss + trace flush %ss do not fit in a grace period of %ss\n", short, sleep, drain, flush, grace }
      }' "${file}"
  fi
}

# env_set MANIFEST: the names of the environment variables its containers set, one a line.
env_set() {
  awk '
    /^ *env:$/ { match($0, /^ */); indent = RLENGTH; inenv = 1; next }
    inenv {
      match($0, /^ */)
      if (RLENGTH <= indent) { inenv = 0; next }
      if (RLENGTH == indent + 2 && /^ *- name: /) { sub(/^ *- name: /, ""); gsub(/"/, ""); print }
    }' "$1"
}

# env_value MANIFEST NAME: the literal value the manifest gives NAME ("" when unset).
env_value() {
  awk -v name="$2" '
    prev ~ ("- name: " name "$") && /value:/ { sub(/^ *value: /, ""); gsub(/"/, ""); print; exit }
    { prev = $0 }' "$1"
}

# env_contract DIR VALUES-FILES...: prints one line per variable a pod sets that its component does
# not read (variables the values files name themselves, i.e. extraEnv, are the operator's business),
# and a line when the Job's KAFKA_GROUP_IDS differ from the groups the Deployments join.
env_contract() {
  local dir="$1" manifest component name user groups="" job_groups=""
  shift
  user="$(cat "$@" /dev/null | grep -oE 'name: [A-Z][A-Z0-9_]*' | awk '{ print $2 }' | sort -u)"
  for manifest in "${dir}"/*-{Deployment,Job}-*.yaml; do
    [[ -e "${manifest}" ]] || continue
    component="$(sed -n 's/^ *app.kubernetes.io\/component: //p' "${manifest}" | head -n 1)"
    while read -r name; do
      # NODE_OPTIONS is Node's own (the heap sized from the memory limit), not a service setting.
      [[ "${name}" == NODE_OPTIONS ]] || grep -qxF "${component} ${name}" "${env_names}" || grep -qxF "${name}" <<<"${user}" ||
        printf '%s: sets %s, which %s does not read\n' "$(basename "${manifest}" .yaml)" "${name}" "${component}"
    done < <(env_set "${manifest}")
    if [[ "${manifest}" == *-Deployment-* ]]; then
      groups+="$(env_value "${manifest}" KAFKA_GROUP_ID)"$'\n'
    else
      job_groups="$(env_value "${manifest}" KAFKA_GROUP_IDS | tr ',' '\n')"
    fi
  done
  groups="$(grep -v '^$' <<<"${groups}" | sort -u | paste -sd' ' || true)"
  job_groups="$(grep -v '^$' <<<"${job_groups}" | sort -u | paste -sd' ' || true)"
  if compgen -G "${dir}/*-Job-*.yaml" >/dev/null && [[ "${groups}" != "${job_groups}" ]]; then
    printf 'the topic Job creates group topics for [%s], the Deployments join [%s]\n' "${job_groups}" "${groups}"
  fi
}

# count_kind DIR KIND
count_kind() {
  local dir="$1" kind="$2"
  find "${dir}" -name "[0-9][0-9][0-9]-${kind}-*.yaml" | wc -l | tr -d ' '
}

# check_case NAME "Kind=count ..." HELM-VALUES-ARGS...
check_case() {
  local name="$1" expected_kinds="$2"
  shift 2
  local out rendered="${work}/${name//\//_}.yaml" dir="${work}/${name//\//_}"

  # helm lint cannot pretend the cluster serves an API (no --api-versions): it lints without.
  local lint_args=() skip=0 arg
  for arg in "$@"; do
    if [[ "${skip}" -eq 1 ]]; then skip=0; continue; fi
    if [[ "${arg}" == --api-versions ]]; then skip=1; continue; fi
    lint_args+=("${arg}")
  done
  if out="$("${HELM}" lint --strict --kube-version "${KUBE_VERSION}.0" "${CHART}" "${lint_args[@]}" 2>&1)"; then
    ok "${name}: helm lint --strict"
  else
    bad "${name}: helm lint --strict" "${out}"
  fi

  if ! out="$("${HELM}" template "${RELEASE}" "${CHART}" --namespace "${NAMESPACE}" \
    --kube-version "${KUBE_VERSION}.0" "$@" 2>&1 >"${rendered}")"; then
    bad "${name}: helm template" "${out}"
    return
  fi
  split_manifests "${rendered}" "${dir}"
  ok "${name}: helm template ($(find "${dir}" -name '*.yaml' | wc -l | tr -d ' ') manifests)"

  # One run for the whole case; only when it fails, one run per manifest to name the culprits.
  local validate=("${KUBECTL_VALIDATE}" --version "${KUBE_VERSION}" --local-crds "${TESTS}/crds")
  if "${validate[@]}" "${dir}" >/dev/null 2>&1; then
    ok "${name}: kubectl-validate, all manifests"
  else
    local manifest
    for manifest in "${dir}"/*.yaml; do
      if ! out="$("${validate[@]}" "${manifest}" 2>&1)"; then
        bad "${name}: kubectl-validate $(basename "${manifest}" .yaml)" \
          "$(sed 's/\x1b\[[0-9;]*m//g' <<<"${out}" | grep -v '^$')"
      fi
    done
  fi

  local problems="" manifest
  for manifest in "${dir}"/*-{Deployment,Job,Pod}-*.yaml; do
    [[ -e "${manifest}" ]] || continue
    out="$(pod_policy "${manifest}")"
    [[ -z "${out}" ]] || problems+="${out}"$'\n'
  done
  verdict "${problems}" \
    "${name}: pods restricted, probes on the admin port, drain fits the grace period, secrets by reference" \
    "${name}: pod policy"

  local values_files=() next=0
  for arg in "$@"; do
    if [[ "${next}" -eq 1 ]]; then values_files+=("${arg}"); fi
    next=0
    [[ "${arg}" == -f ]] && next=1
  done
  out="$(env_contract "${dir}" "${values_files[@]}")"
  verdict "${out}" \
    "${name}: every variable set is read by its component; the Job creates each consumer group's topics" \
    "${name}: environment contract"

  local expectation kind want got mismatches=""
  for expectation in ${expected_kinds} Secret=0; do
    kind="${expectation%%=*}" want="${expectation#*=}"
    got="$(count_kind "${dir}" "${kind}")"
    [[ "${got}" == "${want}" ]] || mismatches+="${kind}: rendered ${got}, expected ${want}"$'\n'
  done
  verdict "${mismatches}" \
    "${name}: renders ${expected_kinds} Secret=0" \
    "${name}: rendered kinds"
}

section "valid values: lint, render, validate against Kubernetes ${KUBE_VERSION} schemas"
mapfile -t required < <(printf '%s\n' -f "${TESTS}/required-values.yaml")
check_case default \
  "Deployment=4 Service=4 ServiceAccount=1 PodDisruptionBudget=1 Job=1 Pod=1 HorizontalPodAutoscaler=0 Ingress=0 NetworkPolicy=4 ServiceMonitor=0 PrometheusRule=0" \
  "${required[@]}"
# Same values, in a cluster that serves the Prometheus Operator's API: monitoring turns on by itself.
check_case default-with-prometheus-operator "ServiceMonitor=1 PrometheusRule=1" \
  "${required[@]}" --api-versions monitoring.coreos.com/v1
check_case example-minimal \
  "Deployment=4 Service=4 PodDisruptionBudget=0 Job=1 Pod=1 HorizontalPodAutoscaler=0 Ingress=0 ServiceMonitor=0 PrometheusRule=0" \
  -f deploy/helm/examples/minimal.yaml
check_case example-high-availability \
  "Deployment=4 Service=4 PodDisruptionBudget=4 HorizontalPodAutoscaler=1 Ingress=1 NetworkPolicy=4 ServiceMonitor=1 PrometheusRule=1 Job=1 Pod=1" \
  -f deploy/helm/examples/high-availability.yaml
for file in "${TESTS}"/valid/*.yaml; do
  mapfile -t args < <(values_args "${file}")
  check_case "valid/$(basename "${file}" .yaml)" "$(sed -n 's/^# expect-kinds: //p' "${file}")" "${args[@]}"
done
printf '  note  ServiceMonitor and PrometheusRule are checked against %s/crds, a hand-written subset of\n' "${TESTS}"
printf '        the Prometheus Operator CRDs (the fields this chart renders), not the upstream CRDs.\n'

section "invalid values: each must fail the values schema (helm template and helm lint)"
schema_error="values don't meet the specifications of the schema"
for file in "${TESTS}"/invalid/*.yaml; do
  name="invalid/$(basename "${file}" .yaml)"
  expect="$(sed -n 's/^# expect: //p' "${file}")"
  if [[ -z "${expect}" ]]; then
    bad "${name}: has no '# expect: <message>' line"
    continue
  fi
  mapfile -t args < <(values_args "${file}")
  for command in template lint; do
    if [[ "${command}" == template ]]; then
      status=0 && out="$("${HELM}" template "${RELEASE}" "${CHART}" "${args[@]}" 2>&1 >/dev/null)" || status=$?
    else
      status=0 && out="$("${HELM}" lint --strict "${CHART}" "${args[@]}" 2>&1)" || status=$?
    fi
    if [[ "${status}" -eq 0 ]]; then
      bad "${name}: helm ${command} accepted it"
    elif ! grep -qF -- "${schema_error}" <<<"${out}"; then
      bad "${name}: helm ${command} failed, but not on the values schema" "${out}"
    elif ! grep -qF -- "${expect}" <<<"${out}"; then
      bad "${name}: helm ${command} failed on the schema without \"${expect}\"" "${out}"
    else
      ok "${name}: helm ${command} rejects it (${expect})"
    fi
  done
done

section "values the schema cannot judge: each must make the templates fail"
for file in "${TESTS}"/invalid-template/*.yaml; do
  name="invalid-template/$(basename "${file}" .yaml)"
  expect="$(sed -n 's/^# expect: //p' "${file}")"
  mapfile -t args < <(values_args "${file}")
  status=0 && out="$("${HELM}" template "${RELEASE}" "${CHART}" "${args[@]}" 2>&1 >/dev/null)" || status=$?
  if [[ "${status}" -eq 0 ]]; then
    bad "${name}: helm template accepted it"
  elif [[ -z "${expect}" ]] || ! grep -qF -- "${expect}" <<<"${out}"; then
    bad "${name}: helm template failed without \"${expect}\"" "${out}"
  else
    ok "${name}: helm template refuses it (${expect})"
  fi
done

section "pods sized by their limits: heap, autoscaling on request rate"
# render_case NAME HELM-ARGS...: the manifests of the chart with the required values and these.
render_case() {
  local name="$1"
  shift
  "${HELM}" template "${RELEASE}" "${CHART}" --namespace "${NAMESPACE}" --kube-version "${KUBE_VERSION}.0" \
    "${required[@]}" "$@" >"${work}/${name}.yaml"
  rm -rf "${work}/${name}"
  split_manifests "${work}/${name}.yaml" "${work}/${name}"
}
# The heap is 75% of the memory limit, in MiB rounded down, for binary, decimal and plain byte units.
render_case heap --set ingress.resources.limits=null,checkin.resources.limits.memory=1Gi \
  --set billing.resources.limits.memory=500M,audit.resources.limits.memory=536870912,topics.job.resources.limits.memory=256Mi
out=""
for expectation in ingress= checkin=768 billing=357 audit=384 topics=192; do
  component="${expectation%%=*}" want="${expectation#*=}"
  manifest="$(grep -l "^ *app.kubernetes.io/component: ${component}$" "${work}"/heap/*-{Deployment,Job}-*.yaml | head -n 1)"
  got="$(env_value "${manifest}" NODE_OPTIONS | sed -n 's/^--max-old-space-size=//p')"
  [[ "${got}" == "${want}" ]] || out+="${component}: heap ${got:-none} MiB, expected ${want:-none}"$'\n'
done
verdict "${out}" \
  "NODE_OPTIONS heap = 75% of limits.memory (1Gi: 768, 500M: 357, 536870912: 384, 256Mi: 192 MiB; no limit: none)" \
  "heap from the memory limit"
render_case heap-off --set heapPercentOfMemoryLimit=0
if ! grep -q 'NODE_OPTIONS' "${work}/heap-off.yaml"; then
  ok "heapPercentOfMemoryLimit=0 leaves Node's heap alone"
else
  bad "heapPercentOfMemoryLimit=0 still sets NODE_OPTIONS"
fi
# The ingress HPA adds the request rate only where the custom metrics API exists.
hpa=(--set ingress.autoscaling.enabled=true,ingress.autoscaling.targetRequestsPerSecond=50)
render_case hpa-custom "${hpa[@]}" --api-versions custom.metrics.k8s.io/v1beta2
render_case hpa-plain "${hpa[@]}"
if grep -A3 -- '- type: Pods' "${work}"/hpa-custom/*-HorizontalPodAutoscaler-*.yaml | grep -q 'name: bridge_webhook_requests_per_second' &&
  ! grep -q -- '- type: Pods' "${work}"/hpa-plain/*-HorizontalPodAutoscaler-*.yaml &&
  "${KUBECTL_VALIDATE}" --version "${KUBE_VERSION}" "${work}"/hpa-custom/*-HorizontalPodAutoscaler-*.yaml >/dev/null 2>&1; then
  ok "ingress HPA scales on CPU and, where custom.metrics.k8s.io is served, on webhook requests per second"
else
  bad "ingress HPA on request rate" "$(cat "${work}"/hpa-custom/*-HorizontalPodAutoscaler-*.yaml)"
fi

section "alert rules: one source, checked by promtool, each alert unit-tested"
RULES_SOURCE="${CHART}/files/prometheus-rules.yaml"
RULE_TESTS=deploy/observability/tests
if out="$(bash deploy/observability/generate-alerts.sh --check 2>&1)"; then
  ok "deploy/observability/alerts.yaml is generated from ${RULES_SOURCE} and up to date"
else
  bad "deploy/observability/alerts.yaml is stale" "${out}"
fi

# rendered_rules NAME RELEASE NAMESPACE HELM-VALUES-ARGS...: the rule groups the chart renders (the
# PrometheusRule's spec, as a Prometheus rule file) into ${work}/rules-NAME.yaml; "" when none.
rendered_rules() {
  local name="$1" release="$2" namespace="$3" rendered="${work}/rules-$1.render.yaml"
  shift 3
  "${HELM}" template "${release}" "${CHART}" --namespace "${namespace}" --kube-version "${KUBE_VERSION}.0" \
    --api-versions monitoring.coreos.com/v1 "$@" >"${rendered}"
  split_manifests "${rendered}" "${work}/rules-${name}"
  : >"${work}/rules-${name}.yaml"
  local manifest
  for manifest in "${work}/rules-${name}"/*-PrometheusRule-*.yaml; do
    [[ -e "${manifest}" ]] || continue
    awk 'found { print substr($0, 3) } /^spec:$/ { found = 1 }' "${manifest}" >"${work}/rules-${name}.yaml"
  done
}

# The rules as the chart renders them for release "blue" in namespace "prod", the labels the tests use.
rendered_rules tested blue prod "${required[@]}" --set console.enabled=true,console.session.existingSecret=parakey-bridge-console
for file in "${work}/rules-tested.yaml" deploy/observability/alerts.yaml; do
  if out="$("${PROMTOOL}" check rules "${file}" 2>&1)"; then
    ok "promtool check rules: $(basename "${file}" | sed 's/^rules-tested.yaml$/the chart'"'"'s rendered PrometheusRule/') ($(grep -c '^ *- alert: ' "${file}") alerts)"
  else
    bad "promtool check rules ${file}" "${out}"
  fi
done
# The tests judge when an alert fires and with which labels; annotations are prose (their templates
# are checked above), so they are left out rather than copied into every expected alert.
tests_dir="${work}/rule-tests"
mkdir -p "${tests_dir}"
awk '
  skip && (match($0, /^ */) && RLENGTH <= indent) { skip = 0 }
  skip { next }
  /^ *annotations:$/ { match($0, /^ */); indent = RLENGTH; skip = 1; next }
  { print }' "${work}/rules-tested.yaml" >"${tests_dir}/rules.yaml"
cp "${RULE_TESTS}"/*.test.yaml "${tests_dir}/"
for file in "${tests_dir}"/*.test.yaml; do
  if out="$("${PROMTOOL}" test rules "${file}" 2>&1)"; then
    ok "promtool test rules ${RULE_TESTS}/$(basename "${file}") ($(grep -c '^  - name: ' "${file}") cases)"
  else
    bad "promtool test rules ${RULE_TESTS}/$(basename "${file}")" "${out}"
  fi
done
# Every alert has a case where it must fire (`- alertname: X` with expected alerts) and one where it
# must not (`{ alertname: X, ..., exp_alerts: [] }`).
untested=""
while read -r alert; do
  grep -qE "^ +- alertname: ${alert}$" "${RULE_TESTS}"/*.test.yaml || untested+="${alert}: no case where it fires"$'\n'
  grep -qE "\\{ alertname: ${alert}, .*exp_alerts: \\[\\] \\}" "${RULE_TESTS}"/*.test.yaml ||
    untested+="${alert}: no case where it must stay quiet"$'\n'
done < <(sed -n 's/^ *- alert: //p' "${RULES_SOURCE}")
verdict "${untested}" \
  "every alert of ${RULES_SOURCE} has a firing and a non-firing test case" \
  "alerts without tests"

# A component the release does not run has no rule that would wait for it for ever.
rendered_rules consumers-only blue prod -f "${TESTS}/valid/consumers-only.yaml"
rendered_rules ingress-only blue prod "${required[@]}" --set checkin.enabled=false,billing.enabled=false,audit.enabled=false
out=""
grep -qE 'alert: ParakeyBridge(IngressDown|Webhook|Poller|EventsRe)' "${work}/rules-consumers-only.yaml" &&
  out+="consumers-only renders ingress or poller rules"$'\n'
grep -q 'alert: ParakeyBridgeAuditDown' "${work}/rules-consumers-only.yaml" || out+="consumers-only lost the consumer rules"$'\n'
grep -qE 'alert: ParakeyBridge(Consumer|DeadLetters|EndToEnd|CheckinDown|BillingDown|AuditDown|AuditChain)' \
  "${work}/rules-ingress-only.yaml" && out+="ingress-only renders consumer rules"$'\n'
grep -q 'alert: ParakeyBridgeIngressDown' "${work}/rules-ingress-only.yaml" || out+="ingress-only lost the ingress rules"$'\n'
verdict "${out}" \
  "a release renders the rules of the components it runs, and only those" \
  "rules of components the release does not run"

section "two releases in one namespace: no shared consumer group, poller election, topic or alert"
# kafka_names DIR: what a rendered release uses on the Kafka cluster and in Prometheus, one
# `<what> <name>` a line: consumer groups (and the dead-letter and redrive topics they name), the
# poller's leadership group prefix, the topics its pods and its topic Job use, the releases its alert
# rules select, and its resources.
kafka_names() {
  local dir="$1" manifest component var value group
  declare -A default_topic=(
    [TOPIC_EVENT_LOGS]=parakey.event-logs.v1 [TOPIC_REJECTED]=parakey.event-logs.rejected.v1
    [TOPIC_CHECKINS]=parakey.checkins.v1 [TOPIC_POLLER_STATE]=parakey-bridge.poller-state
  )
  for manifest in "${dir}"/*-Deployment-*.yaml; do
    component="$(sed -n 's/^ *app.kubernetes.io\/component: //p' "${manifest}" | head -n 1)"
    group="$(env_value "${manifest}" KAFKA_GROUP_ID)"
    [[ -z "${group}" ]] || printf 'group %s\ntopic parakey.event-logs.v1.%s.dlq\ntopic parakey.event-logs.v1.%s.redrive\n' \
      "${group}" "${group}" "${group}"
    if grep -q -- '- name: PARAKEY_API_TOKENS$' "${manifest}"; then
      value="$(env_value "${manifest}" POLLER_GROUP_PREFIX)"
      printf 'poller-group %s<integration>\n' "${value:-parakey-bridge-poller-}"
    fi
    # The topics the component reads or writes: those of its TOPIC_* variables, set or defaulted.
    for var in "${!default_topic[@]}"; do
      grep -qxF "${component} ${var}" "${env_names}" || continue
      value="$(env_value "${manifest}" "${var}")"
      printf 'topic %s\n' "${value:-${default_topic[${var}]}}"
    done
  done
  for manifest in "${dir}"/*-Job-*.yaml; do
    [[ -e "${manifest}" ]] || continue
    for var in "${!default_topic[@]}"; do
      value="$(env_value "${manifest}" "${var}")"
      printf 'topic %s\n' "${value:-${default_topic[${var}]}}"
    done
    for group in $(env_value "${manifest}" KAFKA_GROUP_IDS | tr ',' ' '); do
      printf 'topic parakey.event-logs.v1.%s.dlq\ntopic parakey.event-logs.v1.%s.redrive\n' "${group}" "${group}"
    done
  done
  for manifest in "${dir}"/*-PrometheusRule-*.yaml; do
    grep -oE 'app_kubernetes_io_instance="[^"]*"' "${manifest}" | sort -u | sed 's/^/alerts-select /'
    # A metric selector without the release's matchers would alert on both releases.
    grep -oE '\b(bridge_[a-z0-9_]+|up)\{[^}]*\}' "${manifest}" | grep -v 'app_kubernetes_io_instance="' |
      sed 's/^/unscoped-selector /'
  done
  for manifest in "${dir}"/*.yaml; do
    printf 'resource %s\n' "$(basename "${manifest}" .yaml | sed 's/^[0-9]*-//')"
  done
}

# shared_names VALUES-ARGS...: renders releases blue and green into one namespace and prints what they
# share (plus any unscoped selector).
shared_names() {
  local release
  for release in blue green; do
    "${HELM}" template "${release}" "${CHART}" --namespace shared --kube-version "${KUBE_VERSION}.0" \
      --api-versions monitoring.coreos.com/v1 "${required[@]}" "$@" >"${work}/two-${release}.yaml"
    rm -rf "${work}/two-${release}"
    split_manifests "${work}/two-${release}.yaml" "${work}/two-${release}"
    kafka_names "${work}/two-${release}" | sort -u >"${work}/two-${release}.names"
  done
  comm -12 "${work}/two-blue.names" "${work}/two-green.names"
  grep -h '^unscoped-selector ' "${work}/two-blue.names" "${work}/two-green.names" || true
}

scoped=(--set kafka.names.scopeByRelease=true,kafka.names.topics=true,topics.ensureOnServiceStart=false)
out="$(shared_names "${scoped[@]}")"
if [[ -z "${out}" ]] && grep -q '^group shared.blue.parakey-bridge-audit$' "${work}/two-blue.names" &&
  grep -q '^poller-group shared.green.parakey-bridge-poller-<integration>$' "${work}/two-green.names" &&
  grep -q '^alerts-select app_kubernetes_io_instance="green"$' "${work}/two-green.names"; then
  ok "kafka.names.scopeByRelease + topics: blue and green share no group, poller election, topic, alert selector or resource"
else
  bad "two scoped releases share names" "${out:-the expected scoped names are missing}"
fi
out="$(shared_names --set kafka.names.scopeByRelease=true)"
if [[ -z "$(grep -vE '^topic parakey\.(event-logs(\.rejected)?|checkins)\.v1$|^topic parakey-bridge\.poller-state$' <<<"${out}")" ]]; then
  ok "kafka.names.scopeByRelease alone: blue and green share the topics (one stream), nothing else"
else
  bad "two releases scoped by release share more than the topics" "${out}"
fi
# The dashboard shows one release at a time: every metric selector filters by its variables.
out="$(grep -oE '\bbridge_[a-z0-9_]+(\{[^}]*\})?' deploy/observability/grafana-dashboard.json |
  grep -vF 'namespace=~\"$namespace\", app_kubernetes_io_instance=~\"$release\"' || true)"
verdict "${out}" \
  "the Grafana dashboard filters every metric by \$namespace and \$release" \
  "dashboard selectors without the release filter"
# Today's names stay the default (existing installs keep their offsets), and this check sees that
# two such releases on one cluster share their consumer groups.
out="$(shared_names)"
if grep -q '^group parakey-bridge-audit$' <<<"${out}" && grep -q '^poller-group parakey-bridge-poller-<integration>$' <<<"${out}"; then
  ok "by default the historical names stay (parakey-bridge-audit, parakey-bridge-poller-<integration>), which two releases would share"
else
  bad "default names changed or the collision check is blind" "${out}"
fi

printf '\n%d passed, %d failed\n' "${passed}" "${failed}"
[[ "${failed}" -eq 0 ]]
