#!/usr/bin/env bash
# Starts parakey-bridge locally from a clean clone: Node 24 + pnpm, a real Kafka broker (KRaft, jars
# from Maven Central), PostgreSQL (Debian's, or $DATABASE_URL), the topics, a round-trip check, then the
# services and the Parakey simulator sending traffic to them. Ctrl-C (or SIGTERM) stops everything.
#
#   bash scripts/start.sh           run until interrupted
#   bash scripts/start.sh --check   start the infrastructure, prove the round trip, stop again
#
# Ports: Kafka 9092 (KAFKA_PORT), webhook 8080, check-in API 8081, billing API 8082, audit API 8083,
# console 8084, admin (metrics/health) 9464-9468, simulator 7070 (SIMULATOR_PORT).
# Each service gets READY_TIMEOUT_SECONDS (default 90) to answer its /readyz.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$(pwd)"
source scripts/lib/toolchain.sh
source scripts/lib/wait-ready.sh

mode="${1:-run}"
export KAFKA_PORT="${KAFKA_PORT:-9092}"
# A given KAFKA_BROKERS means "use that cluster": no local broker is started then.
own_kafka=1
[[ -n "${KAFKA_BROKERS:-}" ]] && own_kafka=0
export KAFKA_BROKERS="${KAFKA_BROKERS:-127.0.0.1:${KAFKA_PORT}}"
log() { printf '[start] %s\n' "$*" >&2; }

pids=()
declare -A pid_of=()
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

if [[ "${own_kafka}" == "1" ]]; then
  if ! bash deploy/kafka-local/kafka-local.sh status >/dev/null 2>&1; then started_kafka=1; fi
  bash deploy/kafka-local/kafka-local.sh start >/dev/null
fi
export DATABASE_URL="${DATABASE_URL:-$(bash scripts/postgres.sh ensure)}"

log "ensuring topics"
node packages/kafka/dist/cli/topics.js ensure 2>&1 | tail -n 1
node scripts/lib/roundtrip.mjs

if [[ "${mode}" == "--check" ]]; then
  log "infrastructure OK"
  exit 0
fi

# --- the services and the simulator --------------------------------------------------------------
logs="${root}/.data/logs"
mkdir -p "${logs}"
export LOG_LEVEL="${LOG_LEVEL:-info}"
# Locally every trace is worth seeing; the services alone record a tenth (DEFAULT_TRACE_SAMPLE_RATIO).
export OTEL_TRACES_SAMPLER="${OTEL_TRACES_SAMPLER:-parentbased_always_on}"
sim_port="${SIMULATOR_PORT:-7070}"
sim_token="${SIMULATOR_TOKEN:-local-sim-token}"
webhook_user="parakey"
webhook_password="${WEBHOOK_PASSWORD:-local-dev-secret}"

# The check-in, billing and audit APIs authenticate. Locally: one development API key per role (only
# their SHA-256 hashes reach the services, as from a Secret in production), or no authentication at all
# with AUTH_DISABLED=true, a waiver the services and this script say out loud.
dev_key_reader="${DEV_API_KEY_READER:-pbk_dev_reader_local_only}"
dev_key_auditor="${DEV_API_KEY_AUDITOR:-pbk_dev_auditor_local_only}"
dev_key_operator="${DEV_API_KEY_OPERATOR:-pbk_dev_operator_local_only}"
sha256() { printf '%s' "$1" | sha256sum | cut -d' ' -f1; }
api_auth=(PSEUDONYM_KEY="${PSEUDONYM_KEY:-local-development-pseudonym-key-0123456789}")
if [[ "${AUTH_DISABLED:-false}" == "true" ]]; then
  log "WARNING: API AUTHENTICATION IS DISABLED (AUTH_DISABLED=true): anyone who reaches the APIs reads personal data"
  api_auth+=(AUTH_DISABLED=true)
else
  api_auth+=(AUTH_DISABLED=false "API_KEYS=dev-reader:$(sha256 "${dev_key_reader}"):reader,dev-auditor:$(sha256 "${dev_key_auditor}"):auditor,dev-operator:$(sha256 "${dev_key_operator}"):operator+reader")
fi

# start_process NAME DIR ENV... -- COMMAND...: runs one process with its log in .data/logs/NAME.log.
start_process() {
  local name="$1" dir="$2"
  shift 2
  local env=()
  while [[ "$1" != "--" ]]; do env+=("$1"); shift; done
  shift
  (cd "${dir}" && exec env "${env[@]}" "$@") >>"${logs}/${name}.log" 2>&1 &
  pids+=($!)
  pid_of["${name}"]=$!
  log "${name} started (pid $!, log .data/logs/${name}.log)"
}

