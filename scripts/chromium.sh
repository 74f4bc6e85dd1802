#!/usr/bin/env bash
# Installs Debian's chromium for the console's browser test and README screenshot, when missing.
# Usage: bash scripts/chromium.sh   (prints the browser's path; exit 1 when it cannot be installed)
set -euo pipefail
browser="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [[ -x "${browser}" ]]; then
  echo "${browser}"
  exit 0
fi
sudo_cmd=()
if [[ "$(id -u)" != "0" ]]; then
  if command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo -n); else
    echo "[chromium] not installed and not root: install Debian's chromium package (apt-get install -y chromium)" >&2
    exit 1
  fi
fi
echo "[chromium] installing Debian's chromium package" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -qq >&2
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends chromium >&2
echo "${browser}"
