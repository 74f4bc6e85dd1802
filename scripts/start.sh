#!/usr/bin/env bash
# Starts parakey-bridge locally from a clean clone: Node 24 + pnpm, a real Kafka broker (KRaft, jars
# from Maven Central), PostgreSQL (Debian's, or $DATABASE_URL), the topics, a round-trip check, then the
# services and the Parakey simulator sending traffic to them. Ctrl-C (or SIGTERM) stops everything.
#
#   bash scripts/start.sh           run until interrupted
#   bash scripts/start.sh --check   start the infrastructure, prove the round trip, stop again
#
# Ports (override with the variables): Kafka 9092 (KAFKA_PORT).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$(pwd)"
source scripts/lib/toolchain.sh

mode="${1:-run}"
export KAFKA_PORT="${KAFKA_PORT:-9092}"
export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:${KAFKA_PORT}}"
log() { printf '[start] %s\n' "$*" >&2; }

pids=()
started_kafka=0
cleanup() {
  trap - EXIT INT TERM
  log "stopping"
  for pid in "${pids[@]}"; do kill -TERM "${pid}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "${pid}" 2>/dev/null || true; done
  if [[ "${started_kafka}" == "1" ]]; then bash deploy/kafka-local/kafka-local.sh stop || true; fi
}
trap cleanup EXIT
trap 'exit 0' INT TERM

log "installing dependencies and building (Node $(node --version))"
pnpm install --frozen-lockfile --reporter=silent
pnpm run -s build --output-logs=errors-only

if ! bash deploy/kafka-local/kafka-local.sh status >/dev/null 2>&1; then started_kafka=1; fi
bash deploy/kafka-local/kafka-local.sh start >/dev/null
export DATABASE_URL="${DATABASE_URL:-$(bash scripts/postgres.sh ensure)}"

log "ensuring topics"
node packages/kafka/dist/cli/topics.js ensure 2>&1 | tail -n 1
node scripts/lib/roundtrip.mjs

if [[ "${mode}" == "--check" ]]; then
  log "infrastructure OK"
  exit 0
fi

log "running; Ctrl-C stops everything"
wait