# ready NAME ADMIN_PORT: waits quietly for the admin /readyz of a started process (scripts/lib/wait-ready.sh);
# on a timeout or an early exit it has printed the reason and the log's last lines, and start.sh stops.
ready() { wait_ready "$1" "$2" "${logs}/$1.log" "${pid_of[$1]}" || exit 1; }

start_process ingress services/ingress PORT=8080 ADMIN_PORT=9464 \
  WEBHOOK_BASIC_AUTH="${webhook_user}:${webhook_password}" \
  PARAKEY_API_URL="http://127.0.0.1:${sim_port}" PARAKEY_API_TOKENS="demo=${sim_token}" \
  POLLER_ENABLED=true POLL_INTERVAL_MS=60000 -- node --import ./dist/telemetry.js dist/main.js
for spec in checkin:8081:9465 billing:8082:9466 audit:8083:9467; do
  IFS=: read -r name port admin <<<"${spec}"
  start_process "${name}" "services/${name}" PORT="${port}" ADMIN_PORT="${admin}" "${api_auth[@]}" \
    -- node --import ./dist/telemetry.js dist/main.js
done
ready ingress 9464
for spec in checkin:9465 billing:9466 audit:9467; do ready "${spec%%:*}" "${spec##*:}"; done
# The console reads the sinks' schemas and Parakey (the simulator), and sends repairs to the topic.
start_process console services/console PORT=8084 ADMIN_PORT=9468 "${api_auth[@]}" \
  PARAKEY_API_URL="http://127.0.0.1:${sim_port}" PARAKEY_API_TOKENS="demo=${sim_token}" \
  CONSOLE_SESSION_SECRET="${CONSOLE_SESSION_SECRET:-local-development-console-session-secret}" \
  -- node --import ./dist/telemetry.js dist/main.js
ready console 9468

start_process simulator packages/parakey-simulator -- node dist/cli.js --port "${sim_port}" \
  --token "${sim_token}" --rate "${SIMULATOR_RATE:-2}" --seed 7 --domains 3 --locks 12 --users 40 \
  --offline-fraction 0.1 --webhook-url http://127.0.0.1:8080/webhooks/parakey \
  --webhook-header "Authorization: Basic $(printf '%s:%s' "${webhook_user}" "${webhook_password}" | base64)"

today="$(date -u +%F)"
month="$(date -u +%Y-%m)"
if [[ "${AUTH_DISABLED:-false}" == "true" ]]; then
  api_access="  !! API AUTHENTICATION IS DISABLED (AUTH_DISABLED=true): development only, no credential needed."
else
  api_access="  The APIs need credentials. DEVELOPMENT API keys (local only; never use them anywhere else):
    reader    (pseudonymised people)       -H 'Authorization: Bearer ${dev_key_reader}'
    auditor   (personal data, recorded)    -H 'Authorization: Bearer ${dev_key_auditor}'
    operator  (closes billing periods)     -H 'Authorization: Bearer ${dev_key_operator}'
  e.g. curl -H 'Authorization: Bearer ${dev_key_reader}' 'http://127.0.0.1:8083/v1/events?domainId=dom_1'
  OpenID Connect tokens instead: start with AUTH_JWT_ISSUER, AUTH_JWT_AUDIENCE and AUTH_JWKS_URL set to
  your SSO's realm (and AUTH_ROLE_CLAIM / AUTH_DOMAINS_CLAIM), then use its access tokens as the Bearer.
  Your own keys: key=\"pbk_\$(openssl rand -hex 32)\"; printf %s \"\$key\" | sha256sum  (API_KEYS=id:hash:role)"
fi
cat <<EOF

parakey-bridge is running. The simulator sends ${SIMULATOR_RATE:-2} unlocks/s to the webhook.

  webhook           POST http://127.0.0.1:8080/webhooks/parakey   (Basic ${webhook_user}:${webhook_password})
  Parakey API (sim) http://127.0.0.1:${sim_port}/eventLogs        (access-token: ${sim_token})
  check-ins         http://127.0.0.1:8081/v1/domains/dom_1/check-ins?date=${today}
  usage             http://127.0.0.1:8082/v1/domains/dom_1/usage/${month}
  usage (CSV)       http://127.0.0.1:8082/v1/periods/${month}/usage.csv
  audit             http://127.0.0.1:8083/v1/events?domainId=dom_1
  audit chain       http://127.0.0.1:8083/v1/verify?domainId=dom_1
  access record     http://127.0.0.1:8083/v1/access-log (auditor), http://127.0.0.1:8081/v1/access-log
  console           http://127.0.0.1:8084/ui   (sign in with the auditor or operator key below)
  reconcile (API)   http://127.0.0.1:8084/v1/reconciliation?domain=dom_1&from=${today}
  metrics           http://127.0.0.1:9464/metrics (ingress), :9465 checkin, :9466 billing, :9467 audit, :9468 console
  logs              .data/logs/

${api_access}

Ctrl-C stops everything.
EOF
wait
