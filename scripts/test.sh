#!/usr/bin/env bash
# The full test suite, from a clean clone on a fresh machine: installs Node 24 + pnpm (npm registry),
# dependencies, builds, lints, validates the Helm chart, builds the images (skipped without Docker),
# then runs unit, integration and e2e tests against a real Kafka broker and a real PostgreSQL
# (started by the test harness when not given), and the short form of the chaos suite on its own
# three-node Kafka cluster.
#
#   bash scripts/test.sh            everything
#   bash scripts/test.sh --quick    unit tests only (no broker, no database)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
source scripts/lib/toolchain.sh

step() { printf '\n=== %s\n' "$*"; }
started=${SECONDS}

step "install (Node $(node --version), pnpm $(pnpm --version))"
pnpm install --frozen-lockfile --reporter=append-only 2>&1 | tail -n 3

step "build"
pnpm run -s build --output-logs=errors-only

if [[ "${1:-}" == "--quick" ]]; then
  pnpm exec vitest run --project unit
  exit 0
fi

step "typecheck"
pnpm run -s typecheck --output-logs=errors-only

step "lint (biome), import boundaries (dependency-cruiser) and dead code (knip)"
pnpm exec biome check --error-on-warnings .
pnpm run -s lint:boundaries
pnpm exec knip --no-progress

if [[ -f scripts/validate-chart.sh ]]; then
  step "helm chart: lint, render, validate against Kubernetes schemas, reject bad values"
  bash scripts/validate-chart.sh
fi

step "container images (deploy/docker/Dockerfile)"
bash scripts/build-images.sh

step "PostgreSQL for the tests"
if [[ -z "${DATABASE_URL:-}" ]] && ! docker info >/dev/null 2>&1; then
  # Installs Debian's postgresql when missing; the harness also does this, but apt output belongs here.
  bash scripts/postgres.sh ensure >/dev/null
fi

step "chromium for the console's browser test (Debian's package, scripts/chromium.sh)"
CHROMIUM_PATH="$(bash scripts/chromium.sh)"
export CHROMIUM_PATH

step "tests: unit, integration, e2e (real Kafka + PostgreSQL)"
report="$(mktemp)"
set +e
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json="${report}"
status=$?
set -e

# Its own step, not a vitest project: it starts its own three-node Kafka cluster and PostgreSQL on
# private ports (21000-21005, 21010), runs for a fixed time and prints a table, not test cases; it
# exits 1 when any event was lost or applied twice (test/chaos/README.md).
step "chaos, short form: broker SIGKILL and audit replica kills on a three-node cluster"
set +e
pnpm exec tsx test/chaos/run.ts --short
chaos_status=$?
set -e

node scripts/lib/test-summary.mjs "${report}" "$((SECONDS - started))"
((chaos_status == 0)) || echo "chaos short form FAILED (exit ${chaos_status})"
((status != 0)) && exit "${status}"
exit "${chaos_status}"
