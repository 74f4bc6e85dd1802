#!/usr/bin/env bash
# Builds the image of every service (or of those named) from deploy/docker/Dockerfile, tagged
# <IMAGE_REPOSITORY>-<service>:<IMAGE_TAG>, the names the Helm chart runs by default. Machines
# without a Docker engine skip it and succeed.
#
#   bash scripts/build-images.sh                  all four
#   bash scripts/build-images.sh ingress audit    only these
#   IMAGE_REPOSITORY=registry.example.com/parakey-bridge IMAGE_TAG=0.1.0 bash scripts/build-images.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if ! docker info >/dev/null 2>&1; then
  echo "image build SKIPPED: no Docker engine answers on this machine, so the Dockerfile was not built."
  echo "Where Docker runs: bash scripts/build-images.sh [service ...]"
  exit 0
fi

repository="${IMAGE_REPOSITORY:-parakey-bridge}"
# Defaults to the chart's appVersion, so `helm install` finds the images just built.
tag="${IMAGE_TAG:-$(sed -n 's/^appVersion: *"\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' deploy/helm/parakey-bridge/Chart.yaml)}"
services=("$@")
if [[ ${#services[@]} -eq 0 ]]; then services=(ingress checkin billing audit streams); fi

for service in "${services[@]}"; do
  case "${service}" in
    ingress | checkin | billing | audit | streams) ;;
    *) echo "unknown service '${service}' (ingress, checkin, billing, audit, streams)" >&2; exit 2 ;;
  esac
  image="${repository}-${service}:${tag}"
  echo "=== ${image}"
  docker build -f deploy/docker/Dockerfile --build-arg "SERVICE=${service}" -t "${image}" .
done
echo "built: $(printf "${repository}-%s:${tag} " "${services[@]}")"
