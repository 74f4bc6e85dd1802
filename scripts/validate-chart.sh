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
#      consumer groups the Deployments join.
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
printf '%s, kubectl-validate %s, Kubernetes %s schemas\n' \
  "$("${HELM}" version --short)" "$(basename "$(dirname "${KUBECTL_VALIDATE}")" | sed 's/^kubectl-validate-//')" \
  "${KUBE_VERSION}"

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
      grep -qxF "${component} ${name}" "${env_names}" || grep -qxF "${name}" <<<"${user}" ||
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
  if [[ -z "${problems}" ]]; then
    ok "${name}: pods restricted, probes on the admin port, drain fits the grace period, secrets by reference"
  else
    bad "${name}: pod policy" "${problems%$'\n'}"
  fi

  local values_files=() next=0
  for arg in "$@"; do
    if [[ "${next}" -eq 1 ]]; then values_files+=("${arg}"); fi
    next=0
    [[ "${arg}" == -f ]] && next=1
  done
  out="$(env_contract "${dir}" "${values_files[@]}")"
  if [[ -z "${out}" ]]; then
    ok "${name}: every variable set is read by its component; the Job creates each consumer group's topics"
  else
    bad "${name}: environment contract" "${out}"
  fi

  local expectation kind want got mismatches=""
  for expectation in ${expected_kinds} Secret=0; do
    kind="${expectation%%=*}" want="${expectation#*=}"
    got="$(count_kind "${dir}" "${kind}")"
    [[ "${got}" == "${want}" ]] || mismatches+="${kind}: rendered ${got}, expected ${want}"$'\n'
  done
  if [[ -z "${mismatches}" ]]; then
    ok "${name}: renders ${expected_kinds} Secret=0"
  else
    bad "${name}: rendered kinds" "${mismatches%$'\n'}"
  fi
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

printf '\n%d passed, %d failed\n' "${passed}" "${failed}"
[[ "${failed}" -eq 0 ]]
