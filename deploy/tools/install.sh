#!/usr/bin/env bash
# Builds the chart tools from source with the machine's Go toolchain: machines here reach package
# registries only (the Go module proxy among them), never a release download site.
#
#   bash deploy/tools/install.sh      prints `HELM=<path>`, `KUBECTL_VALIDATE=<path>` and
#                                     `PROMTOOL=<path>` on stdout
#
# Each tool lands in ~/.cache/parakey-bridge/tools/go-bin/<name>-<version>/ (PARAKEY_TOOLS_DIR moves
# the root), so only the first run compiles (a few minutes on 2 cores); later runs only check the file.
set -euo pipefail

# Helm: the newest 3.x on the Go module proxy. kubectl-validate has one tagged release (v0.0.4, which
# embeds schemas only up to Kubernetes 1.30); this pseudo-version is the newest main build, on the
# 0.35 Kubernetes libraries, and embeds the built-in schemas up to Kubernetes 1.35.
HELM_VERSION="v3.22.0"
KUBECTL_VALIDATE_VERSION="v0.0.5-0.20260105161640-a97ccfaca20b"
# promtool, Prometheus's own rule checker and unit tester (`promtool test rules`): the Go module of
# Prometheus 3.x is tagged v0.3MM.P for release 3.MM.P, so v0.316.0 is Prometheus 3.16.0.
PROMETHEUS_VERSION="v0.316.0"

tools_root="${PARAKEY_TOOLS_DIR:-${HOME}/.cache/parakey-bridge/tools}/go-bin"
log() { printf '[tools] %s\n' "$*" >&2; }

command -v go >/dev/null || { log "need Go (1.25 or newer) on PATH to build helm, kubectl-validate and promtool"; exit 1; }

# go_install NAME MODULE/PKG VERSION [LDFLAGS]: builds into a scratch GOBIN and renames it into place,
# so an interrupted build never leaves a half-written binary that a later run would trust.
go_install() {
  local name="$1" pkg="$2" version="$3" ldflags="${4:-}"
  local dir="${tools_root}/${name}-${version}"
  if [[ ! -x "${dir}/${name}" ]]; then
    log "building ${name} ${version} with $(go env GOVERSION) (first run only)"
    local scratch
    scratch="$(mktemp -d "${tools_root}/.${name}-XXXXXX")"
    # Module mode outside any go.mod: `go install pkg@version` ignores a surrounding workspace.
    (cd "${scratch}" && GOBIN="${scratch}/bin" GOFLAGS=-buildvcs=false CGO_ENABLED=0 \
      go install -trimpath -ldflags "-s -w ${ldflags}" "${pkg}@${version}") >&2
    rm -rf "${dir}"
    mv "${scratch}/bin" "${dir}"
    rm -rf "${scratch}"
  fi
  printf '%s\n' "${dir}/${name}"
}

mkdir -p "${tools_root}"

# The release Makefile stamps the version and the Kubernetes version that `helm template` and `helm
# lint` assume (.Capabilities.KubeVersion) from the client-go it was built with; a bare `go install`
# would report an "unreleased" helm that claims Kubernetes 1.20. Same stamping here, read from the
# module's own go.mod.
helm_ldflags() {
  local gomod client_go major minor
  gomod="$(cd / && go mod download -json "helm.sh/helm/v3@${HELM_VERSION}" | sed -n 's/^[[:space:]]*"GoMod": "\(.*\)",*$/\1/p')"
  client_go="$(sed -n 's#^[[:space:]]*k8s.io/client-go v0\.\([0-9]*\)\..*#\1#p' "${gomod}" | head -n 1)"
  [[ -n "${client_go}" ]] || { log "cannot read the client-go version of helm ${HELM_VERSION}"; return 1; }
  major=1 minor="${client_go}"
  local v="helm.sh/helm/v3"
  printf '%s ' \
    "-X ${v}/internal/version.version=${HELM_VERSION}" \
    "-X ${v}/internal/version.metadata=" \
    "-X ${v}/internal/version.gitTreeState=clean" \
    "-X ${v}/pkg/lint/rules.k8sVersionMajor=${major}" \
    "-X ${v}/pkg/lint/rules.k8sVersionMinor=${minor}" \
    "-X ${v}/pkg/chartutil.k8sVersionMajor=${major}" \
    "-X ${v}/pkg/chartutil.k8sVersionMinor=${minor}"
}

helm_dir="${tools_root}/helm-${HELM_VERSION}"
if [[ -x "${helm_dir}/helm" ]]; then
  helm_bin="${helm_dir}/helm"
else
  helm_bin="$(go_install helm helm.sh/helm/v3/cmd/helm "${HELM_VERSION}" "$(helm_ldflags)")"
fi
kv_bin="$(go_install kubectl-validate sigs.k8s.io/kubectl-validate "${KUBECTL_VALIDATE_VERSION}")"
# `promtool --version` reports what the release Makefile stamps; 3.MM.P from the module's v0.3MM.P.
prometheus_release="$(sed -E 's/^v0\.3([0-9]+)\.([0-9]+)$/3.\1.\2/; s/\.0([0-9])/.\1/' <<<"${PROMETHEUS_VERSION}")"
promtool_bin="$(go_install promtool github.com/prometheus/prometheus/cmd/promtool "${PROMETHEUS_VERSION}" \
  "-X github.com/prometheus/common/version.Version=${prometheus_release}")"

printf 'HELM=%s\n' "${helm_bin}"
printf 'KUBECTL_VALIDATE=%s\n' "${kv_bin}"
printf 'PROMTOOL=%s\n' "${promtool_bin}"
