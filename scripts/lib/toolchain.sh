# shellcheck shell=bash
# Sourced by every project script: puts Node 24 LTS and the pinned pnpm first on PATH.
# Machines here may carry an older Node (20) and reach only package registries, so Node comes from
# the npm registry's `node-linux-<arch>` package (the official binary) and pnpm from its npm package.
# Both are cached under ~/.cache/parakey-bridge/tools, so only the first run downloads anything.
set -euo pipefail

_pb_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
_pb_tools="${PARAKEY_TOOLS_DIR:-${HOME}/.cache/parakey-bridge/tools}"
_pb_node_version="$(tr -d '[:space:]' <"${_pb_root}/.node-version")"
_pb_pnpm_version="$(sed -n 's/.*"packageManager": *"pnpm@\([^"+]*\).*/\1/p' "${_pb_root}/package.json")"

_pb_log() { printf '[toolchain] %s\n' "$*" >&2; }

# npm pack + tar instead of `npm install -g`: no global state, nothing run from the package.
_pb_fetch_npm_package() {
  local spec="$1" dest="$2" tmp
  tmp="$(mktemp -d)"
  (cd "${tmp}" && npm pack --loglevel=error "${spec}" >/dev/null)
  mkdir -p "${tmp}/x"
  tar -xzf "${tmp}"/*.tgz -C "${tmp}/x"
  rm -rf "${dest}"
  mkdir -p "$(dirname "${dest}")"
  mv "${tmp}/x/package" "${dest}"
  rm -rf "${tmp}"
}

_pb_ensure_node() {
  if command -v node >/dev/null && [[ "$(node --version)" == "v${_pb_node_version}" ]]; then
    return 0
  fi
  local arch
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) _pb_log "unsupported CPU $(uname -m)"; return 1 ;;
  esac
  local dir="${_pb_tools}/node-${_pb_node_version}"
  if [[ ! -x "${dir}/bin/node" ]]; then
    command -v npm >/dev/null || { _pb_log "need npm (any version) to fetch Node ${_pb_node_version}"; return 1; }
    _pb_log "installing Node ${_pb_node_version} from the npm registry (node-linux-${arch})"
    _pb_fetch_npm_package "node-linux-${arch}@${_pb_node_version}" "${dir}"
  fi
  export PATH="${dir}/bin:${PATH}"
}

_pb_ensure_pnpm() {
  local dir="${_pb_tools}/pnpm-${_pb_pnpm_version}" bin="${_pb_tools}/bin"
  if [[ ! -f "${dir}/bin/pnpm.cjs" ]]; then
    _pb_log "installing pnpm ${_pb_pnpm_version} from the npm registry"
    _pb_fetch_npm_package "pnpm@${_pb_pnpm_version}" "${dir}"
  fi
  mkdir -p "${bin}"
  printf '#!/bin/sh\nexec node "%s/bin/pnpm.cjs" "$@"\n' "${dir}" >"${bin}/pnpm"
  chmod +x "${bin}/pnpm"
  export PATH="${bin}:${PATH}"
}

# The official Node binary trusts only its bundled CAs, unlike a distribution's Node, which uses the
# system store. Behind a TLS-inspecting proxy (the proxy's CA is in the system store) every registry
# download would then fail with SELF_SIGNED_CERT_IN_CHAIN, so add the system bundle when none is set.
if [[ -z "${NODE_EXTRA_CA_CERTS:-}" && -r /etc/ssl/certs/ca-certificates.crt ]]; then
  export NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt
fi

_pb_ensure_node
_pb_ensure_pnpm
# Corepack would try to fetch its own pnpm; the pinned one above is already first on PATH.
export COREPACK_ENABLE_STRICT=0
export PARAKEY_BRIDGE_ROOT="${_pb_root}"
