#!/usr/bin/env bash
# Builds the image of every service (or of those named) from deploy/docker/Dockerfile, tagged
# <IMAGE_REPOSITORY>-<service>:<IMAGE_TAG>, the names the Helm chart runs by default, on the base image
# pinned by digest in deploy/docker/base-image.env (it refuses an unpinned base). Each image carries
# OCI labels (version, revision, source, base) and, where the builder can keep them, an SBOM and a
# SLSA provenance attestation (BuildKit's --sbom / --provenance). Machines without a Docker engine
# skip it and succeed.
#
#   bash scripts/build-images.sh                  all four
#   bash scripts/build-images.sh ingress audit    only these
#   IMAGE_REPOSITORY=registry.example.com/parakey-bridge IMAGE_TAG=0.1.0 IMAGE_PUSH=1 bash scripts/build-images.sh
#                                                 build and push, attestations attached in the registry
#   bash scripts/build-images.sh --pin-base       write the digest of NODE_IMAGE into base-image.env
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

base_file=deploy/docker/base-image.env
NODE_IMAGE="$(sed -n 's/^NODE_IMAGE=//p' "${base_file}")"
NODE_IMAGE_DIGEST="$(sed -n 's/^NODE_IMAGE_DIGEST=//p' "${base_file}")"
if [[ -n "${NODE_IMAGE_DIGEST}" && ! "${NODE_IMAGE_DIGEST}" =~ ^sha256:[a-f0-9]{64}$ ]]; then
  echo "${base_file}: NODE_IMAGE_DIGEST '${NODE_IMAGE_DIGEST}' is not sha256:<64 hex>" >&2
  exit 1
fi

node_version="$(tr -d '[:space:]v' <.node-version)"
if [[ "${NODE_IMAGE}" != "node:${node_version}-"* ]]; then
  echo "${base_file}: NODE_IMAGE ${NODE_IMAGE} is not Node ${node_version} (.node-version): bump both together" >&2
  exit 1
fi

if ! docker info >/dev/null 2>&1; then
  echo "image build SKIPPED: no Docker engine answers on this machine, so the Dockerfile was not built."
  echo "Where Docker runs: bash scripts/build-images.sh [service ...]"
  exit 0
fi
if ! docker buildx version >/dev/null 2>&1; then
  echo "docker buildx is needed (BuildKit: SBOM and provenance attestations)" >&2
  exit 1
fi

if [[ "${1:-}" == --pin-base ]]; then
  # The digest of the tag's multi-platform index, as the registry serves it now
  # (the `Digest:` line of the summary, before the per-platform manifests).
  digest="$(docker buildx imagetools inspect "${NODE_IMAGE}" | awk '/^Digest:/ { print $2; exit }')"
  [[ "${digest}" =~ ^sha256:[a-f0-9]{64}$ ]] || digest=""
  [[ -n "${digest}" ]] || { echo "could not read the digest of ${NODE_IMAGE}" >&2; exit 1; }
  sed -i "s/^NODE_IMAGE_DIGEST=.*/NODE_IMAGE_DIGEST=${digest}/" "${base_file}"
  echo "pinned ${NODE_IMAGE}@${digest} in ${base_file}: commit it"
  exit 0
fi
if [[ -z "${NODE_IMAGE_DIGEST}" ]]; then
  echo "refusing to build on an unpinned base: ${base_file} has no NODE_IMAGE_DIGEST for ${NODE_IMAGE}." >&2
  echo "Run bash scripts/build-images.sh --pin-base and commit ${base_file}." >&2
  exit 1
fi

repository="${IMAGE_REPOSITORY:-parakey-bridge}"
# Defaults to the chart's appVersion, so `helm install` finds the images just built.
tag="${IMAGE_TAG:-$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' deploy/helm/parakey-bridge/Chart.yaml)}"
revision="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
if [[ "${revision}" != unknown && -n "$(git status --porcelain 2>/dev/null)" ]]; then revision+="-dirty"; fi
source_url="${IMAGE_SOURCE:-$(git remote get-url origin 2>/dev/null || true)}"

# Attestations need somewhere to live: a registry (IMAGE_PUSH=1) or the containerd image store. The
# classic image store of `--load` cannot hold them, so such a build says it has none.
output=(--load)
attest=()
if [[ "${IMAGE_PUSH:-0}" == 1 ]]; then
  output=(--push)
  attest=(--sbom=true --provenance=mode=max)
elif docker info --format '{{json .DriverStatus}}' | grep -q 'io.containerd.snapshotter'; then
  attest=(--sbom=true --provenance=mode=max)
else
  echo "SBOM and provenance SKIPPED for this local build: the classic Docker image store cannot hold"
  echo "attestations. IMAGE_PUSH=1 attaches them in the registry (or enable the containerd image store)."
fi

services=("$@")
if [[ ${#services[@]} -eq 0 ]]; then services=(ingress checkin billing audit streams console); fi

for service in "${services[@]}"; do
  case "${service}" in
    ingress | checkin | billing | audit | streams | console) ;;
    *) echo "unknown service '${service}' (ingress, checkin, billing, audit, streams, console)" >&2; exit 2 ;;
  esac
  image="${repository}-${service}:${tag}"
  echo "=== ${image} (base ${NODE_IMAGE}@${NODE_IMAGE_DIGEST})"
  docker buildx build -f deploy/docker/Dockerfile \
    --build-arg "SERVICE=${service}" \
    --build-arg "NODE_IMAGE=${NODE_IMAGE}@${NODE_IMAGE_DIGEST}" \
    --build-arg "VERSION=${tag}" \
    --build-arg "REVISION=${revision}" \
    --build-arg "SOURCE=${source_url}" \
    "${attest[@]}" "${output[@]}" -t "${image}" .
done
echo "built: $(printf "${repository}-%s:${tag} " "${services[@]}")"
